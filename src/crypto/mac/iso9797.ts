/**
 * ISO/IEC 9797-1:2011 MAC algorithms over DES:
 * - algorithm 1 (7.2): CBC-MAC, the last ciphertext block, here with TDES
 *   (or single DES for an 8-byte key);
 * - algorithm 3 (7.4), the retail MAC of ANSI X9.19: single-DES CBC-MAC under
 *   K, then the last block deciphered under K' and enciphered under K again.
 *   The 16-byte key is K‖K'.
 *
 * Both return the full 8-byte block; the caller truncates (X9.19 often sends
 * the left 4 bytes). `verify…` compares in constant time and accepts a
 * truncated MAC of 4 to 8 bytes.
 */
import { constantTimeEqual, wipe } from '../../util/bytes.js';
import { checkKeyLength } from '../check.js';
import { DES_BLOCK_BYTES, tdesCbc, tdesEcb } from '../cipher/des.js';
import { type PaddingMethod, pad } from './padding.js';

const ZERO_IV = Buffer.alloc(DES_BLOCK_BYTES);

export function macIso9797Alg1(key: Uint8Array, data: Uint8Array, padding: PaddingMethod = 1): Buffer {
  checkKeyLength(key, [8, 16, 24], 'MAC key');
  const padded = pad(data, padding, DES_BLOCK_BYTES);
  const chained = tdesCbc(key, ZERO_IV, padded);
  try {
    return Buffer.from(chained.subarray(chained.length - DES_BLOCK_BYTES));
  } finally {
    wipe(padded, chained);
  }
}

export function macIso9797Alg3(key: Uint8Array, data: Uint8Array, padding: PaddingMethod = 1): Buffer {
  checkKeyLength(key, [16], 'retail MAC key');
  const padded = pad(data, padding, DES_BLOCK_BYTES);
  const last = padded.subarray(padded.length - DES_BLOCK_BYTES);
  let chain = ZERO_IV;
  if (padded.length > DES_BLOCK_BYTES) {
    // Single DES under K over every block but the last.
    const head = tdesCbc(key.subarray(0, 8), ZERO_IV, padded.subarray(0, padded.length - DES_BLOCK_BYTES));
    chain = Buffer.from(head.subarray(head.length - DES_BLOCK_BYTES));
    wipe(head);
  }
  for (let i = 0; i < DES_BLOCK_BYTES; i++) last[i] = (last[i] as number) ^ (chain[i] as number);
  try {
    // E_K(D_K'(E_K(x))) is exactly two-key TDES with K‖K'.
    return tdesEcb(key, last);
  } finally {
    wipe(padded, chain === ZERO_IV ? undefined : chain);
  }
}

/** Constant-time check of a full or truncated (4–8 byte) MAC. */
export function verifyMac(expectedFull: Uint8Array, received: Uint8Array): boolean {
  if (received.length < 4 || received.length > expectedFull.length) return false;
  return constantTimeEqual(expectedFull.subarray(0, received.length), received);
}

/** `verifyMac` against a MAC computed for the check, wiped after it. */
function verifyComputed(expected: Buffer, received: Uint8Array): boolean {
  try {
    return verifyMac(expected, received);
  } finally {
    wipe(expected);
  }
}

export function verifyIso9797Alg1(key: Uint8Array, data: Uint8Array, mac: Uint8Array, padding: PaddingMethod = 1): boolean {
  return verifyComputed(macIso9797Alg1(key, data, padding), mac);
}

export function verifyIso9797Alg3(key: Uint8Array, data: Uint8Array, mac: Uint8Array, padding: PaddingMethod = 1): boolean {
  return verifyComputed(macIso9797Alg3(key, data, padding), mac);
}

/** ANSI X9.19 retail MAC: ISO 9797-1 algorithm 3 with padding method 1. */
export function macX919(key: Uint8Array, data: Uint8Array): Buffer {
  return macIso9797Alg3(key, data, 1);
}

export function verifyX919(key: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean {
  return verifyIso9797Alg3(key, data, mac, 1);
}
