/**
 * The terminal's certification authority public keys, EMV 4.4 Book 2 §11
 * (the CA public key and its key-related data, §11.2.2) as §5.2 and §6.2
 * use them: located by RID and CA Public Key Index (8F), refused once its
 * expiry date has passed, with the certificate revocation list of §5.3 step
 * 10 beside it.
 *
 * Every entry is checked when the table loads, so a bad key never reaches a
 * transaction: RID 5 bytes, index one byte, a modulus of 512 to 1984 bits
 * (§5.1: at most 248 bytes) with no leading zero, exponent 3 or 2^16 + 1, a
 * real YYYY-MM-DD expiry, one entry per RID and index, and the checksum —
 * SHA-1 over RID ‖ index ‖ modulus ‖ exponent — matching. A failure is
 * `EMV_CAPK_INVALID` (or `EMV_CAPK_REVOCATION_INVALID` for the list) naming
 * the entry by RID and index; a key is public, so its values may be shown.
 */
import { createHash } from 'node:crypto';
import { PosError } from '../../../util/errors.js';
import type { Capk, RevokedCertificate } from '../config.js';
import { isAllowedExponent, rsaKeyObject } from './rsa.js';

const RID_BYTES = 5;
const SHA1_BYTES = 20;
const SERIAL_BYTES = 3;
/** Book 2 §5.1: moduli up to 1984 bits; below 512 bits nothing EMV certifies fits. */
const MIN_MODULUS_BYTES = 64;
const MAX_MODULUS_BYTES = 248;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function keyOf(rid: Uint8Array, index: number): string {
  return `${hex(rid)}/${index}`;
}

/** A YYYY-MM-DD that names a day of the calendar. */
function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** SHA-1 over RID ‖ index ‖ modulus ‖ exponent (Book 2 §11.2.2: the CA public key check sum). */
export function capkChecksum(rid: Uint8Array, index: number, modulus: Uint8Array, exponent: Uint8Array): Buffer {
  return createHash('sha1').update(rid).update(Buffer.from([index])).update(modulus).update(exponent).digest();
}

function checkCapk(capk: Capk, position: number): void {
  const rid = capk.rid;
  const name = { entry: position, rid: hex(rid), index: capk.index };
  const refuse = (message: string, reason: string): PosError => new PosError('EMV_CAPK_INVALID', `CA public key ${name.rid} index ${capk.index}: ${message}`, { ...name, reason });
  if (rid.length !== RID_BYTES) throw refuse('a RID is 5 bytes', 'rid');
  if (!Number.isInteger(capk.index) || capk.index < 0 || capk.index > 0xff) throw refuse('a CA public key index is one byte', 'index');
  const { modulus, exponent } = capk;
  if (modulus.length < MIN_MODULUS_BYTES || modulus.length > MAX_MODULUS_BYTES) throw refuse('the modulus must be 512 to 1984 bits', 'modulus');
  if (modulus[0] === 0) throw refuse('the modulus has a leading zero byte', 'modulus');
  if (!isAllowedExponent(exponent)) throw refuse('the exponent must be 3 or 65537', 'exponent');
  if (!isCalendarDate(capk.expiry)) throw refuse('the expiry must be a date YYYY-MM-DD', 'expiry');
  if (capk.checksum.length !== SHA1_BYTES) throw refuse('the checksum is a 20-byte SHA-1', 'checksum');
  if (!capkChecksum(rid, capk.index, modulus, exponent).equals(capk.checksum)) throw refuse('the SHA-1 checksum does not match RID, index, modulus and exponent', 'checksum');
  if (rsaKeyObject({ modulus, exponent }) === undefined) throw refuse('node:crypto cannot use the key', 'modulus');
}

function checkRevoked(entry: RevokedCertificate, position: number): void {
  const details = { entry: position, rid: hex(entry.rid), index: entry.capkIndex };
  const refuse = (message: string, reason: string): PosError => new PosError('EMV_CAPK_REVOCATION_INVALID', `Revoked certificate entry ${position}: ${message}`, { ...details, reason });
  if (entry.rid.length !== RID_BYTES) throw refuse('a RID is 5 bytes', 'rid');
  if (!Number.isInteger(entry.capkIndex) || entry.capkIndex < 0 || entry.capkIndex > 0xff) throw refuse('a CA public key index is one byte', 'index');
  if (entry.serial.length !== SERIAL_BYTES) throw refuse('a certificate serial number is 3 bytes', 'serial');
}

function copyCapk(capk: Capk): Capk {
  return {
    rid: Buffer.from(capk.rid),
    index: capk.index,
    modulus: Buffer.from(capk.modulus),
    exponent: Buffer.from(capk.exponent),
    expiry: capk.expiry,
    checksum: Buffer.from(capk.checksum),
  };
}

export class CapkTable {
  readonly #keys: ReadonlyMap<string, Capk>;
  readonly #revoked: ReadonlySet<string>;

  private constructor(keys: ReadonlyMap<string, Capk>, revoked: ReadonlySet<string>) {
    this.#keys = keys;
    this.#revoked = revoked;
  }

  /** Checks every entry (see the module comment) and copies it; the first bad one throws, naming RID and index. */
  static load(capks: readonly Capk[], revoked: readonly RevokedCertificate[]): CapkTable {
    const keys = new Map<string, Capk>();
    capks.forEach((capk, position) => {
      checkCapk(capk, position);
      const key = keyOf(capk.rid, capk.index);
      if (keys.has(key)) {
        throw new PosError('EMV_CAPK_INVALID', `CA public key ${hex(capk.rid)} index ${capk.index} is listed twice`, { entry: position, rid: hex(capk.rid), index: capk.index, reason: 'duplicate' });
      }
      keys.set(key, copyCapk(capk));
    });
    const revokedKeys = new Set<string>();
    revoked.forEach((entry, position) => {
      checkRevoked(entry, position);
      revokedKeys.add(`${keyOf(entry.rid, entry.capkIndex)}/${hex(entry.serial)}`);
    });
    return new CapkTable(keys, revokedKeys);
  }

  /** The key for this RID and index (Book 2 §5.2, §6.2); undefined when the terminal has none, or its last day is before `now` (UTC). */
  find(rid: Buffer, index: number, now: Date): Capk | undefined {
    const capk = this.#keys.get(keyOf(rid, index));
    if (capk === undefined) return undefined;
    return now.toISOString().slice(0, 10) > capk.expiry ? undefined : capk;
  }

  /** Whether RID ‖ CA key index ‖ issuer certificate serial number is on the revocation list (Book 2 §5.3 step 10). */
  isRevoked(rid: Buffer, capkIndex: number, serial: Buffer): boolean {
    return this.#revoked.has(`${keyOf(rid, capkIndex)}/${hex(serial)}`);
  }

  /** How many keys the table holds. */
  get size(): number {
    return this.#keys.size;
  }
}
