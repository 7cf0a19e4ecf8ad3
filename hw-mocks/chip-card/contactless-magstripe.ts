/**
 * Contactless mag-stripe mode: the dynamic CVC3 a Mastercard-style card
 * computes, and the Track 2 Data the reader builds from it (EMV Contactless
 * Book C-2 v2.11, Kernel 2 mag-stripe mode; the mode left Book C-2 with
 * v2.12, Specification Bulletin 317, and cards personalised for it remain).
 * Track 2 only: these cards carry no Track 1 Data (56 is optional, Table 6.4).
 *
 * Card (COMPUTE CRYPTOGRAPHIC CHECKSUM, 80 2A 8E 80 Lc UDOL-data 00 →
 * 77 [9F61 CVC3 (Track2)] [9F36 ATC]), after PayPass mag stripe as
 * pyemv's `generate_cvc3` states it and an HSM checked it:
 *
 *   IVCVC3(Track2) = the 2 rightmost bytes of ISO 9797-1 MAC algorithm 3,
 *                    padding method 2, over Track 2 Data (9F6B) as personalised
 *   CVC3(Track2)   = the 2 rightmost bytes of TDES(KD_CVC3, IVCVC3 ‖ UN ‖ ATC)
 *
 * with UN the Unpredictable Number (Numeric) 9F6A the UDOL (default 9F6A04)
 * carries, and KD_CVC3 the card's CVC3 key: option A (Book 2 A1.4.1) from
 * the CVC3 issuer master key — here the deck card's issuer master key
 * variant IMK ⊕ 3C…3C, as the script key is its ⊕ F0 variant — over the
 * PAN and PSN 00: Track 2 carries no PAN sequence number for the issuer.
 *
 * Reader (Book C-2 S13.18–S13.19, bitmaps per §4.7: bit b1 is the rightmost
 * digit of the discretionary data):
 *   q   = the non-zero bits of PCVC3(Track2) (9F65); the q least significant
 *         decimal digits of the CVC3 go to those positions
 *   t   = NATC(Track2) (9F67); nUN = bits of PUNATC(Track2) (9F66) − t, 0…8 (S7.22)
 *   the nUN least significant UN digits go to the nUN least significant
 *   eligible positions of PUNATC, the t least significant ATC digits to its
 *   t most significant ones, and nUN to the last digit of the discretionary data.
 *
 * Issuer (`readDynamicTrack2`): the same positions read back. The
 * simulation personalises every such card with `TRACK2_LAYOUT` and zeros in
 * every position the reader overwrites, so the issuer rebuilds the Track 2
 * Data the IV was computed over by zeroing them.
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { tdesEcb } from '../../src/crypto/cipher/des.js';
import { macIso9797Alg3 } from '../../src/crypto/mac/iso9797.js';
import { wipe } from '../../src/util/bytes.js';
import { PosError } from '../../src/util/errors.js';

/** Where the reader writes the dynamic digits (Book C-2 A.1.113, A.1.128, A.1.106). */
export interface MagstripeLayout {
  /** PCVC3(Track2), 9F65: the CVC3 digits. */
  readonly pcvc3: number;
  /** PUNATC(Track2), 9F66: the UN and ATC digits. */
  readonly punatc: number;
  /** NATC(Track2), 9F67: how many of them are ATC digits. */
  readonly natc: number;
}

/**
 * The simulation's layout for a 10-digit discretionary data field
 * d1…d10: ATC in d1–d3, UN in d4–d6, CVC3 in d7–d9, nUN in d10.
 */
export const TRACK2_LAYOUT: MagstripeLayout = { pcvc3: 0x000e, punatc: 0x03f0, natc: 3 };
/** Book C-2 A.1.49 Default UDOL: the Unpredictable Number (Numeric), 4 bytes. */
export const DEFAULT_UDOL = Buffer.from('9F6A04', 'hex');
export const CVC3_KEY_VARIANT = 0x3c;
export const MAX_UN_DIGITS = 8;
const UN_BYTES = 4;
const ATC_BYTES = 2;
const IV_BYTES = 2;
const MAX_DISCRETIONARY_DIGITS = 16;
const TRACK2_RE = /^(\d{12,19})[=D](\d{4})(\d{3})(\d*)$/;

