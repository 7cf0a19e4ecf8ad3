/**
 * Input checks shared by the crypto modules. Every error names the input and
 * its length, never its value: keys, PINs and PANs stay out of messages.
 */
import { PosError } from '../util/errors.js';

/** Throws `CRYPTO_KEY_LENGTH` unless `key` (bytes, or a long-lived key object) has one of the allowed lengths. */
export function checkKeyLength(key: { readonly length: number }, allowed: readonly number[], what: string): void {
  if (!allowed.includes(key.length)) {
    throw new PosError('CRYPTO_KEY_LENGTH', `${what}: ${key.length} bytes, expected ${allowed.join(' or ')}`, {
      what,
      lengthBytes: key.length,
      expected: allowed,
    });
  }
}

/** Throws `CRYPTO_INPUT_LENGTH` unless `data` has one of the allowed lengths. */
export function checkLength(data: Uint8Array, allowed: readonly number[], what: string): void {
  if (!allowed.includes(data.length)) {
    throw new PosError('CRYPTO_INPUT_LENGTH', `${what}: ${data.length} bytes, expected ${allowed.join(' or ')}`, {
      what,
      lengthBytes: data.length,
      expected: allowed,
    });
  }
}

/** Throws `CRYPTO_INPUT_LENGTH` unless `data` is a whole number of `blockBytes` blocks. */
export function checkBlocks(data: Uint8Array, blockBytes: number, what: string): void {
  if (data.length === 0 || data.length % blockBytes !== 0) {
    throw new PosError('CRYPTO_INPUT_LENGTH', `${what}: ${data.length} bytes is not a whole number of ${blockBytes}-byte blocks`, {
      what,
      lengthBytes: data.length,
      blockBytes,
    });
  }
}

export function optionError(what: string, value: string | number, allowed: readonly (string | number)[]): PosError {
  return new PosError('CRYPTO_OPTION_INVALID', `${what}: ${String(value)} is not one of ${allowed.join(', ')}`, {
    what,
    value: String(value),
    allowed: allowed.map(String),
  });
}
