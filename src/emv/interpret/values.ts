/**
 * Value formats of EMV 4.4 Book 3 section 4.3 (n, cn, an, ans) and the
 * structured elements that are not bit maps: dates (n 6 YYMMDD, Annex A),
 * amounts (n 12 with the ISO 4217 exponent), AFL entries (section 10.2),
 * Track 2 Equivalent Data (57, after ISO/IEC 7813), Cryptogram Information
 * Data (9F27, Book 3 section 6.5.5.4 Table 15) and Terminal Type (9F35,
 * Book 4 Annex A1).
 */
import { maskPan } from '../../util/sensitive.js';

const TRACK2_SEPARATOR = 'D'; // field separator nibble, '=' on the magnetic stripe

/** The decimal digits of an `n` value, or undefined when a nibble is not 0–9. */
export function bcdDigits(value: Uint8Array): string | undefined {
  let out = '';
  for (const b of value) {
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return undefined;
    out += String.fromCharCode(48 + hi, 48 + lo);
  }
  return out;
}

/** The digits of a `cn` value: trailing F nibbles are padding. */
export function cnDigits(value: Uint8Array): string | undefined {
  const text = Buffer.from(value).toString('hex').toUpperCase();
  const digits = text.replace(/F+$/, '');
  return /^[0-9]*$/.test(digits) ? digits : undefined;
}

/** Printable text of an `an`/`ans` value; other bytes shown as `.`. */
export function printableText(value: Uint8Array): string {
  let out = '';
  for (const b of value) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return out;
}

export interface EmvDate {
  /** ISO 8601 `YYYY-MM-DD`. */
  readonly date: string;
}

