/**
 * Packed BCD as ISO 8583 binary layouts carry numeric data: two decimal
 * digits a byte, high nibble first. An odd digit count takes one filler
 * nibble, `0` on the left (`left`) or `F` on the right (`right`):
 *
 *   "12345", left  → 01 23 45
 *   "12345", right → 12 34 5F
 *
 * Track 2 (`z`) data also uses the nibble D for its `=` separator
 * (ISO/IEC 7813 §10, the BCD form of the field separator).
 */
import type { BcdPadding } from './types.js';

const DIGIT_0 = 0x30; // '0'
const EQUALS = 0x3d; // '=', track 2 field separator
const LETTER_D = 0x44; // 'D', the separator as written in some track 2 text
/** The separator nibble in BCD track 2. */
export const SEPARATOR_NIBBLE = 0xd;
/** The right-hand filler nibble. */
export const FILLER_NIBBLE = 0xf;

/** Bytes that `digits` digits take in packed BCD. */
export function bcdBytes(digits: number): number {
  return (digits + 1) >> 1;
}

/**
 * Packs `text` (digits, and `=`/`D` for track 2) into `out` at `at`: a
 * string, or its characters as ASCII bytes (card data held in a Buffer).
 * The caller has checked the characters.
 */
export function packBcd(text: string | Uint8Array, padding: BcdPadding, out: Buffer, at: number): void {
  const n = text.length;
  const shift = n & 1 && padding === 'left' ? 1 : 0;
  const bytes = bcdBytes(n);
  const isText = typeof text === 'string';
  out.fill(0, at, at + bytes);
  for (let i = 0; i < n; i++) {
    const c = isText ? text.charCodeAt(i) : (text[i] as number);
    const nibble = c === EQUALS || c === LETTER_D ? SEPARATOR_NIBBLE : c - DIGIT_0;
    const pos = i + shift;
    const idx = at + (pos >> 1);
    out[idx] = (out[idx] ?? 0) | (pos & 1 ? nibble : nibble << 4);
  }
  if (n & 1 && padding === 'right') {
    const idx = at + bytes - 1;
    out[idx] = (out[idx] ?? 0) | FILLER_NIBBLE;
  }
}

/**
 * Unpacks `digits` digits from `bytes` at `at`. Returns the text, or the
 * index (in digits, counting a left filler) of the first bad nibble: a
 * non-digit (D allowed when `separator`, read as `=`), or a filler that is
 * not 0 (left) or 0/F (right).
 */
export function unpackBcd(bytes: Uint8Array, at: number, digits: number, padding: BcdPadding, separator: boolean): string | { bad: number } {
  const shift = digits & 1 && padding === 'left' ? 1 : 0;
  const total = digits + (digits & 1);
  let text = '';
  for (let pos = 0; pos < total; pos++) {
    const byte = bytes[at + (pos >> 1)] ?? 0;
    const nibble = pos & 1 ? byte & 0x0f : byte >> 4;
    const i = pos - shift;
    if (i < 0 || i >= digits) {
      if (nibble !== 0 && !(i >= digits && nibble === FILLER_NIBBLE)) return { bad: pos };
      continue;
    }
    if (nibble <= 9) text += String.fromCharCode(DIGIT_0 + nibble);
    else if (separator && nibble === SEPARATOR_NIBBLE) text += '=';
    else return { bad: pos };
  }
  return text;
}
