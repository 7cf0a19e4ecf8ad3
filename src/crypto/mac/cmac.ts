/**
 * CMAC (NIST SP 800-38B, 6.1 subkeys and 6.2 MAC generation) over AES
 * (16-byte blocks, Rb = 0x87) or TDES (8-byte blocks, Rb = 0x1B). Returns the
 * full block; the caller truncates.
 */
import { constantTimeEqual, wipe } from '../../util/bytes.js';
import { checkKeyLength } from '../check.js';
import { AES_BLOCK_BYTES, aesCbc, aesEcb } from '../cipher/aes.js';
import { DES_BLOCK_BYTES, tdesCbc, tdesEcb } from '../cipher/des.js';
import { verifyMac } from './iso9797.js';

export type CmacCipher = 'aes' | 'tdes';

/** One doubling in GF(2^n) (SP 800-38B 6.1 steps 2–3). */
function double(block: Buffer, rb: number): Buffer {
  const out = Buffer.allocUnsafe(block.length);
  let carry = 0;
  for (let i = block.length - 1; i >= 0; i--) {
    const b = block[i] as number;
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry) out[block.length - 1] = (out[block.length - 1] as number) ^ rb;
  return out;
}

export function cmac(cipher: CmacCipher, key: Uint8Array, data: Uint8Array): Buffer {
  const blockBytes = cipher === 'aes' ? AES_BLOCK_BYTES : DES_BLOCK_BYTES;
  if (cipher === 'aes') checkKeyLength(key, [16, 24, 32], 'AES CMAC key');
  else checkKeyLength(key, [16, 24], 'TDES CMAC key');
  const rb = cipher === 'aes' ? 0x87 : 0x1b;
  const zero = Buffer.alloc(blockBytes);
  const l = cipher === 'aes' ? aesEcb(key, zero) : tdesEcb(key, zero);
  const k1 = double(l, rb);
  const complete = data.length > 0 && data.length % blockBytes === 0;
  const subkey = complete ? k1 : double(k1, rb);
  const total = complete ? data.length : (Math.floor(data.length / blockBytes) + 1) * blockBytes;
  const message = Buffer.alloc(total);
  message.set(data);
  if (!complete) message[data.length] = 0x80;
  for (let i = 0; i < blockBytes; i++) {
    const at = total - blockBytes + i;
    message[at] = (message[at] as number) ^ (subkey[i] as number);
  }
  const chained = cipher === 'aes' ? aesCbc(key, zero, message) : tdesCbc(key, zero, message);
  try {
    return Buffer.from(chained.subarray(total - blockBytes));
  } finally {
    wipe(l, k1, subkey, message, chained);
  }
}

export function aesCmac(key: Uint8Array, data: Uint8Array): Buffer {
  return cmac('aes', key, data);
}

/** Constant-time check of a full or truncated (at least 4-byte) CMAC. */
export function verifyCmac(cipher: CmacCipher, key: Uint8Array, data: Uint8Array, mac: Uint8Array): boolean {
  const expected = cmac(cipher, key, data);
  try {
    return mac.length === expected.length ? constantTimeEqual(expected, mac) : verifyMac(expected, mac);
  } finally {
    wipe(expected);
  }
}
