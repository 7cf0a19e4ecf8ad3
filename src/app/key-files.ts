/**
 * Keys at rest: the terminal refuses to start on a key file anyone but the
 * service user could read or replace. A key file must be a regular file (not
 * a symlink), owned by the uid the service runs as, with mode 0600 (or 0400);
 * the key folder must be owned by that uid with no group or other access.
 * Errors name the file and the problem, never the content. The checks are
 * `src/util/key-file-check.ts`, shared with the TLS key loaders.
 *
 * A key file holds the key as hex digits (whitespace ignored), e.g. as made
 * by `openssl rand -hex 32`. Loaded keys are `Sensitive`; `KeyRing.wipe()`
 * zeroes them all on shutdown.
 *
 * Which files a config needs is `requiredKeyFiles` — the one list the
 * terminal's start checks (or, in simulation, provisions) and `pos keys init`
 * provisions.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ACQUIRER_ADVICE_KEY_FILE } from '../txn/advice-card.js';
import { PosError } from '../util/errors.js';
import { checkKeyDir, checkKeyFile, type KeyFileOptions } from '../util/key-file-check.js';
import { Sensitive } from '../util/sensitive.js';

export { checkKeyDir, checkKeyFile, type KeyFileOptions } from '../util/key-file-check.js';

/** The bearer token the ECR API requires: 32 random bytes as 64 hex digits. */
export const ECR_TOKEN_FILE = 'ecr.token';
/** The key-block protection key (hex) and the terminal MAC key as a TR-31 block under it: both from the acquirer. */
export const KBPK_KEY_FILE = 'kbpk.key';
export const TAK_KEY_BLOCK_FILE = 'tak.tr31';

const ACCEPTED_KEY_BYTES: readonly number[] = [16, 24, 32, 48, 64];

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

/** Who can make a key file: this device (random bytes), or only the acquirer (keys under its key-block protection key). */
export type KeyFileOrigin = 'device' | 'acquirer';

export interface RequiredKeyFile {
  /** The file name in the key folder. */
  readonly name: string;
  readonly origin: KeyFileOrigin;
  /** A secret must be 0600 (or 0400) and owned by the service user; a public key need not. */
  readonly secret: boolean;
  /** What it is for, as `pos keys init` says it. */
  readonly purpose: string;
}

/**
 * Every key file `config` needs, acquirer keys first (without them nothing
 * else matters). Change the set of device keys here and both the terminal's
 * start and `pos keys init` follow.
 */
export function requiredKeyFiles(config: Config): RequiredKeyFile[] {
  const files: RequiredKeyFile[] = [];
  // Acquirer keys: a real ISO 8583 host's (the in-process simulator brings its own).
  if (config.host.type === 'iso8583-tcp') {
    files.push({ name: TAK_KEY_BLOCK_FILE, origin: 'acquirer', secret: true, purpose: 'terminal MAC key (TR-31 block under kbpk.key)' });
    files.push({ name: KBPK_KEY_FILE, origin: 'acquirer', secret: true, purpose: 'key-block protection key' });
    if (config.storeAndForward.enabled) files.push({ name: ACQUIRER_ADVICE_KEY_FILE, origin: 'acquirer', secret: false, purpose: "acquirer's public key that seals offline advices" });
  }
  // Device keys: random bytes made on the device.
  files.push({ name: ECR_TOKEN_FILE, origin: 'device', secret: true, purpose: 'bearer token of the ECR API' });
  return files;
}

/** Whether the terminal runs its own bank-host simulator, and so keeps its keys beside its state. */
function simulated(config: Config): boolean {
  return config.host.type === 'simulator';
}

/** The folder the terminal loads keys from: `keys.dir`, or `<state>/keys` with the in-process simulator. */
export function keyFolderOf(config: Config, stateDir: string): string {
  return simulated(config) ? join(stateDir, 'keys') : config.keys.dir;
}

/** Where one required file lives; with the in-process simulator the ECR token is `<state>/ecr.token`. */
export function keyFilePath(config: Config, stateDir: string, name: string): string {
  if (name === ECR_TOKEN_FILE && simulated(config)) return join(stateDir, ECR_TOKEN_FILE);
  return join(keyFolderOf(config, stateDir), name);
}

/** One required file after provisioning: made now, kept as it was, or missing (an acquirer key). */
export interface ProvisionedKeyFile extends RequiredKeyFile {
  readonly path: string;
  readonly outcome: 'made' | 'kept' | 'missing';
}

export interface ProvisionOptions extends KeyFileOptions {
  /** Who new files and folders belong to (a root installer making them for the service user). */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/**
 * Makes every missing device key of `requiredKeyFiles(config)` (32 random
 * bytes as hex, 0600) and checks the secrets already there; never overwrites
 * one. Acquirer keys are only reported missing. Folders are made 0700.
 */
export function provisionKeyFiles(config: Config, stateDir: string, options: ProvisionOptions = {}): ProvisionedKeyFile[] {
  return requiredKeyFiles(config).map((file): ProvisionedKeyFile => {
    const path = keyFilePath(config, stateDir, file.name);
    if (existsSync(path)) {
      if (file.secret) checkKeyFile(path, options);
      return { ...file, path, outcome: 'kept' };
    }
    if (file.origin === 'acquirer') return { ...file, path, outcome: 'missing' };
    makeFolder(dirname(path), options);
    // `wx`: a file that appeared since the check above is never overwritten.
    writeFileSync(path, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
    return { ...file, path, outcome: 'made' };
  });
}

function makeFolder(dir: string, options: ProvisionOptions): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (options.owner) chownSync(dir, options.owner.uid, options.owner.gid);
}

/**
 * Checks, before anything starts, that every file `config` needs is in place
 * (type, owner, mode); the first problem is thrown (`KEY_FILE_MISSING`, …:
 * configuration errors, exit 2).
 */
export function assertKeyFilesPresent(config: Config, stateDir: string, options: KeyFileOptions = {}): void {
  for (const file of requiredKeyFiles(config)) {
    const path = keyFilePath(config, stateDir, file.name);
    if (!existsSync(path)) {
      const remedy = file.origin === 'acquirer' ? 'it comes from the acquirer' : 'make it with pos keys init';
      throw new PosError('KEY_FILE_MISSING', `Key file ${path} (${file.purpose}) does not exist: ${remedy}`, { path });
    }
    if (file.secret) checkKeyFile(path, options);
  }
}

const ECR_TOKEN_PATTERN = /^[0-9a-f]{64}$/i;

/** Checks then reads the ECR API's bearer token (`ecr.token`: 64 hex digits, one line). */
export function readEcrToken(path: string, options: KeyFileOptions = {}): string {
  checkKeyFile(path, options);
  const token = readFileSync(path, 'latin1').trim();
  if (!ECR_TOKEN_PATTERN.test(token)) throw new PosError('KEY_FILE_INVALID', `${path} does not hold an ECR token (64 hex digits)`, { path });
  return token;
}
