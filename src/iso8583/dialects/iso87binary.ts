/**
 * ISO 8583:1987, "binary 87": the iso87ascii data element directory
 * (`iso87ascii.ts`, ISO 8583:1987 §4.3 Table 1 with its documented choices,
 * DE 53 as `b ..48` among them) in the packed layout most POS terminals and
 * their acquirers use (jPOS's ISO87BPackager family):
 *
 *   [MTI 2 bytes BCD][primary bitmap 8 bytes][secondary bitmap 8 bytes, when bit 1][fields…]
 *
 * - `n` fields are packed BCD; a fixed field with an odd digit count has a
 *   leading 0 nibble (DE 22 "051" → 00 51); variable `n` fields (2, 32, 33,
 *   99, 100) are left-aligned with a trailing F nibble (a 19-digit PAN ends in …xF);
 * - `z` track data (35, 36) is BCD with the separator `=` as nibble D,
 *   left-aligned with a trailing F;
 * - `x+n` amounts (28–31, 97) are the sign as one ASCII byte, then BCD digits;
 * - `an` / `ans` fields are ASCII;
 * - `b` fields are raw bytes;
 * - every length prefix is BCD and counts the field's units: digits for
 *   `n` / `z`, characters for text, bytes for `b` (LL in 1 byte, LLL in 2).
 */
import type { Dialect } from '../types.js';
import { deriveFields } from './derive.js';
import { iso87ascii } from './iso87ascii.js';

const bcdLeftAligned = { padding: 'right' } as const;

export const iso87binary = {
  name: 'iso87binary',
  mtiEncoding: 'bcd',
  bitmapEncoding: 'binary',
  fields: deriveFields(
    iso87ascii.fields,
    {
      n: { encoding: 'bcd' },
      z: { encoding: 'bcd' },
      xn: { encoding: 'bcd' },
      an: { encoding: 'ascii', prefixEncoding: 'bcd' },
      ans: { encoding: 'ascii', prefixEncoding: 'bcd' },
      b: { encoding: 'binary', prefixEncoding: 'bcd' },
    },
    { 2: bcdLeftAligned, 32: bcdLeftAligned, 33: bcdLeftAligned, 35: bcdLeftAligned, 36: bcdLeftAligned, 99: bcdLeftAligned, 100: bcdLeftAligned },
  ),
} as const satisfies Dialect;
