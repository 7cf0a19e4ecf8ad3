/**
 * Secrets at rest: a file that holds a key (a key file, a TR-31 block, a TLS
 * private key) must be a regular file (not a symlink), owned by the uid the
 * service runs as, with mode 0600 (or 0400); a key folder must be owned by
 * that uid with no group or other access. Every layer that reads a secret
 * from a file checks it here first. Errors (`KEY_FILE_*`, configuration
 * errors) name the file and the problem, never the content.
 */
import { lstatSync, type Stats } from 'node:fs';
import { PosError } from './errors.js';

const ALLOWED_FILE_MODES: readonly number[] = [0o600, 0o400];

export interface KeyFileOptions {
  /** The uid the files must belong to; default the process's. */
  readonly uid?: number;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function statOf(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    if (code === 'ENOENT') throw new PosError('KEY_FILE_MISSING', `Key file ${path} does not exist`, { path });
    throw new PosError('KEY_FILE_MISSING', `Key file ${path} cannot be inspected (${code})`, { path, cause: code });
  }
}

function expectedUid(options: KeyFileOptions): number {
  return options.uid ?? process.getuid?.() ?? 0;
}

/** Checks the key folder: a real folder, owned by the service user, closed to group and others. */
export function checkKeyDir(dir: string, options: KeyFileOptions = {}): void {
  const stat = statOf(dir);
  if (!stat.isDirectory()) throw new PosError('KEY_FILE_NOT_REGULAR', `Key folder ${dir} is not a folder`, { path: dir });
  const uid = expectedUid(options);
  if (stat.uid !== uid) throw new PosError('KEY_FILE_OWNER', `Key folder ${dir} is owned by uid ${stat.uid}, not ${uid}`, { path: dir, uid: stat.uid, expectedUid: uid });
  if ((stat.mode & 0o077) !== 0) {
    throw new PosError('KEY_FILE_MODE', `Key folder ${dir} has mode ${octal(stat.mode)}; it must be 0700`, { path: dir, mode: octal(stat.mode), expected: '0700' });
  }
}

/** Checks one key file's type, owner and mode without reading it. */
export function checkKeyFile(path: string, options: KeyFileOptions = {}): void {
  const stat = statOf(path);
  if (!stat.isFile()) {
    throw new PosError('KEY_FILE_NOT_REGULAR', `Key file ${path} is not a regular file${stat.isSymbolicLink() ? ' (a symbolic link)' : ''}`, { path });
  }
  const uid = expectedUid(options);
  if (stat.uid !== uid) throw new PosError('KEY_FILE_OWNER', `Key file ${path} is owned by uid ${stat.uid}, not ${uid}`, { path, uid: stat.uid, expectedUid: uid });
  if (!ALLOWED_FILE_MODES.includes(stat.mode & 0o777)) {
    throw new PosError('KEY_FILE_MODE', `Key file ${path} has mode ${octal(stat.mode)}; it must be 0600`, { path, mode: octal(stat.mode), expected: '0600' });
  }
}
