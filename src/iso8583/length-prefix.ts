/**
 * ISO 8583:1987 §4.1 variable-length fields: the length prefix ("LL", "LLL",
 * "LLLL") in front of the content, written in one of four encodings:
 *
 *   ascii   LLVAR "16"      → 31 36          LLLVAR "013" → 30 31 33
 *   ebcdic  LLVAR "16"      → F1 F6          LLLVAR "013" → F0 F1 F3
 *   bcd     LLVAR 16        → 16             LLLVAR 13    → 00 13
 *   binary  LLVAR 16        → 10             LLLVAR 13    → 00 0D
 *
 * The count is in the field's units (characters, digits or bytes).
 */
import { PosError } from '../util/errors.js';
import { bcdBytes, unpackBcd } from './bcd.js';
import { toEbcdic, fromEbcdic } from './ebcdic.js';
import type { LengthType, PrefixEncoding } from './types.js';

/** Digits in the length prefix of each length type. */
export const PREFIX_DIGITS = { fixed: 0, llvar: 2, lllvar: 3, llllvar: 4 } as const satisfies Record<LengthType, number>;

const DIGIT_0 = 0x30; // '0'
const DIGIT_9 = 0x39; // '9'

/** Bytes the prefix of `lengthType` takes in `encoding`. */
export function prefixBytes(lengthType: LengthType, encoding: PrefixEncoding): number {
  const digits = PREFIX_DIGITS[lengthType];
  if (digits === 0) return 0;
  switch (encoding) {
    case 'ascii':
    case 'ebcdic':
      return digits;
    case 'bcd':
      return bcdBytes(digits);
    case 'binary':
      return digits === 2 ? 1 : 2;
  }
}

/** Writes the prefix for `units` at `out[at]`; the caller has checked `units` against the maximum. */
export function writePrefix(units: number, lengthType: LengthType, encoding: PrefixEncoding, out: Buffer, at: number): void {
  const digits = PREFIX_DIGITS[lengthType];
  if (digits === 0) return;
  const text = String(units).padStart(digits, '0');
  switch (encoding) {
    case 'ascii':
      out.write(text, at, 'latin1');
      return;
    case 'ebcdic':
      (toEbcdic(text) as Buffer).copy(out, at);
      return;
    case 'bcd': {
      const padded = digits & 1 ? '0' + text : text;
      for (let i = 0; i < padded.length; i += 2) out[at + i / 2] = ((padded.charCodeAt(i) - DIGIT_0) << 4) | (padded.charCodeAt(i + 1) - DIGIT_0);
      return;
    }
    case 'binary':
      if (digits === 2) out[at] = units;
      else out.writeUInt16BE(units, at);
      return;
  }
}

/**
 * Reads the prefix at `bytes[at]` (the caller has checked it is all there).
 * A non-digit is a typed error at its own offset.
 */
export function readPrefix(field: number, lengthType: LengthType, encoding: PrefixEncoding, bytes: Buffer, at: number): number {
  const digits = PREFIX_DIGITS[lengthType];
  switch (encoding) {
    case 'ascii': {
      let n = 0;
      for (let i = 0; i < digits; i++) {
        const c = bytes[at + i] ?? 0;
        if (c < DIGIT_0 || c > DIGIT_9) throw badPrefix(field, at + i);
        n = n * 10 + (c - DIGIT_0);
      }
      return n;
    }
    case 'ebcdic': {
      const text = fromEbcdic(bytes, at, at + digits);
      if (typeof text === 'number') throw badPrefix(field, at + text);
      const bad = [...text].findIndex((c) => c < '0' || c > '9');
      if (bad >= 0) throw badPrefix(field, at + bad);
      return Number(text);
    }
    case 'bcd': {
      const text = unpackBcd(bytes, at, digits, 'left', false);
      if (typeof text !== 'string') throw badPrefix(field, at + (text.bad >> 1));
      return Number(text);
    }
    case 'binary':
      return digits === 2 ? (bytes[at] ?? 0) : bytes.readUInt16BE(at);
  }
}

function badPrefix(field: number, offset: number): PosError {
  return new PosError('ISO8583_LENGTH_PREFIX_INVALID', `Field ${field}'s length prefix is not decimal digits`, { field, offset });
}
