/**
 * TLS material for mutual TLS with the host: the host's CA (pinned: it
 * replaces the system roots, so only a certificate it signed is accepted),
 * and the terminal's client certificate and key, read from the files the
 * configuration names. The private key file is held to the key-file rules
 * (regular file, the service user's, 0600).
 */
import { readFileSync } from 'node:fs';
import { PosError } from '../../util/errors.js';
import { checkKeyFile } from '../../util/key-file-check.js';

export interface TlsMaterial {
  /** PEM of the CA(s) the host's certificate must chain to; nothing else is trusted. */
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Name checked against the host certificate (SNI too); default the connect address. */
  readonly servername?: string;
}

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly servername?: string | undefined;
}

/**
 * Reads the three files; `CHANNEL_TLS_MATERIAL_UNREADABLE` (details: `which`,
 * `path`, `errno`) when one cannot be read, `KEY_FILE_*` when the key file is
 * open to group or others, not the service user's, or not a regular file.
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const ca = readTlsFile('caFile', files.caFile);
  const cert = readTlsFile('certFile', files.certFile);
  const key = readTlsFile('keyFile', files.keyFile);
  try {
    checkKeyFile(files.keyFile);
  } catch (err) {
    key.fill(0);
    throw err;
  }
  return {
    ca,
    cert,
    key,
    ...(files.servername === undefined ? {} : { servername: files.servername }),
  };
}

/** One TLS file by its config name; `CHANNEL_TLS_MATERIAL_UNREADABLE` (details: `which`, `path`, `errno`) when it cannot be read. */
export function readTlsFile(which: 'caFile' | 'certFile' | 'keyFile', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new PosError('CHANNEL_TLS_MATERIAL_UNREADABLE', `Cannot read the TLS ${which} ${path} (${errno})`, { which, path, errno }, { cause: err });
  }
}
