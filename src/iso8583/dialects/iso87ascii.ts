/**
 * ISO 8583:1987, ASCII layout: the data element directory of ISO 8583:1987
 * §4.3 (Table 1) as data, laid out the way most ASCII hosts (and
 * moov-io/iso8583's spec87ascii) carry it:
 *
 *   [MTI 4 ASCII digits][primary bitmap 16 hex chars][secondary bitmap 16 hex chars, when bit 1][fields…]
 *
 * - numeric and text fields are ASCII characters; LLVAR / LLLVAR prefixes are
 *   two / three ASCII digits counting the field's characters;
 * - binary fields (52 PIN data, 55 ICC data, 64/128 MAC, 65, 96) travel as
 *   uppercase hex text, two characters a byte, and their length prefix counts
 *   bytes. An ASCII layout has no other way to carry arbitrary bytes, and hex
 *   keeps the message printable for hosts that log it.
 *
 * Choices where the 1987 table and practice differ, each for the data real
 * terminals send:
 * - 34 (`ns`) is `ans`; 36 (track 3, `n` in the table) is `z`, since track
 *   data carries separators; 45 (track 1, `an`) is `ans` for its `^` and `/`.
 * - 53 (`n 16` in 1987) is `b ..48` LLVAR, as the 1993 edition sizes
 *   "security related control information": it carries the DUKPT KSN
 *   (10 bytes for TDES, 12 for AES) and a host's key-set data. A deviation
 *   from 1987 made in all three shipped dialects.
 * - 55 (reserved in 1987, ICC data since 1993) is `b ...255`.
 * - 65 (`b 1` in 1987) is carried as an opaque byte; tertiary bitmaps are a
 *   later dialect's business.
 * - 28–31 and 97 (`x+n`) count the C/D sign in their length.
 */
import type { Dialect } from '../types.js';

