/**
 * The Luhn check digit (ISO/IEC 7812-1, Annex B: "Luhn formula for computing
 * modulus 10 'double-add-double' check digits"). Works on the digit string as
 * given; it does not judge the PAN's length (see `pan.ts`).
 */

import { codeAt, type Digits } from './digits.js';

const ZERO = 0x30; // '0'

/** Sum of the Luhn-weighted digits, or -1 if a character is not a digit. */
function luhnSum(digits: Digits, doubleFirstFromRight: boolean): number {
  let sum = 0;
  let double = doubleFirstFromRight;
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = codeAt(digits, i) - ZERO;
    if (d < 0 || d > 9) return -1;
    if (double) sum += d < 5 ? d * 2 : d * 2 - 9;
    else sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` (text or ASCII bytes, check digit last) passes the Luhn check. Empty or non-digit input is not valid. */
export function luhnValid(digits: Digits): boolean {
  if (digits.length === 0) return false;
  const sum = luhnSum(digits, false);
  return sum >= 0 && sum % 10 === 0;
}

/** The check digit to append to `partial` (which excludes it). Throws `RangeError` on a non-digit: callers pass digits they built. */
export function luhnCheckDigit(partial: string): number {
  const sum = luhnSum(partial, true);
  if (sum < 0) throw new RangeError('luhnCheckDigit: not a digit string');
  return (10 - (sum % 10)) % 10;
}