/** KD_CVC3 of a card from its issuer master key (the caller wipes it). */
export function cvc3Key(issuerMasterKey: Uint8Array, pan: string, psn: string): Buffer {
  const imkCvc3 = Buffer.from(issuerMasterKey.map((b) => b ^ CVC3_KEY_VARIANT));
  try {
    return deriveCardMasterKey(imkCvc3, pan, psn, 'A');
  } finally {
    wipe(imkCvc3);
  }
}

/** IVCVC3(Track2) over Track 2 Data as personalised. */
export function ivCvc3(key: Uint8Array, track2Data: Uint8Array): Buffer {
  const mac = macIso9797Alg3(key, track2Data, 2);
  try {
    return Buffer.from(mac.subarray(mac.length - IV_BYTES));
  } finally {
    wipe(mac);
  }
}

/** CVC3(Track2) as a number 0–65535: the rightmost 2 bytes of TDES(key, IV ‖ UN ‖ ATC). */
export function computeCvc3(key: Uint8Array, iv: Uint8Array, unpredictableNumber: Uint8Array, atc: Uint8Array): number {
  if (iv.length !== IV_BYTES || unpredictableNumber.length !== UN_BYTES || atc.length !== ATC_BYTES) {
    throw new PosError('CRYPTO_INPUT_LENGTH', 'CVC3 takes a 2-byte IV, a 4-byte UN and a 2-byte ATC', { what: 'CVC3 input', lengthBytes: iv.length + unpredictableNumber.length + atc.length, expectedBytes: IV_BYTES + UN_BYTES + ATC_BYTES });
  }
  const block = tdesEcb(key, Buffer.concat([iv, unpredictableNumber, atc]));
  try {
    return block.readUInt16BE(block.length - 2);
  } finally {
    wipe(block);
  }
}

/** nUN: PUNATC's non-zero bits less NATC (Book C-2 A.1.108); outside 0–8 the layout is unusable (S7.22). */
export function unDigitCount(layout: MagstripeLayout): number {
  return bitCount(layout.punatc) - layout.natc;
}

/** Track 2 Data's nibbles as text: digits with `D` for the separator, the trailing `F` pad dropped. */
export function track2Text(track2Data: Uint8Array): string {
  const hex = Buffer.from(track2Data).toString('hex').toUpperCase();
  return hex.endsWith('F') ? hex.slice(0, -1) : hex;
}

/** Text (digits, `D` or `=` as separator) as Track 2 Data bytes, padded with `F` to whole bytes. */
export function track2Bytes(text: string): Buffer {
  const nibbles = text.replace('=', 'D');
  return Buffer.from(nibbles.length % 2 === 0 ? nibbles : `${nibbles}F`, 'hex');
}

interface Track2Parts {
  /** Everything before the discretionary data: PAN, separator, expiry, service code. */
  readonly head: string;
  readonly discretionary: string;
}

function splitTrack2(text: string): Track2Parts | undefined {
  const m = TRACK2_RE.exec(text);
  if (m === null) return undefined;
  const discretionary = m[4] as string;
  return { head: text.slice(0, text.length - discretionary.length), discretionary };
}

/** Indexes into the discretionary data (left to right) of a bitmap's set bits, most significant first (§4.7). */
function positions(bitmap: number, digits: number): number[] | undefined {
  const out: number[] = [];
  for (let bit = MAX_DISCRETIONARY_DIGITS; bit >= 1; bit--) {
    if ((bitmap & (1 << (bit - 1))) === 0) continue;
    if (bit > digits) return undefined;
    out.push(digits - bit);
  }
  return out;
}

interface Slots {
  readonly cvc3: number[];
  readonly un: number[];
  readonly atc: number[];
  readonly nUn: number;
}

/** Where each dynamic value goes in a discretionary data field of `digits` digits; undefined when the layout does not fit it. */
function slotsOf(layout: MagstripeLayout, digits: number): Slots | undefined {
  const nUn = unDigitCount(layout);
  const cvc3 = positions(layout.pcvc3, digits);
  const unatc = positions(layout.punatc, digits);
  if (cvc3 === undefined || unatc === undefined || nUn < 0 || nUn > MAX_UN_DIGITS || digits < 1) return undefined;
  const last = digits - 1;
  if ((layout.pcvc3 & layout.punatc) !== 0 || cvc3.includes(last) || unatc.includes(last)) return undefined;
  return { cvc3, atc: unatc.slice(0, layout.natc), un: unatc.slice(layout.natc), nUn };
}