/** YYMMDD; years 00–49 are 20xx and 50–99 are 19xx (Book 3 Annex A, note on dates). */
export function parseDate(value: Uint8Array): EmvDate | undefined {
  if (value.length !== 3) return undefined;
  const digits = bcdDigits(value);
  if (digits === undefined) return undefined;
  const yy = Number(digits.slice(0, 2));
  const mm = Number(digits.slice(2, 4));
  const dd = Number(digits.slice(4, 6));
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  if (mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(year, mm)) return undefined;
  return { date: `${year}-${digits.slice(2, 4)}-${digits.slice(4, 6)}` };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export interface EmvAmount {
  /** The amount in minor units, as a decimal string (n 12 can exceed 2^53 only in theory, but stay exact). */
  readonly minorUnits: string;
  /** The amount with its decimal point, e.g. `10.00`; `null` when the currency, and so its exponent, is unknown. */
  readonly amount: string | null;
  readonly exponent: number | null;
}

export function parseAmount(value: Uint8Array, exponent: number | undefined): EmvAmount | undefined {
  const digits = bcdDigits(value);
  if (digits === undefined || digits.length === 0) return undefined;
  const minorUnits = digits.replace(/^0+(?=\d)/, '');
  if (exponent === undefined) return { minorUnits, amount: null, exponent: null };
  const padded = minorUnits.padStart(exponent + 1, '0');
  const amount = exponent === 0 ? padded : `${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
  return { minorUnits, amount, exponent };
}

/** A 2-byte n 3 code (currency or country), or undefined when not BCD. */
export function parseNumericCode(value: Uint8Array): number | undefined {
  if (value.length !== 2) return undefined;
  const digits = bcdDigits(value);
  return digits === undefined ? undefined : Number(digits);
}

export interface AflEntry {
  readonly sfi: number;
  readonly firstRecord: number;
  readonly lastRecord: number;
  /** Records, from the first, that take part in offline data authentication. */
  readonly offlineAuthRecords: number;
}

/** AFL: 4-byte entries, SFI in the five high bits of the first byte (Book 3 section 10.2). */
export function parseAfl(value: Uint8Array): AflEntry[] | undefined {
  if (value.length === 0 || value.length % 4 !== 0) return undefined;
  const out: AflEntry[] = [];
  for (let i = 0; i < value.length; i += 4) {
    out.push({
      sfi: (value[i] as number) >> 3,
      firstRecord: value[i + 1] as number,
      lastRecord: value[i + 2] as number,
      offlineAuthRecords: value[i + 3] as number,
    });
  }
  return out;
}

export interface Track2 {
  readonly pan: string;
  /** YYMM as on the card. */
  readonly expiry: string;
  readonly serviceCode: string;
  /** Length of the discretionary data in digits; its content is never shown. */
  readonly discretionaryDigits: number;
}

/** Track 2 Equivalent Data: PAN, separator D, YYMM, service code, discretionary data, F padding. */
export function parseTrack2(value: Uint8Array, unmasked: boolean): Track2 | undefined {
  const text = Buffer.from(value).toString('hex').toUpperCase().replace(/F$/, ''); // odd digit count: one F pad nibble
  const sep = text.indexOf(TRACK2_SEPARATOR);
  if (sep < 1 || sep > 19) return undefined;
  const pan = text.slice(0, sep);
  const rest = text.slice(sep + 1);
  if (!/^\d+$/.test(pan) || !/^\d{7}/.test(rest)) return undefined;
  return {
    pan: unmasked ? pan : maskPan(pan),
    expiry: rest.slice(0, 4),
    serviceCode: rest.slice(4, 7),
    discretionaryDigits: rest.length - 7,
  };
}

export interface CryptogramInfo {
  readonly type: 'AAC' | 'TC' | 'ARQC' | 'RFU';
  readonly adviceRequired: boolean;
  readonly reason: string;
}

const CID_TYPE_MASK = 0xc0; // b8–b7
const CID_ADVICE_REQUIRED = 0x08; // b4
const CID_REASON_MASK = 0x07; // b3–b1
const CID_TYPES = ['AAC', 'TC', 'ARQC', 'RFU'] as const;
const CID_REASONS = ['No information given', 'Service not allowed', 'PIN Try Limit exceeded', 'Issuer authentication failed'] as const;

export function parseCid(value: Uint8Array): CryptogramInfo | undefined {
  if (value.length !== 1) return undefined;
  const b = value[0] as number;
  const reason = b & CID_REASON_MASK;
  return {
    type: CID_TYPES[(b & CID_TYPE_MASK) >> 6] as CryptogramInfo['type'],
    adviceRequired: (b & CID_ADVICE_REQUIRED) !== 0,
    reason: CID_REASONS[reason] ?? `RFU (${reason})`,
  };
}

export interface TerminalType {
  readonly operatedBy: string;
  readonly environment: string;
}

const OPERATORS: Readonly<Record<string, string>> = { '1': 'Financial institution', '2': 'Merchant', '3': 'Cardholder' };
const ENVIRONMENTS: Readonly<Record<string, string>> = {
  '1': 'Attended, online only',
  '2': 'Attended, offline with online capability',
  '3': 'Attended, offline only',
  '4': 'Unattended, online only',
  '5': 'Unattended, offline with online capability',
  '6': 'Unattended, offline only',
};

export function parseTerminalType(value: Uint8Array): TerminalType | undefined {
  const digits = value.length === 1 ? bcdDigits(value) : undefined;
  if (digits === undefined) return undefined;
  const operatedBy = OPERATORS[digits[0] as string];
  const environment = ENVIRONMENTS[digits[1] as string];
  return operatedBy === undefined || environment === undefined ? undefined : { operatedBy, environment };
}

const TRANSACTION_TYPES: Readonly<Record<string, string>> = {
  '00': 'Goods and services',
  '01': 'Cash',
  '09': 'Goods and services with cashback',
  '20': 'Refund',
  '30': 'Balance inquiry',
  '31': 'Balance inquiry',
};

/** Transaction Type (9C): the first two digits of the ISO 8583:1987 processing code. */
export function transactionTypeName(value: Uint8Array): string | undefined {
  const digits = value.length === 1 ? bcdDigits(value) : undefined;
  return digits === undefined ? undefined : (TRANSACTION_TYPES[digits] ?? `Processing code ${digits}`);
}
