/**
 * ISO 8583:1987 §4.1 character sets of the data element formats, checked one
 * character at a time so an error can name the exact offset.
 */
import type { FieldFormat } from './types.js';

const DIGIT_0 = 0x30; // '0'
const DIGIT_9 = 0x39; // '9'
const SPACE = 0x20; // ' ', the lowest printable ASCII character
const TILDE = 0x7e; // '~', the highest printable ASCII character
const EQUALS = 0x3d; // '=', track 2 field separator
const LETTER_C = 0x43; // 'C', credit sign of an x+n amount
const LETTER_D = 0x44; // 'D', debit sign of an x+n amount; also the BCD form of '=' in track 2

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a); // A–Z, a–z
}

export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66); // 0–9, A–F, a–f
}

/** Whether character code `c` at `index` within the field is allowed by `format` (text formats only). */
export function allowedChar(format: Exclude<FieldFormat, 'b'>, c: number, index: number): boolean {
  switch (format) {
    case 'n':
      return isDigit(c);
    case 'an':
      return isDigit(c) || isLetter(c) || c === SPACE;
    case 'ans':
      return c >= SPACE && c <= TILDE;
    case 'z':
      return isDigit(c) || c === EQUALS || c === LETTER_D;
    case 'xn':
      return index === 0 ? c === LETTER_C || c === LETTER_D : isDigit(c);
  }
}

/** Index of the first character of `text` that `format` does not allow, or -1. */
export function firstBadChar(format: Exclude<FieldFormat, 'b'>, text: string): number {
  for (let i = 0; i < text.length; i++) if (!allowedChar(format, text.charCodeAt(i), i)) return i;
  return -1;
}

/** Index of the first non-decimal character of `text`, or -1. */
export function firstNonDigit(text: string): number {
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return i;
  return -1;
}

/** Per-byte allowance tables for the formats whose rule does not depend on position. */
const BYTE_TABLES: Readonly<Record<'n' | 'an' | 'ans' | 'z', Uint8Array>> = (() => {
  const make = (format: 'n' | 'an' | 'ans' | 'z'): Uint8Array => {
    const t = new Uint8Array(256);
    for (let c = 0; c < 256; c++) t[c] = allowedChar(format, c, 1) ? 1 : 0;
    return t;
  };
  return { n: make('n'), an: make('an'), ans: make('ans'), z: make('z') };
})();

/** Index (from `start`) of the first byte of `bytes[start, end)` that `format` does not allow as an ASCII character, or -1. */
export function firstBadByte(format: Exclude<FieldFormat, 'b'>, bytes: Uint8Array, start: number, end: number): number {
  if (format === 'xn') {
    for (let i = start; i < end; i++) if (!allowedChar('xn', bytes[i] ?? 0, i - start)) return i - start;
    return -1;
  }
  const table = BYTE_TABLES[format];
  for (let i = start; i < end; i++) if (table[bytes[i] ?? 0] !== 1) return i - start;
  return -1;
}
