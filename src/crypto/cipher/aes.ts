/**
 * AES (FIPS 197) block operations on node:crypto: ECB for single blocks and
 * key derivation, CBC for chained data.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { checkBlocks, checkKeyLength } from '../check.js';
import type { Direction } from './des.js';

export const AES_BLOCK_BYTES = 16;

function algorithm(key: Uint8Array, mode: 'ecb' | 'cbc'): string {
  checkKeyLength(key, [16, 24, 32], 'AES key');
  return `aes-${key.length * 8}-${mode}`;
}

/** As in des.ts: whole blocks only, so update() emits everything and final() is skipped. */
function run(name: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, direction: Direction): Buffer {
  if (direction === 'encrypt') return createCipheriv(name, key, iv).update(data);
  const decipher = createDecipheriv(name, key, iv);
  decipher.setAutoPadding(false);
  return decipher.update(data);
}

export function aesEcb(key: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  const name = algorithm(key, 'ecb');
  checkBlocks(data, AES_BLOCK_BYTES, 'AES data');
  return run(name, key, null, data, direction);
}

export function aesCbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  const name = algorithm(key, 'cbc');
  checkBlocks(data, AES_BLOCK_BYTES, 'AES data');
  return run(name, key, iv, data, direction);
}
