import { describe, expect, it } from 'vitest';
import { formatExpiry, isExpired, parseExpiry } from '../../src/card/expiry.js';
import { thrown } from '../pos-error.js';

describe('expiry (ISO/IEC 7813 YYMM)', () => {
  it.each([
    ['3012', 2030, 12],
    ['0001', 2000, 1],
    ['9912', 2099, 12],
    ['2502', 2025, 2],
  ])('%s → year %i month %i, and back', (yymm, year, month) => {
    expect(parseExpiry(yymm)).toEqual({ year, month });
    expect(formatExpiry({ year, month })).toBe(yymm);
  });

  it.each([
    ['month 00', '3000', { rule: 'month', month: 0 }],
    ['month 13', '3013', { rule: 'month', month: 13 }],
    ['three digits', '301', { rule: 'digits', length: 3 }],
    ['a letter', '30A2', { rule: 'digits', length: 4 }],
  ])('CARD_EXPIRY_INVALID: %s', (_name, yymm, details) => {
    const err = thrown(() => parseExpiry(yymm));
    expect(err.code).toBe('CARD_EXPIRY_INVALID');
    expect(err.details).toEqual(details);
  });

  // Local-time dates: the rule is read in the terminal's calendar, whatever the TZ.
  it.each([
    ['the first day of the expiry month', new Date(2030, 11, 1, 0, 0, 0), false],
    ['the last moment of the expiry month', new Date(2030, 11, 31, 23, 59, 59, 999), false],
    ['the first moment of the next month (across a year)', new Date(2031, 0, 1, 0, 0, 0), true],
    ['a month before', new Date(2030, 10, 30), false],
    ['a later year, earlier month', new Date(2031, 5, 1), true],
  ])('card 3012 on %s: expired = %s', (_name, now, expired) => {
    expect(isExpired({ year: 2030, month: 12 }, now)).toBe(expired);
  });

  it('a February card is valid through the 29th in a leap year and expired on 1 March', () => {
    const feb = parseExpiry('2802');
    expect(isExpired(feb, new Date(2028, 1, 29, 23, 59))).toBe(false);
    expect(isExpired(feb, new Date(2028, 2, 1, 0, 0))).toBe(true);
  });
});
