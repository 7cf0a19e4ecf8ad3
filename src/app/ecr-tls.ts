/**
 * The ECR API's TLS material from `ecr.tls`: certificate, private key (a key
 * file: regular, owned by the service user, 0600 — checked like the device
 * keys) and, for mutual TLS, the CA that signs the registers' certificates.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { PosError } from '../util/errors.js';
import type { EcrTls } from './ecr-server.js';
import { checkKeyFile, type KeyFileOptions } from './key-files.js';

export function loadEcrTls(tls: NonNullable<Config['ecr']['tls']>, options: KeyFileOptions = {}): EcrTls {
  checkKeyFile(tls.keyFile, options);
  return {
    cert: readPem(tls.certFile, 'ecr.tls.certFile'),
    key: readPem(tls.keyFile, 'ecr.tls.keyFile'),
    ...(tls.caFile === undefined ? {} : { ca: readPem(tls.caFile, 'ecr.tls.caFile') }),
  };
}

function readPem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new PosError('CONFIG_UNREADABLE', `Cannot read ${field} ${path}: ${reason}`, { path, reason, fields: [field] });
  }
}
