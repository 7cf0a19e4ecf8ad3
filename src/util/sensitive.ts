/**
 * `Sensitive` holds card data or key material (PAN, track, PIN block, CVV, key)
 * so that it cannot leak by accident: it prints masked through `toString`,
 * `toJSON`, template strings and `util.inspect`, and `wipe()` zeroes the bytes.
 *
 * The bytes live in a Buffer, not a string, because only a Buffer can be zeroed.
 * `reveal()` hands out a view of those bytes for the one place that needs them
 * (an encoder, a cipher); the caller must not keep it.
 */
import { inspect } from 'node:util';
import { constantTimeEqual } from './bytes.js';
import { PosError } from './errors.js';

export type SensitiveKind = 'pan' | 'track' | 'pin-block' | 'cvv' | 'key' | 'pin' | 'data';

export class Sensitive {
  readonly kind: SensitiveKind;
  readonly #bytes: Buffer;
  readonly #masked: string;
  #wiped = false;

  private constructor(kind: SensitiveKind, bytes: Buffer, masked: string) {
    this.kind = kind;
    this.#bytes = bytes;
    this.#masked = masked;
  }

  /**
   * A PAN from its digits, as text or as their ASCII bytes. A Buffer is taken
   * over (no copy), as `of` does: card paths pass the digits as bytes, so the
   * PAN never becomes a JS string. Masked as first 6 and last 4 (PCI DSS 3.4).
   */
  static pan(digits: string | Buffer): Sensitive {
    const bytes = typeof digits === 'string' ? Buffer.from(digits, 'latin1') : digits;
    return new Sensitive('pan', bytes, maskPanBytes(bytes));
  }

  /**
   * Any other sensitive value. Takes ownership of `bytes` (no copy): wipe the
   * wrapper, not the buffer. Masked as its kind and length only.
   */
  static of(kind: Exclude<SensitiveKind, 'pan'>, bytes: Buffer): Sensitive {
    return new Sensitive(kind, bytes, `[${kind} ${bytes.length}B]`);
  }

  /** ASCII text (track data, PIN digits) held as bytes. */
  static text(kind: Exclude<SensitiveKind, 'pan'>, text: string): Sensitive {
    return Sensitive.of(kind, Buffer.from(text, 'latin1'));
  }

  get length(): number {
    return this.#bytes.length;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** The raw bytes, as a view. Use at once; do not store or log. */
  reveal(): Buffer {
    if (this.#wiped) throw new PosError('SENSITIVE_WIPED', `A ${this.kind} was used after it was wiped`, { kind: this.kind });
    return this.#bytes;
  }

  /**
   * The bytes as text. A JS string cannot be zeroed and outlives every wipe:
   * card data (PAN, tracks) stays in `reveal()`'s bytes up to the encoder.
   */
  revealText(): string {
    return this.reveal().toString('latin1');
  }

  /** Same kind and bytes, compared in constant time; a wiped value equals nothing. */
  equals(other: Sensitive): boolean {
    return !this.#wiped && !other.#wiped && this.kind === other.kind && constantTimeEqual(this.#bytes, other.#bytes);
  }

  /** The masked form, e.g. `411111******1111` or `[key 16B]`. */
  masked(): string {
    return this.#wiped ? `[${this.kind} wiped]` : this.#masked;
  }

  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }

  toString(): string {
    return this.masked();
  }

  toJSON(): string {
    return this.masked();
  }

  [Symbol.toPrimitive](): string {
    return this.masked();
  }

  [inspect.custom](): string {
    return `Sensitive<${this.masked()}>`;
  }
}

/** First six and last four digits kept, the rest `*`; short values are fully masked. */
export function maskPan(digits: string): string {
  if (digits.length < 13) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/** `maskPan` of the digits' ASCII bytes: only the ten digits shown ever become text. */
function maskPanBytes(digits: Buffer): string {
  const n = digits.length;
  if (n < 13) return '*'.repeat(n);
  return `${digits.toString('latin1', 0, 6)}${'*'.repeat(n - 10)}${digits.toString('latin1', n - 4, n)}`;
}