/** The `n` least significant decimal digits of `value`, zero-padded. */
function lowDigits(value: number | string, n: number): string {
  return String(value).padStart(n, '0').slice(-n);
}

export interface DynamicValues {
  readonly cvc3: number;
  /** The UN's digits as the reader generated them (at least nUN). */
  readonly unDigits: string;
  readonly atc: number;
}

/**
 * The reader's Track 2 (Book C-2 S13.18–S13.19): `track2` (Track 2 Data as
 * text, `D` or `=` separator) with the CVC3, UN, ATC and nUN written into its
 * discretionary data. Throws `EMV_CARD_DATA_INVALID` when the card's layout
 * does not fit its track.
 */
export function dynamicTrack2(track2: string, layout: MagstripeLayout, values: DynamicValues): string {
  const parts = splitTrack2(track2);
  const slots = parts === undefined ? undefined : slotsOf(layout, parts.discretionary.length);
  if (parts === undefined || slots === undefined) throw new PosError('EMV_CARD_DATA_INVALID', 'The card’s mag-stripe layout does not fit its Track 2 Data', { tags: ['9F6B', '9F65', '9F66', '9F67'] });
  const dd = [...parts.discretionary];
  const put = (at: readonly number[], digits: string): void => at.forEach((pos, i) => (dd[pos] = digits.charAt(i)));
  put(slots.cvc3, lowDigits(values.cvc3, slots.cvc3.length));
  put(slots.un, lowDigits(values.unDigits, slots.un.length));
  put(slots.atc, lowDigits(values.atc, slots.atc.length));
  dd[dd.length - 1] = String(slots.nUn);
  return parts.head + dd.join('');
}

export interface DynamicTrack2Parts {
  /** Track 2 as personalised: every dynamic position zero (what IVCVC3 covers). */
  readonly template: string;
  readonly cvc3Digits: string;
  readonly unDigits: string;
  readonly atcDigits: string;
  readonly nUn: number;
}

/**
 * The issuer's reading of a dynamic Track 2 (text, `=` or `D` separator):
 * the digits of each dynamic value and the personalised template.
 * Undefined for anything that is not such a track under `layout`, or whose
 * last digit is not the layout's nUN. Never throws.
 */
export function readDynamicTrack2(track2: string, layout: MagstripeLayout): DynamicTrack2Parts | undefined {
  const parts = splitTrack2(track2);
  if (parts === undefined) return undefined;
  const dd = [...parts.discretionary];
  const slots = slotsOf(layout, dd.length);
  if (slots === undefined || dd[dd.length - 1] !== String(slots.nUn)) return undefined;
  const take = (at: readonly number[]): string => at.map((pos) => dd[pos] as string).join('');
  const read = { cvc3Digits: take(slots.cvc3), unDigits: take(slots.un), atcDigits: take(slots.atc), nUn: slots.nUn };
  for (const pos of [...slots.cvc3, ...slots.un, ...slots.atc, dd.length - 1]) dd[pos] = '0';
  return { template: parts.head.replace('=', 'D') + dd.join(''), ...read };
}

/** Whether a personalised Track 2 (text) fits `layout` with a zero in every position the reader writes. */
export function fitsAsTemplate(track2: string, layout: MagstripeLayout): boolean {
  const parts = splitTrack2(track2);
  const slots = parts === undefined ? undefined : slotsOf(layout, parts.discretionary.length);
  if (parts === undefined || slots === undefined) return false;
  return [...slots.cvc3, ...slots.un, ...slots.atc, parts.discretionary.length - 1].every((pos) => parts.discretionary.charAt(pos) === '0');
}

/** The 4-byte Unpredictable Number (Numeric) for UN digits: BCD, zeros to the left (Book C-2 A.1.172). */
export function numericUnpredictableNumber(unDigits: string): Buffer {
  if (!/^\d{0,8}$/.test(unDigits)) throw new PosError('EMV_CARD_DATA_INVALID', 'An Unpredictable Number (Numeric) is at most 8 digits', { tags: ['9F6A'] });
  return Buffer.from(unDigits.padStart(MAX_UN_DIGITS, '0'), 'hex');
}

function bitCount(n: number): number {
  let count = 0;
  for (let v = n; v !== 0; v &= v - 1) count++;
  return count;
}
