/**
 * What a card inspection (`card-inspection.ts`, `pos diag card`) reports,
 * and how each part is read from the kernel's data store in the Books' own
 * words:
 *
 *   AIP (82)         Book 3 Annex C1, bit by bit (`interpret/bit-fields.ts`)
 *   AFL (94)         Book 3 §10.2: SFI, first and last record, records for ODA
 *   CVM List (8E)    Book 3 §10.5 and Annex C3: amounts X and Y in the
 *                    application currency (9F42), each CV Rule as a sentence
 *                    (`interpret/cvm.ts` names methods and conditions)
 *   ODA              Book 2 / Book 3 §10.3: the method, whether it verified,
 *                    the CA public key it needs (RID of the AID, index 8F)
 *   card             the PAN (5A) masked to its first six and last four
 *                    digits, the expiry date (5F24) — nothing else of the
 *                    cardholder's: no Track 2 Equivalent Data, no name, no
 *                    certificate (an ICC certificate holds the PAN)
 *
 * Everything here is JSON-safe and holds no card data beyond the masked PAN
 * and the expiry.
 */
import { Sensitive } from '../../util/sensitive.js';
import { currencyByNumeric } from '../iso-codes.js';
import { AIP, setBits } from '../interpret/bit-fields.js';
import { parseCvmList } from '../interpret/cvm.js';
import { bcdDigits, parseAfl, parseDate } from '../interpret/values.js';
import type { OdaFailureReason, OdaMethod, OdaResult } from './oda/index.js';
import type { TransactionData } from './transaction-data.js';

/** Where an application stands after selection, as the terminal found it. */
export type ApplicationStatus =
  /** Final SELECT and GET PROCESSING OPTIONS succeeded: the rest of the report is this application's. */
  | 'selected'
  /** Both the card and the terminal support it; not tried (a higher priority one was selected). */
  | 'candidate'
  /** SELECT answered 62 83 (application blocked, Book 1 §12.3). */
  | 'blocked'
  /** Final SELECT answered another status word, or an FCI that is not this application's. */
  | 'select-failed'
  /** GET PROCESSING OPTIONS answered 69 85: the card refuses it here (Book 3 §10.1). */
  | 'gpo-refused'
  /** In the card's PSE directory, but the terminal's AID list has no entry for it. */
  | 'not-supported';

export interface InspectedApplication {
  /** The card's DF name (ADF name), hex. */
  readonly aid: string;
  /** 50, printable characters only. */
  readonly label?: string;
  /** 9F12, when the terminal supports the card's code table (9F11). */
  readonly preferredName?: string;
  /** 87 b4–b1: 1 highest … 15 lowest. */
  readonly priority?: number;
  /** 87 b8. */
  readonly confirmationRequired: boolean;
  /** The terminal's AID list entry it matched, hex. */
  readonly terminalAid?: string;
  readonly status: ApplicationStatus;
  /** The status word behind `blocked` and `select-failed`. */
  readonly sw?: string;
}

export interface AipReport {
  readonly hex: string;
  /** The bits set, as Book 3 Annex C1 names them. */
  readonly bits: readonly string[];
}

export interface AflEntryReport {
  readonly sfi: number;
  readonly firstRecord: number;
  readonly lastRecord: number;
  /** Records from the first that take part in offline data authentication. */
  readonly odaRecords: number;
}

export interface AflReport {
  readonly hex: string;
  readonly entries: readonly AflEntryReport[];
}

export interface CvRuleReport {
  /** The CVM code byte (b7 "apply succeeding rule", b6–b1 the method) and the condition code, hex. */
  readonly code: string;
  readonly condition: string;
  /** The rule in words: method, condition; what a failure leads to. */
  readonly text: string;
}

export interface CurrencyReport {
  /** ISO 4217 numeric, 3 digits. */
  readonly numeric: string;
  readonly alpha?: string;
  readonly exponent?: number;
}

export type CvmListReport =
  | {
      readonly valid: true;
      /** Amounts X and Y, minor units of the application currency. */
      readonly amountX: number;
      readonly amountY: number;
      /** 9F42, when the card gives it (X and Y apply only in that currency). */
      readonly currency?: CurrencyReport;
      readonly rules: readonly CvRuleReport[];
    }
  | {
      /** Not 8 bytes of amounts followed by whole 2-byte rules: a transaction would terminate. */
      readonly valid: false;
      readonly lengthBytes: number;
    };

