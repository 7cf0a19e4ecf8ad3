/**
 * Card brand from the issuer identification number (ISO/IEC 7812-1 IIN, the
 * leading digits of the PAN), as the card schemes publish their ranges. The
 * table is data: each row is an inclusive range of prefixes of one length;
 * the longest matching prefix wins, so a narrow range (Maestro 6759) beats a
 * broad one.
 */
import { leadingNumber, type Digits } from './digits.js';
import type { CardBrand } from './types.js';

interface IinRange {
  readonly brand: Exclude<CardBrand, 'unknown'>;
  /** Inclusive prefix range, both of the same number of digits. */
  readonly from: string;
  readonly to: string;
}

export const IIN_RANGES: readonly IinRange[] = [
  { brand: 'visa', from: '4', to: '4' },
  { brand: 'mastercard', from: '51', to: '55' },
  { brand: 'mastercard', from: '2221', to: '2720' },
  { brand: 'amex', from: '34', to: '34' },
  { brand: 'amex', from: '37', to: '37' },
  { brand: 'diners', from: '300', to: '305' },
  { brand: 'diners', from: '3095', to: '3095' },
  { brand: 'diners', from: '36', to: '36' },
  { brand: 'diners', from: '38', to: '39' },
  { brand: 'jcb', from: '3528', to: '3589' },
  { brand: 'discover', from: '6011', to: '6011' },
  { brand: 'discover', from: '644', to: '649' },
  { brand: 'discover', from: '65', to: '65' },
  { brand: 'unionpay', from: '62', to: '62' },
  { brand: 'maestro', from: '50', to: '50' },
  { brand: 'maestro', from: '56', to: '58' },
  { brand: 'maestro', from: '639', to: '639' },
  { brand: 'maestro', from: '6304', to: '6304' },
  { brand: 'maestro', from: '67', to: '67' },
];

/** The ranges as numbers, for comparing a PAN's leading digits without making text of them. */
const NUMERIC_RANGES = IIN_RANGES.map((range) => ({ range, length: range.from.length, from: Number(range.from), to: Number(range.to) }));

/**
 * The brand for a PAN's leading digits (text, or ASCII bytes as read from a
 * track); `unknown` when no range matches. Reads only the first digits.
 */
export function brandOf(pan: Digits): CardBrand {
  let best: IinRange | undefined;
  for (const { range, length, from, to } of NUMERIC_RANGES) {
    const prefix = leadingNumber(pan, length);
    if (prefix >= from && prefix <= to && (best === undefined || length > best.from.length)) best = range;
  }
  return best?.brand ?? 'unknown';
}
