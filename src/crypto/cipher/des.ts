/**
 * DES and TDES (ANSI X9.52 / ISO/IEC 18033-3) block operations on node:crypto.
 *
 * OpenSSL 3 ships no single DES in its default provider, so single DES is
 * two-key TDES with the key repeated (K‖K: E_K ∘ D_K ∘ E_K = E_K). A 16-byte
 * key runs as `des-ede` (K1‖K2‖K1) and a 24-byte key as `des-ede3`. All key
 * copies made here are wiped before returning.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { wipe } from '../../util/bytes.js';
import { checkBlocks, checkKeyLength } from '../check.js';

export const DES_BLOCK_BYTES = 8;

export type Direction = 'encrypt' | 'decrypt';

/**
 * One ECB/CBC pass over whole blocks. Inputs are checked to be whole blocks
 * before we get here, and without padding OpenSSL emits every block from
 * update(), so final() — which would only re-check alignment — is skipped:
 * DUKPT makes one cipher per DES step and this is its hot path. Encryption
 * never pads inside update(), so only decryption turns padding off.
 */
export function cipherPass(algorithm: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, direction: Direction): Buffer {
  if (direction === 'encrypt') return createCipheriv(algorithm, key, iv).update(data);
  const decipher = createDecipheriv(algorithm, key, iv);
  decipher.setAutoPadding(false);
  return decipher.update(data);
}

/** TDES-ECB with a 16- or 24-byte key (8-byte keys run as single DES). */
export function tdesEcb(key: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  checkKeyLength(key, [8, 16, 24], 'TDES key');
  checkBlocks(data, DES_BLOCK_BYTES, 'TDES data');
  if (key.length === 8) return desEcb(key, data, direction);
  return cipherPass(key.length === 16 ? 'des-ede' : 'des-ede3', key, null, data, direction);
}

/** TDES-CBC with a 16- or 24-byte key (8-byte keys run as single DES) and an 8-byte IV. */
export function tdesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  checkKeyLength(key, [8, 16, 24], 'TDES key');
  checkBlocks(data, DES_BLOCK_BYTES, 'TDES data');
  if (key.length === 8) {
    const doubled = Buffer.concat([key, key]);
    try {
      return cipherPass('des-ede-cbc', doubled, iv, data, direction);
    } finally {
      wipe(doubled);
    }
  }
  return cipherPass(key.length === 16 ? 'des-ede-cbc' : 'des-ede3-cbc', key, iv, data, direction);
}

/**
 * K‖K for single DES. One module buffer instead of one allocation per call:
 * DUKPT runs a single-DES step per counter bit, and each call fills, uses and
 * wipes it before returning (node:crypto copies the key into the cipher).
 */
const doubledKey = Buffer.alloc(16);

/** Single DES-ECB with an 8-byte key, as TDES with the key repeated. */
export function desEcb(key: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  checkKeyLength(key, [8], 'DES key');
  checkBlocks(data, DES_BLOCK_BYTES, 'DES data');
  for (let i = 0; i < 8; i++) doubledKey[i] = doubledKey[i + 8] = key[i] as number;
  try {
    return cipherPass('des-ede', doubledKey, null, data, direction);
  } finally {
    doubledKey.fill(0);
  }
}