export type OdaStatus =
  /** SDA or DDA: every Book 2 check passed. */
  | 'verified'
  | 'failed'
  /** CDA: the issuer and ICC certificates verified and the ICC public key recovered; the signature comes with GENERATE AC, in a transaction. */
  | 'icc-key-recovered'
  /** No method both the card and the terminal support. */
  | 'not-performed';

export interface OdaReport {
  readonly method: OdaMethod;
  readonly status: OdaStatus;
  readonly failure?: OdaFailureReason;
  /** What `status` and `failure` mean, in words. */
  readonly text: string;
  /** The CA public key the card's certificates need: RID of the AID, index 8F (hex), and whether the terminal has it (and it has not expired). */
  readonly caKey?: { readonly rid: string; readonly index: string; readonly found: boolean };
}

export interface CardIdentity {
  /** First six and last four digits; the rest `*`. */
  readonly maskedPan?: string;
  /** 5F24 as YYYY-MM-DD. */
  readonly expiry?: string;
}

/** Book 2's steps and Book 3 §10.3's rules, as a technician reads a failure. */
export const ODA_FAILURE_TEXT: Readonly<Record<OdaFailureReason, string>> = {
  'capk-missing': 'the terminal has no CA public key for the card (RID and index below), or it has expired',
  'data-missing': 'a data object the method needs is missing from the card (8F, 90, 9F32, 92, 93, 9F46, 9F47, 9F48)',
  'record-format': 'a record for offline data authentication is not a 70 template, or 9F4A lists more than 82',
  length: 'a certificate or signature is not as long as its signer’s key',
  recovery: 'a certificate or signature cannot be recovered with its signer’s key',
  trailer: 'a recovered certificate or signature does not end with BC',
  header: 'a recovered certificate or signature does not start with 6A',
  format: 'a recovered certificate or signature has the wrong format byte',
  'hash-algorithm': 'a certificate or signature names a hash algorithm other than SHA-1',
  hash: 'a certificate’s or signature’s hash does not match its data',
  'issuer-identifier': 'the issuer certificate’s issuer identifier is not the start of the PAN',
  pan: 'the ICC certificate is for another PAN',
  expired: 'a certificate has expired',
  revoked: 'the issuer certificate is on the terminal’s revocation list',
  'public-key-algorithm': 'a certificate names a public key algorithm other than RSA',
  'key-length': 'a certified key has an impossible length',
  remainder: 'a public key remainder (92, 9F48) is not as long as the certificate says',
  exponent: 'a public key exponent (9F32, 9F47) is not 3 or 65537, or not the length the certificate says',
  ddol: 'no usable DDOL (the card’s 9F49 or the terminal’s default): absent, malformed, or without 9F37',
  'dynamic-data': 'the signed dynamic data is malformed',
  cid: 'the signed dynamic data names another cryptogram type',
  'transaction-data-hash': 'the transaction data hash does not match',
};

const hexOf = (value: Uint8Array): string => Buffer.from(value).toString('hex').toUpperCase();
const RID_BYTES = 5;

export function aipReport(aip: Uint8Array): AipReport {
  return { hex: hexOf(aip), bits: setBits(AIP, aip) };
}

export function aflReport(afl: Uint8Array): AflReport {
  const entries = parseAfl(afl) ?? [];
  return { hex: hexOf(afl), entries: entries.map((e) => ({ sfi: e.sfi, firstRecord: e.firstRecord, lastRecord: e.lastRecord, odaRecords: e.offlineAuthRecords })) };
}

/** 8E with 9F42 for the amounts' currency. */
export function cvmListReport(list: Uint8Array, applicationCurrency: Uint8Array | undefined): CvmListReport {
  const parsed = parseCvmList(list);
  if (parsed === undefined) return { valid: false, lengthBytes: list.length };
  const currency = applicationCurrency === undefined ? undefined : currencyReport(applicationCurrency);
  const codes = list.subarray(8);
  return {
    valid: true,
    amountX: parsed.amountX,
    amountY: parsed.amountY,
    ...(currency === undefined ? {} : { currency }),
    rules: parsed.rules.map((rule, i) => ({
      code: hexOf(codes.subarray(2 * i, 2 * i + 1)),
      condition: hexOf(codes.subarray(2 * i + 1, 2 * i + 2)),
      text: `${rule.method}, ${lowerFirst(rule.condition)}; ${rule.ifUnsuccessful} if unsuccessful`,
    })),
  };
}

