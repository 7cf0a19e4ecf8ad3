/**
 * A TDES key used for many operations — a BDK, an issuer master key, the
 * last step of a retail MAC — with its node:crypto cipher objects made once.
 *
 * Setting up an OpenSSL cipher (fetching the algorithm, the key schedule)
 * costs more than enciphering a few blocks, and a host that uses one key for
 * every request pays it on every request when each call makes a cipher.
 * ECB keeps no state between update() calls, so one encipher and one
 * decipher object serve every call; final() is never called, and input is
 * checked to be whole blocks first so OpenSSL never holds a partial block.
 *
 * The key is copied into OpenSSL at construction; the caller keeps (and may
 * wipe) its own buffer. Node offers no way to clear OpenSSL's copy early: it
 * goes when the object is collected, so hold these only for keys that live
 * as long as the process anyway.
 */
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { wipe } from '../../util/bytes.js';
import { checkBlocks, checkKeyLength } from '../check.js';
import { DES_BLOCK_BYTES, tdesEcb, type Direction } from './des.js';

export class TdesEcbKey {
  /** The key's length in bytes: 8 (single DES), 16 or 24. */
  readonly length: number;
  readonly #encipher: Cipher;
  readonly #decipher: Decipher;

  constructor(key: Uint8Array) {
    checkKeyLength(key, [8, 16, 24], 'TDES key');
    this.length = key.length;
    // Single DES as two-key TDES with the key repeated, as in des.ts.
    const material = key.length === 8 ? Buffer.concat([key, key]) : key;
    const algorithm = material.length === 16 ? 'des-ede' : 'des-ede3';
    try {
      this.#encipher = createCipheriv(algorithm, material, null);
      this.#decipher = createDecipheriv(algorithm, material, null);
      this.#decipher.setAutoPadding(false);
    } finally {
      if (material !== key) wipe(material);
    }
  }

  encrypt(data: Uint8Array): Buffer {
    checkBlocks(data, DES_BLOCK_BYTES, 'TDES data');
    return this.#encipher.update(data);
  }

  decrypt(data: Uint8Array): Buffer {
    checkBlocks(data, DES_BLOCK_BYTES, 'TDES data');
    return this.#decipher.update(data);
  }
}

/** A key as bytes (a cipher made for this call) or as a long-lived `TdesEcbKey`. */
export type TdesKeyInput = Uint8Array | TdesEcbKey;

/** TDES-ECB under either form of key. */
export function tdesEcbUnder(key: TdesKeyInput, data: Uint8Array, direction: Direction = 'encrypt'): Buffer {
  if (key instanceof TdesEcbKey) return direction === 'encrypt' ? key.encrypt(data) : key.decrypt(data);
  return tdesEcb(key, data, direction);
}
