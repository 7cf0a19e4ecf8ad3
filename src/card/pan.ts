/**
 * Primary account number rules: ISO/IEC 7812-1 (issuer identification number,
 * individual account identification, Luhn check digit) as limited by
 * ISO/IEC 7813 track formats (up to 19 digits); 12 is the shortest PAN card
 * schemes issue. Errors name the length and the rule, never the digits.
 */
import { PosError } from '../util/errors.js';
import { allDigits, type Digits } from './digits.js';
import { luhnValid } from './luhn.js';

export const PAN_MIN_DIGITS = 12;
export const PAN_MAX_DIGITS = 19;

/** Where a PAN came from, for error details. */
export interface PanSource {
  readonly track?: 1 | 2;
}

/**
 * Checks length, digits and Luhn of the digits (text, or ASCII bytes as read
 * from a track); throws `CARD_PAN_INVALID` or `CARD_PAN_LUHN`. Returns
 * nothing: the caller already holds the digits.
 */
export function checkPan(digits: Digits, source: PanSource = {}): void {
  const where = source.track === undefined ? {} : { track: source.track };
  const numeric = allDigits(digits);
  if (!numeric || digits.length < PAN_MIN_DIGITS || digits.length > PAN_MAX_DIGITS) {
    throw new PosError('CARD_PAN_INVALID', `PAN must be ${PAN_MIN_DIGITS} to ${PAN_MAX_DIGITS} digits (got ${digits.length} characters)`, {
      ...where,
      length: digits.length,
      rule: numeric ? 'length' : 'digits',
    });
  }
  if (!luhnValid(digits)) {
    throw new PosError('CARD_PAN_LUHN', 'PAN fails the Luhn check digit', { ...where, length: digits.length });
  }
}
