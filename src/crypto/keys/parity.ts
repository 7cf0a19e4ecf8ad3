/**
 * DES key parity (FIPS 46-3 / ANSI X9.52): each key byte has odd parity in
 * its low bit. Keys from derivations are adjusted; keys typed by a person are
 * checked, because a parity error there usually means a typo.
 */
import { PosError } from '../../util/errors.js';
import { checkKeyLength } from '../check.js';

function oddParity(byte: number): boolean {
  let b = byte;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  return (b & 1) === 1;
}

/** The indexes of the bytes with even parity (empty when the key is good). */
export function parityErrors(key: Uint8Array): number[] {
  const bad: number[] = [];
  key.forEach((b, i) => {
    if (!oddParity(b)) bad.push(i);
  });
  return bad;
}

export function hasOddParity(key: Uint8Array): boolean {
  return parityErrors(key).length === 0;
}

/** A copy with each byte's low bit set for odd parity. */
export function adjustOddParity(key: Uint8Array): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (!oddParity(b)) out[i] = b ^ 0x01;
  }
  return out;
}

/** Throws `CRYPTO_KEY_PARITY` naming the bad byte positions (never the bytes). */
export function checkOddParity(key: Uint8Array, what: string): void {
  const bad = parityErrors(key);
  if (bad.length > 0) {
    throw new PosError('CRYPTO_KEY_PARITY', `${what}: ${bad.length} byte(s) without odd parity`, { what, bytes: bad });
  }
}

/**
 * A TDES key a person typed (an IMK, a BDK): its length first, then its
 * parity, so a key of the wrong length is reported as `CRYPTO_KEY_LENGTH`
 * and not as parity errors in bytes the algorithm would never use.
 */
export function checkTypedTdesKey(key: Uint8Array, allowedLengths: readonly number[], what: string): void {
  checkKeyLength(key, allowedLengths, what);
  checkOddParity(key, what);
}
