/**
 * Card digits as the parsers hold them: the ASCII bytes read from a track
 * (so a PAN never becomes a JS string, which cannot be wiped), or text where
 * a caller already has a string (tests, a typed value).
 */

export type Digits = string | Uint8Array;

const ZERO = 0x30; // '0'
const NINE = 0x39; // '9'

/** The character code at `i` (a byte, or a UTF-16 code unit of text). */
export function codeAt(digits: Digits, i: number): number {
  return typeof digits === 'string' ? digits.charCodeAt(i) : (digits[i] as number);
}

export function isDigitCode(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** True when every character is 0–9 (an empty value is all digits). */
export function allDigits(digits: Digits): boolean {
  for (let i = 0; i < digits.length; i++) if (!isDigitCode(codeAt(digits, i))) return false;
  return true;
}

/** The number the first `count` digits spell, or -1 when there are fewer or one is not a digit. */
export function leadingNumber(digits: Digits, count: number): number {
  if (digits.length < count) return -1;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const code = codeAt(digits, i);
    if (!isDigitCode(code)) return -1;
    n = n * 10 + (code - ZERO);
  }
  return n;
}
