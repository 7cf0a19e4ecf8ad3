/**
 * Application cryptograms and the issuer's answer, EMV 4.3 Book 2:
 * - ARQC/TC/AAC (8.1.2, Annex A1.2): ISO/IEC 9797-1 MAC algorithm 3 with the
 *   16-byte AC session key over the terminal's data, padding method 2 (EMV)
 *   or 1 (some Visa CVNs);
 * - ARPC method 1 (8.2.1): TDES(key, ARQC ⊕ (ARC ‖ 00…00));
 * - ARPC method 2 (8.2.2): the left 4 bytes of MAC algorithm 3, padding
 *   method 2, over ARQC ‖ CSU ‖ proprietary authentication data.
 */
import { wipe, xor } from '../../util/bytes.js';
import { checkKeyLength, checkLength } from '../check.js';
import { tdesEcb } from '../cipher/des.js';
import { macIso9797Alg3, verifyMac } from '../mac/iso9797.js';
import type { PaddingMethod } from '../mac/padding.js';

export function generateArqc(sessionKey: Uint8Array, data: Uint8Array, padding: PaddingMethod = 2): Buffer {
  checkKeyLength(sessionKey, [16], 'AC session key');
  return macIso9797Alg3(sessionKey, data, padding);
}

/** Constant-time comparison of a received ARQC with the one recomputed over the same data. */
export function verifyArqc(sessionKey: Uint8Array, data: Uint8Array, arqc: Uint8Array, padding: PaddingMethod = 2): boolean {
  checkLength(arqc, [8], 'ARQC');
  const expected = generateArqc(sessionKey, data, padding);
  try {
    return verifyMac(expected, arqc);
  } finally {
    wipe(expected);
  }
}

export function generateArpcMethod1(key: Uint8Array, arqc: Uint8Array, arc: Uint8Array): Buffer {
  checkKeyLength(key, [16], 'ARPC key');
  checkLength(arqc, [8], 'ARQC');
  checkLength(arc, [2], 'ARC');
  const block = xor(arqc, Buffer.concat([arc, Buffer.alloc(6)]));
  try {
    return tdesEcb(key, block);
  } finally {
    wipe(block);
  }
}

export function generateArpcMethod2(
  sessionKey: Uint8Array,
  arqc: Uint8Array,
  csu: Uint8Array,
  proprietaryAuthData: Uint8Array = new Uint8Array(0),
): Buffer {
  checkKeyLength(sessionKey, [16], 'AC session key');
  checkLength(arqc, [8], 'ARQC');
  checkLength(csu, [4], 'CSU');
  checkLength(proprietaryAuthData, [0, 1, 2, 3, 4, 5, 6, 7, 8], 'proprietary authentication data');
  const mac = macIso9797Alg3(sessionKey, Buffer.concat([arqc, csu, proprietaryAuthData]), 2);
  try {
    return Buffer.from(mac.subarray(0, 4));
  } finally {
    wipe(mac);
  }
}
