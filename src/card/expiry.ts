/**
 * Expiration date as ISO/IEC 7813 puts it on tracks 1 and 2: four digits YYMM.
 * The card is valid through the last day of that month. Parsing has no clock;
 * `isExpired` takes the time from its caller (the engine's injected clock).
 */
import { PosError } from '../util/errors.js';
import type { Expiry } from './types.js';

/** Track data carries a two-digit year; cards issued today expire in 20YY. */
const CENTURY = 2000;

/** `YYMM` → `{ year: 20YY, month }`; throws `CARD_EXPIRY_INVALID` (details: rule) on anything else. */
export function parseExpiry(yymm: string): Expiry {
  if (!/^[0-9]{4}$/.test(yymm)) {
    throw new PosError('CARD_EXPIRY_INVALID', 'Expiry must be four digits YYMM', { rule: 'digits', length: yymm.length });
  }
  const month = Number(yymm.slice(2, 4));
  if (month < 1 || month > 12) {
    throw new PosError('CARD_EXPIRY_INVALID', `Expiry month must be 01 to 12 (got ${month})`, { rule: 'month', month });
  }
  return { year: CENTURY + Number(yymm.slice(0, 2)), month };
}

/** `{ year, month }` → `YYMM`, as the track and ISO 8583 DE 14 carry it. */
export function formatExpiry(expiry: Expiry): string {
  return `${String(expiry.year % 100).padStart(2, '0')}${String(expiry.month).padStart(2, '0')}`;
}

/**
 * True once `now` is past the last day of the expiry month, read in the
 * terminal's local calendar (the date a cardholder sees on the receipt).
 */
export function isExpired(expiry: Expiry, now: Date): boolean {
  const year = now.getFullYear();
  const month = now.getMonth() + 1;
  return year > expiry.year || (year === expiry.year && month > expiry.month);
}

export function sameExpiry(a: Expiry, b: Expiry): boolean {
  return a.year === b.year && a.month === b.month;
}
