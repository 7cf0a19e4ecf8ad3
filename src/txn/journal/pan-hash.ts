/**
 * The keyed hash that lets the journal match a card (a refund to its
 * purchase, a repeat customer's reversal) without holding its PAN:
 * HMAC-SHA-256 over the PAN digits under a device key. Without the key the
 * hash cannot be brute-forced over the small space of valid PANs, which a
 * plain hash could.
 */
import { createHmac } from 'node:crypto';
import { PosError } from '../../util/errors.js';
import type { Sensitive } from '../../util/sensitive.js';

/** A 128-bit key is the least we accept; 256 bits is what `install.sh` makes. */
export const MIN_PAN_HASH_KEY_BYTES = 16;

export class PanHasher {
  readonly #key: Buffer;

  /** Copies the key, so the caller may wipe its own; `wipe()` zeroes the copy. */
  constructor(key: Sensitive) {
    if (key.length < MIN_PAN_HASH_KEY_BYTES) {
      throw new PosError('KEY_FILE_INVALID', `The PAN hash key must be at least ${MIN_PAN_HASH_KEY_BYTES} bytes`, {
        lengthBytes: key.length,
        minBytes: MIN_PAN_HASH_KEY_BYTES,
      });
    }
    this.#key = Buffer.from(key.reveal());
  }

  /** Hex of HMAC-SHA-256(key, PAN digits). Reads the PAN bytes in place: no string copy of the PAN is made. */
  hash(pan: Sensitive): string {
    return createHmac('sha256', this.#key).update(pan.reveal()).digest('hex');
  }

  wipe(): void {
    this.#key.fill(0);
  }
}
