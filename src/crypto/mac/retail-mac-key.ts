/**
 * ISO/IEC 9797-1 MAC algorithm 3 (the ANSI X9.19 retail MAC) under a key
 * that MACs many messages — a host's terminal MAC key — with its two
 * node:crypto cipher objects made once instead of per message. Same result as
 * `macIso9797Alg3` in `iso9797.ts`, byte for byte.
 *
 * The head (single-DES CBC under K over every block but the last) runs on one
 * long-lived CBC cipher. OpenSSL carries a CBC cipher's chaining value from
 * one update() to the next, so a new message would be chained onto the last
 * one. We know that value — it is the last ciphertext block we were given —
 * so the first block of each message goes in XORed with it, which cancels it:
 * E_K(chain ⊕ (m1 ⊕ chain)) = E_K(m1), exactly what a fresh zero-IV CBC gives.
 * The last block then goes through TDES-ECB under K‖K' (E_K ∘ D_K' ∘ E_K).
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { wipe } from '../../util/bytes.js';
import { checkKeyLength } from '../check.js';
import { DES_BLOCK_BYTES } from '../cipher/des.js';
import { TdesEcbKey } from '../cipher/tdes-key.js';
import { verifyMac } from './iso9797.js';
import { paddedLength, type PaddingMethod } from './padding.js';

export class RetailMacKey {
  /** Single-DES CBC under K (two-key TDES with K‖K); its chaining value lives on between calls. */
  readonly #head: Cipher;
  /** The head cipher's chaining value now: the last ciphertext block it produced. */
  readonly #chain = Buffer.alloc(DES_BLOCK_BYTES);
  readonly #last: TdesEcbKey;

  constructor(key: Uint8Array) {
    checkKeyLength(key, [16], 'retail MAC key');
    const doubled = Buffer.concat([key.subarray(0, 8), key.subarray(0, 8)]);
    try {
      this.#head = createCipheriv('des-ede-cbc', doubled, this.#chain);
    } finally {
      wipe(doubled);
    }
    this.#last = new TdesEcbKey(key);
  }

  /** The full 8-byte MAC of `data` (the caller truncates); padding method 1 (X9.19) unless told. */
  mac(data: Uint8Array, padding: PaddingMethod = 1): Buffer {
    // Every byte of the head is message data: padding only ever reaches into the last block.
    const headBytes = paddedLength(data.length, padding, DES_BLOCK_BYTES) - DES_BLOCK_BYTES;
    const last = Buffer.alloc(DES_BLOCK_BYTES);
    last.set(data.subarray(headBytes));
    if (padding === 2) last[data.length - headBytes] = 0x80;
    if (headBytes > 0) this.#runHead(data.subarray(0, headBytes));
    for (let i = 0; i < DES_BLOCK_BYTES; i++) last[i] = (last[i] as number) ^ (headBytes > 0 ? (this.#chain[i] as number) : 0);
    try {
      return this.#last.encrypt(last);
    } finally {
      wipe(last);
    }
  }

  /** Constant-time check of a full or truncated (4–8 byte) MAC. */
  verify(data: Uint8Array, mac: Uint8Array, padding: PaddingMethod = 1): boolean {
    const expected = this.mac(data, padding);
    try {
      return verifyMac(expected, mac);
    } finally {
      wipe(expected);
    }
  }

  /**
   * CBC over whole blocks from a zero IV; leaves the last ciphertext block in
   * #chain. One update() over a copy with the first block whitened: copying a
   * few hundred bytes costs far less than a second call into OpenSSL.
   */
  #runHead(head: Uint8Array): void {
    const input = Buffer.from(head);
    for (let i = 0; i < DES_BLOCK_BYTES; i++) input[i] = (input[i] as number) ^ (this.#chain[i] as number);
    const out = this.#head.update(input);
    out.copy(this.#chain, 0, out.length - DES_BLOCK_BYTES);
    wipe(input, out);
  }
}