export const iso87ascii = {
  name: 'iso87ascii',
  mtiEncoding: 'ascii',
  bitmapEncoding: 'hex',
  fields: {
    2: { length: 19, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Primary account number (PAN)', sensitive: true },
    3: { length: 6, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Processing code' },
    4: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Amount, transaction' },
    5: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Amount, settlement' },
    6: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Amount, cardholder billing' },
    7: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Transmission date and time (MMDDhhmmss, UTC)' },
    8: { length: 8, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Amount, cardholder billing fee' },
    9: { length: 8, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Conversion rate, settlement' },
    10: { length: 8, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Conversion rate, cardholder billing' },
    11: { length: 6, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Systems trace audit number (STAN)' },
    12: { length: 6, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Time, local transaction (hhmmss)' },
    13: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, local transaction (MMDD)' },
    14: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, expiration (YYMM)' },
    15: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, settlement (MMDD)' },
    16: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, conversion (MMDD)' },
    17: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, capture (MMDD)' },
    18: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Merchant type' },
    19: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Acquiring institution country code' },
    20: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'PAN extended, country code' },
    21: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Forwarding institution country code' },
    22: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Point of service entry mode' },
    23: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Card sequence number' },
    24: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Network international identifier' },
    25: { length: 2, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Point of service condition code' },
    26: { length: 2, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Point of service PIN capture code' },
    27: { length: 1, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Authorization identification response length' },
    28: { length: 9, lengthType: 'fixed', format: 'xn', encoding: 'ascii', description: 'Amount, transaction fee' },
    29: { length: 9, lengthType: 'fixed', format: 'xn', encoding: 'ascii', description: 'Amount, settlement fee' },
    30: { length: 9, lengthType: 'fixed', format: 'xn', encoding: 'ascii', description: 'Amount, transaction processing fee' },
    31: { length: 9, lengthType: 'fixed', format: 'xn', encoding: 'ascii', description: 'Amount, settlement processing fee' },
    32: { length: 11, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Acquiring institution identification code' },
    33: { length: 11, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Forwarding institution identification code' },
    34: { length: 28, lengthType: 'llvar', format: 'ans', encoding: 'ascii', description: 'Primary account number, extended', sensitive: true },
    35: { length: 37, lengthType: 'llvar', format: 'z', encoding: 'ascii', description: 'Track 2 data', sensitive: true },
    36: { length: 104, lengthType: 'lllvar', format: 'z', encoding: 'ascii', description: 'Track 3 data', sensitive: true },
    37: { length: 12, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Retrieval reference number' },
    38: { length: 6, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Authorization identification response' },
    39: { length: 2, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Response code' },
    40: { length: 3, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Service restriction code' },
    41: { length: 8, lengthType: 'fixed', format: 'ans', encoding: 'ascii', description: 'Card acceptor terminal identification' },
    42: { length: 15, lengthType: 'fixed', format: 'ans', encoding: 'ascii', description: 'Card acceptor identification code' },
    43: { length: 40, lengthType: 'fixed', format: 'ans', encoding: 'ascii', description: 'Card acceptor name/location' },
    44: { length: 25, lengthType: 'llvar', format: 'an', encoding: 'ascii', description: 'Additional response data' },
    45: { length: 76, lengthType: 'llvar', format: 'ans', encoding: 'ascii', description: 'Track 1 data', sensitive: true },
    46: { length: 999, lengthType: 'lllvar', format: 'an', encoding: 'ascii', description: 'Additional data (ISO)' },
    47: { length: 999, lengthType: 'lllvar', format: 'an', encoding: 'ascii', description: 'Additional data (national)' },
    48: { length: 999, lengthType: 'lllvar', format: 'an', encoding: 'ascii', description: 'Additional data (private)' },
    49: { length: 3, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Currency code, transaction' },
    50: { length: 3, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Currency code, settlement' },
    51: { length: 3, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Currency code, cardholder billing' },
    52: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'Personal identification number (PIN) data', sensitive: true },
    53: { length: 48, lengthType: 'llvar', format: 'b', encoding: 'ascii', description: 'Security related control information (DUKPT KSN)' },
    54: { length: 120, lengthType: 'lllvar', format: 'an', encoding: 'ascii', description: 'Additional amounts' },
    55: { length: 255, lengthType: 'lllvar', format: 'b', encoding: 'ascii', description: 'ICC data (EMV TLV)', sensitive: true },
    56: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    57: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    58: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    59: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    60: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    61: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    62: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    63: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    64: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'Message authentication code (MAC)' },
    65: { length: 1, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'Bitmap, extended (tertiary bitmap indicator)' },
    66: { length: 1, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Settlement code' },
    67: { length: 2, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Extended payment code' },
    68: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Receiving institution country code' },
    69: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Settlement institution country code' },
    70: { length: 3, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Network management information code' },
    71: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Message number' },
    72: { length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Message number, last' },
    73: { length: 6, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Date, action (YYMMDD)' },
    74: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, number' },
    75: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, reversal number' },
    76: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, number' },
    77: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, reversal number' },
    78: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Transfer, number' },
    79: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Transfer, reversal number' },
    80: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Inquiries, number' },
    81: { length: 10, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Authorizations, number' },
    82: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, processing fee amount' },
    83: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, transaction fee amount' },
    84: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, processing fee amount' },
    85: { length: 12, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, transaction fee amount' },
    86: { length: 16, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, amount' },
    87: { length: 16, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Credits, reversal amount' },
    88: { length: 16, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, amount' },
    89: { length: 16, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Debits, reversal amount' },
    90: { length: 42, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Original data elements' },
    91: { length: 1, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'File update code' },
    92: { length: 2, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'File security code' },
    93: { length: 5, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Response indicator' },
    94: { length: 7, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Service indicator' },
    95: { length: 42, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Replacement amounts' },
    96: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'Message security code' },
    97: { length: 17, lengthType: 'fixed', format: 'xn', encoding: 'ascii', description: 'Amount, net settlement' },
    98: { length: 25, lengthType: 'fixed', format: 'ans', encoding: 'ascii', description: 'Payee' },
    99: { length: 11, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Settlement institution identification code' },
    100: { length: 11, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Receiving institution identification code' },
    101: { length: 17, lengthType: 'llvar', format: 'ans', encoding: 'ascii', description: 'File name' },
    102: { length: 28, lengthType: 'llvar', format: 'ans', encoding: 'ascii', description: 'Account identification 1' },
    103: { length: 28, lengthType: 'llvar', format: 'ans', encoding: 'ascii', description: 'Account identification 2' },
    104: { length: 100, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Transaction description' },
    105: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    106: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    107: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    108: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    109: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    110: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    111: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (ISO)' },
    112: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    113: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    114: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    115: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    116: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    117: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    118: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    119: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (national)' },
    120: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    121: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    122: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    123: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    124: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    125: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    126: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    127: { length: 999, lengthType: 'lllvar', format: 'ans', encoding: 'ascii', description: 'Reserved (private)' },
    128: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'Message authentication code (MAC)' },
  },
} as const satisfies Dialect;
