/**
 * Key check values (ANSI X9.24-1 2017, Annex A / TR-31 KCV conventions):
 * TDES — the left 3 bytes of TDES-ECB of an all-zero block;
 * AES  — the left 5 bytes of AES-CMAC of an all-zero 16-byte block.
 */
import { wipe } from '../../util/bytes.js';
import { checkKeyLength, optionError } from '../check.js';
import { tdesEcb } from '../cipher/des.js';
import { cmac } from '../mac/cmac.js';

export type KcvAlgorithm = 'tdes' | 'aes';

export function keyCheckValue(key: Uint8Array, algorithm: KcvAlgorithm = key.length === 32 ? 'aes' : 'tdes', lengthBytes?: number): Buffer {
  if (algorithm === 'tdes') {
    checkKeyLength(key, [8, 16, 24], 'TDES key');
    const block = tdesEcb(key, Buffer.alloc(8));
    const out = Buffer.from(block.subarray(0, lengthBytes ?? 3));
    wipe(block);
    return out;
  }
  if (algorithm === 'aes') {
    checkKeyLength(key, [16, 24, 32], 'AES key');
    const mac = cmac('aes', key, Buffer.alloc(16));
    const out = Buffer.from(mac.subarray(0, lengthBytes ?? 5));
    wipe(mac);
    return out;
  }
  throw optionError('KCV algorithm', String(algorithm), ['tdes', 'aes']);
}