/** n 3 in 2 bytes (Book 3 Annex A). */
function currencyReport(value: Uint8Array): CurrencyReport | undefined {
  const digits = value.length === 2 ? bcdDigits(value) : undefined;
  if (digits === undefined) return undefined;
  const numeric = digits.slice(1);
  const info = currencyByNumeric(Number(numeric));
  return { numeric, ...(info === undefined ? {} : { alpha: info.alpha, exponent: info.exponent }) };
}

/** An amount of minor units as the currency writes it ("12.34 EUR"), or as minor units when the currency is unknown. */
export function formatAmount(minor: number, currency: CurrencyReport | undefined): string {
  if (currency?.exponent === undefined) return `${minor} minor units${currency === undefined ? '' : ` (currency ${currency.numeric})`}`;
  const { exponent } = currency;
  const text = exponent === 0 ? String(minor) : `${Math.floor(minor / 10 ** exponent)}.${String(minor % 10 ** exponent).padStart(exponent, '0')}`;
  return `${text} ${currency.alpha ?? currency.numeric}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The ODA outcome. `terminalAid` is the AID whose RID names the CA key, as
 * the ODA step looks it up; `hasCapk` says whether the terminal has that key
 * (valid today).
 */
export function odaReport(oda: OdaResult, data: TransactionData, terminalAid: Buffer, hasCapk: (rid: Buffer, index: number) => boolean): OdaReport {
  const index = data.sourceOf('8F') === 'card' ? data.get('8F') : undefined;
  const rid = terminalAid.subarray(0, RID_BYTES);
  const caKey = oda.method === 'none' || index?.length !== 1 ? undefined : { rid: hexOf(rid), index: hexOf(index), found: hasCapk(rid, index[0] as number) };
  const base = { method: oda.method, ...(caKey === undefined ? {} : { caKey }) };
  if (oda.method === 'none') return { ...base, status: 'not-performed', text: 'the card and the terminal support no common method (AIP against 9F33)' };
  const name = oda.method.toUpperCase();
  if (oda.failure !== undefined) return { ...base, status: 'failed', failure: oda.failure, text: `${name} failed: ${ODA_FAILURE_TEXT[oda.failure]}` };
  if (oda.method === 'cda') {
    return { ...base, status: 'icc-key-recovered', text: 'CDA: issuer and ICC certificates verified, ICC public key recovered; the CDA signature is checked only in a transaction (it comes with GENERATE AC)' };
  }
  return { ...base, status: 'verified', text: `${name} verified` };
}

/** The masked PAN and the expiry date, from 5A and 5F24. */
export function cardIdentity(data: TransactionData): CardIdentity {
  const pan = data.sourceOf('5A') === 'card' ? data.get('5A') : undefined;
  const expiryValue = data.sourceOf('5F24') === 'card' ? data.get('5F24') : undefined;
  const maskedPan = pan === undefined ? undefined : maskedPanOf(pan);
  const expiry = expiryValue === undefined ? undefined : parseDate(expiryValue)?.date;
  return { ...(maskedPan === undefined ? {} : { maskedPan }), ...(expiry === undefined ? {} : { expiry }) };
}

const ZERO = 0x30; // '0'
const PAD_NIBBLE = 0x0f;

/**
 * 5A (cn: digits, F padding) masked. The digits become ASCII bytes in a
 * buffer zeroed before returning, never a JS string; only the masked form
 * does. Undefined when the value is not cn.
 */
export function maskedPanOf(cn: Uint8Array): string | undefined {
  const ascii = Buffer.alloc(cn.length * 2);
  try {
    let length = 0;
    let padding = false;
    for (const byte of cn) {
      for (const nibble of [byte >> 4, byte & 0x0f]) {
        if (nibble === PAD_NIBBLE) padding = true;
        else if (padding || nibble > 9) return undefined;
        else ascii[length++] = ZERO + nibble;
      }
    }
    return length === 0 ? undefined : Sensitive.pan(ascii.subarray(0, length)).masked();
  } finally {
    ascii.fill(0);
  }
}
