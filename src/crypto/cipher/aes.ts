/**
 * AES (FIPS 197) block operations on node:crypto: ECB for single blocks and
 * key derivation, CBC for chained data.
 */
import { checkBlocks, checkKeyLength } from '../check.js';
import { cipherPass, type Direction } from './des.js';

export const AES_BLOCK_BYTES = 16;

function algorithm(key: Uint8Array, mode: 'ecb' | 'cbc'): string {
  checkKeyLength(key, [16, 24, 32], 'AES key');
  return `aes-${key.length * 8}-${mode}`;
}

export function aesEcb(key: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  const name = algorithm(key, 'ecb');
  checkBlocks(data, AES_BLOCK_BYTES, 'AES data');
  return cipherPass(name, key, null, data, direction);
}

export function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  const name = algorithm(key, 'cbc');
  checkBlocks(data, AES_BLOCK_BYTES, 'AES data');
  return cipherPass(name, key, iv, data, direction);
}
