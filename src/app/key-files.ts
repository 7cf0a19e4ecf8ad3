/**
 * Keys at rest: the terminal refuses to start on a key file anyone but the
 * service user could read or replace. A key file must be a regular file (not
 * a symlink), owned by the uid the service runs as, with mode 0600 (or 0400);
 * the key folder must be owned by that uid with no group or other access.
 * Errors name the file and the problem, never the content.
 *
 * A key file holds the key as hex digits (whitespace ignored), e.g. as made
 * by `openssl rand -hex 32`. Loaded keys are `Sensitive`; `KeyRing.wipe()`
 * zeroes them all on shutdown.
 */
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { PosError } from '../util/errors.js';
import { Sensitive } from '../util/sensitive.js';

/** The key the journal hashes PANs under (HMAC-SHA-256), made by install.sh. */
export const PAN_HASH_KEY_FILE = 'journal-hmac.key';

const ALLOWED_FILE_MODES: readonly number[] = [0o600, 0o400];
const ACCEPTED_KEY_BYTES: readonly number[] = [16, 24, 32, 48, 64];

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

/** Checks then reads a hex key file; the text is zeroed once decoded. */
export function loadKeyFile(path: string, options: KeyFileOptions = {}): Sensitive {
  checkKeyFile(path, options);
  const raw = readFileSync(path);
  try {
    let digits = 0;
    let ok = true;
    for (const byte of raw) {
      if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue; // space, tab, LF, CR
      const hex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
      if (!hex) ok = false;
      digits++;
    }
    if (!ok || digits % 2 !== 0 || !ACCEPTED_KEY_BYTES.includes(digits / 2)) {
      throw new PosError('KEY_FILE_INVALID', `Key file ${path} does not hold a key as ${ACCEPTED_KEY_BYTES.map((n) => n * 2).join(', ')} hex digits`, {
        path,
        ...(ok && digits % 2 === 0 ? { lengthBytes: digits / 2 } : {}),
      });
    }
    const key = Buffer.alloc(digits / 2);
    let nibble = -1;
    let at = 0;
    for (const byte of raw) {
      if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
      const value = byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x57;
      if (nibble < 0) nibble = value;
      else {
        key[at++] = (nibble << 4) | value;
        nibble = -1;
      }
    }
    return Sensitive.of('key', key);
  } finally {
    raw.fill(0);
  }
}

/** The keys loaded at start, so shutdown can zero every one of them. */
export class KeyRing {
  readonly #keys = new Map<string, Sensitive>();

  /** Checks `dir`, then loads each named file from it. All or nothing: a failure wipes what was loaded. */
  static load(dir: string, names: readonly string[], options: KeyFileOptions = {}): KeyRing {
    checkKeyDir(dir, options);
    const ring = new KeyRing();
    try {
      for (const name of names) ring.#keys.set(name, loadKeyFile(join(dir, name), options));
    } catch (err) {
      ring.wipe();
      throw err;
    }
    return ring;
  }

  get(name: string): Sensitive {
    const key = this.#keys.get(name);
    if (key === undefined) throw new PosError('KEY_FILE_MISSING', `Key ${name} was not loaded`, { path: name });
    return key;
  }

  /** Zeroes every key; call from the terminal's close. */
  wipe(): void {
    for (const key of this.#keys.values()) key.wipe();
  }
}
