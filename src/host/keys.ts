/**
 * The terminal's MAC key (TAK): a double-length TDES key shared with the
 * host for the ANSI X9.19 MAC of every message. It arrives as a TR-31 key
 * block (ANSI X9.143, version B) wrapped under a key-encryption key — at
 * provisioning, and in the 0810 answer to a key change (DE 70 = 161).
 *
 * A usable TAK block says: key usage M3 (ISO 9797-1 MAC algorithm 3, i.e.
 * X9.19) or M1 (algorithm 1), algorithm T (TDES), mode of use C (generate
 * and verify), and holds 16 bytes.
 */
import { keyCheckValue } from '../crypto/keys/kcv.js';
import { unwrapTr31, type Tr31UseRequirement } from '../crypto/tr31/key-block.js';
import { wipe } from '../util/bytes.js';
import { PosError } from '../util/errors.js';
import { toHex } from '../util/hex.js';

export const TERMINAL_MAC_KEY_USE = {
  keyUsage: ['M3', 'M1'],
  algorithm: ['T'],
  modeOfUse: ['C'],
} as const satisfies Tr31UseRequirement;

export const TAK_BYTES = 16;

/** The 16-byte TAK from its TR-31 block. `TR31_*` errors for a wrong KEK, a tampered block or the wrong use. */
export function unwrapTerminalMacKey(kek: Uint8Array, keyBlock: string): Buffer {
  const { key } = unwrapTr31(kek, keyBlock, TERMINAL_MAC_KEY_USE);
  if (key.length !== TAK_BYTES) {
    wipe(key);
    throw new PosError('TR31_KEY_INVALID', 'The terminal MAC key must be a double-length TDES key', { keyBits: key.length * 8 });
  }
  return key;
}

/**
 * Holds the current TAK and swaps it on a key change, wiping the old one.
 * `current()` hands out a view: use it at once, do not keep it.
 */
export class TerminalMacKey {
  #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== TAK_BYTES) throw new PosError('TR31_KEY_INVALID', 'The terminal MAC key must be a double-length TDES key', { keyBits: key.length * 8 });
    this.#key = Buffer.from(key);
  }

  static fromKeyBlock(kek: Uint8Array, keyBlock: string): TerminalMacKey {
    const key = unwrapTerminalMacKey(kek, keyBlock);
    try {
      return new TerminalMacKey(key);
    } finally {
      wipe(key);
    }
  }

  current(): Buffer {
    return this.#key;
  }

  /** The key check value (TDES, 3 bytes) as hex, safe to log. */
  kcv(): string {
    return toHex(keyCheckValue(this.#key, 'tdes'));
  }

  /** Installs a key from a key-change block; the old key is wiped only once the new one unwrapped. */
  replaceFromKeyBlock(kek: Uint8Array, keyBlock: string): void {
    const next = unwrapTerminalMacKey(kek, keyBlock);
    wipe(this.#key);
    this.#key = next;
  }

  wipe(): void {
    wipe(this.#key);
  }

  toJSON(): string {
    return `[terminal MAC key, KCV ${this.kcv()}]`;
  }
}
