/**
 * Primary account number rules: ISO/IEC 7812-1 (issuer identification number,
 * individual account identification, Luhn check digit) as limited by
 * ISO/IEC 7813 track formats (up to 19 digits); 12 is the shortest PAN card
 * schemes issue. Errors name the length and the rule, never the digits.
 */
import { PosError } from '../util/errors.js';
import { luhnValid } from './luhn.js';

export const PAN_MIN_DIGITS = 12;
export const PAN_MAX_DIGITS = 19;

const DIGITS_RE = /^[0-9]*$/;

/** Where a PAN came from, for error details. */
export interface PanSource {
  readonly track?: 1 | 2;
}

/**
 * Checks length, digits and Luhn; throws `CARD_PAN_INVALID` or `CARD_PAN_LUHN`.
 * Returns nothing: the caller already holds the digits.
 */
export function checkPan(digits: string, source: PanSource = {}): void {
  const where = source.track === undefined ? {} : { track: source.track };
  if (!DIGITS_RE.test(digits) || digits.length < PAN_MIN_DIGITS || digits.length > PAN_MAX_DIGITS) {
    throw new PosError('CARD_PAN_INVALID', `PAN must be ${PAN_MIN_DIGITS} to ${PAN_MAX_DIGITS} digits (got ${digits.length} characters)`, {
      ...where,
      length: digits.length,
      rule: DIGITS_RE.test(digits) ? 'length' : 'digits',
    });
  }
  if (!luhnValid(digits)) {
    throw new PosError('CARD_PAN_LUHN', 'PAN fails the Luhn check digit', { ...where, length: digits.length });
  }
}
