/**
 * The data fields of the NEO 2 contact EMV flow (guide 8.4.18–8.4.20 and the
 * reader's 61-xx commands, 8.4.30–8.4.31), built and parsed as the driver
 * sends and reads them. Parsers take the reader's bytes and give a value or
 * a `PosError` (`CHIP_DATA_INVALID`, or the TLV codec's code), never throw
 * anything else; card data stays in buffers the caller wipes.
 *
 *   60-10  [FallBack 1][TimeOut1 2][TimeOut2 2][App Data: 9F02 9C 5F2A 9F03 …]
 *   60-1x answer  [result code 2, MSB first][TLV…]         (result codes: protocol.ts)
 *   61-01  [Display Mode 1]([len 2 LE][value])×3 [Message Control: (<line><text><1C>)…] [len 2 LE][Back Light]
 *   61-02  [Mode 1][KSN len 2 LE][KSN][PAN len 2 LE][PAN][timeouts, language: len 2 LE + value each]
 *   61-02 answer  [Mode 1][KSN len 2 LE][KSN][PIN block len 2 LE][PIN block]
 *   DFEE23 (plaintext)  [encode type 1][track status 1][T1 len][T2 len][T3 len][T1][T2][T3]
 *
 * Two-byte lengths and timeouts inside 61-xx are little-endian, as the guide
 * prints them (`<Length L><Length H>`); 60-10's timeouts are big-endian as
 * the frame's own length (ours: the page does not say).
 */
import { decode, encode, type TlvInput, type TlvNode } from '../../src/emv/ber-tlv.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { RESULT_CODE_BYTES, START_FALLBACK_ALLOWED, START_FIXED_BYTES } from './protocol.js';

/** 9C for a purchase of goods or services (ISO 8583 processing code positions 1–2). */
export const TRANSACTION_TYPE_PURCHASE = 0x00;
/** 9C for a purchase with cashback. */
export const TRANSACTION_TYPE_CASHBACK = 0x09;
/** 9C for a refund: the reader's kernel asks the card for an AAC and the refund goes online. */
export const TRANSACTION_TYPE_REFUND = 0x20;

/** 9C and 9F03 for what the card is read for (a pre-authorization is a purchase to the reader). */
export function readerTransactionType(request: { readonly purpose?: 'purchase' | 'refund' | 'preauth'; readonly cashbackMinor?: number }): {
  readonly transactionType: number;
  readonly amountOtherMinor: number;
} {
  const cashback = request.cashbackMinor ?? 0;
  if (request.purpose === 'refund') return { transactionType: TRANSACTION_TYPE_REFUND, amountOtherMinor: 0 };
  return { transactionType: cashback > 0 ? TRANSACTION_TYPE_CASHBACK : TRANSACTION_TYPE_PURCHASE, amountOtherMinor: cashback };
}

export interface StartTransactionRequest {
  readonly fallbackAllowed: boolean;
  /** TimeOut1: how long the reader waits for a card to be seated (or swiped), seconds. */
  readonly cardTimeoutS: number;
  /** TimeOut2: how long it waits for Authenticate Transaction after answering, seconds. */
  readonly authenticateTimeoutS: number;
  readonly amountMinor: number;
  readonly amountOtherMinor?: number;
  /** ISO 4217 numeric, three digits. */
  readonly currency: string;
  readonly transactionType?: number;
}

/** n12 as 6 BCD bytes (9F02, 9F03). */
export function amountN12(minor: number): Buffer {
  if (!Number.isSafeInteger(minor) || minor < 0 || minor > 999_999_999_999) throw new RangeError('amount out of n12 range');
  return Buffer.from(String(minor).padStart(12, '0'), 'hex');
}

/** The 60-10 data (guide 8.4.18 p178–179: the Transaction Data List). */
export function startTransactionData(request: StartTransactionRequest): Buffer {
  const fixed = Buffer.alloc(START_FIXED_BYTES);
  fixed[0] = request.fallbackAllowed ? START_FALLBACK_ALLOWED : 0x00;
  fixed.writeUInt16BE(Math.min(request.cardTimeoutS, 0xffff), 1);
  fixed.writeUInt16BE(Math.min(request.authenticateTimeoutS, 0xffff), 3);
  const tlv: TlvInput[] = [
    { tag: '9F02', value: amountN12(request.amountMinor) },
    { tag: '9C', value: Buffer.from([request.transactionType ?? TRANSACTION_TYPE_PURCHASE]) },
    { tag: '5F2A', value: Buffer.from(request.currency.padStart(4, '0'), 'hex') },
    { tag: '9F03', value: amountN12(request.amountOtherMinor ?? 0) },
  ];
  return Buffer.concat([fixed, encode(tlv)]);
}

/** A 60-1x answer's data: its result code, when it has one, and its TLVs. */
export interface ContactAnswer {
  /** Absent when the data is shorter than a result code (a bare status). */
  readonly resultCode?: number;
  readonly tlv: readonly TlvNode[];
}

/** Reads a 60-1x answer's data. Throws the TLV codec's `PosError` for TLVs that do not decode. */
export function parseContactAnswer(data: Uint8Array): ContactAnswer {
  if (data.length < RESULT_CODE_BYTES) return { tlv: [] };
  const resultCode = ((data[0] as number) << 8) | (data[1] as number);
  return { resultCode, tlv: decode(data.subarray(RESULT_CODE_BYTES)) };
}

/**
 * The 60-12 data: 8A (the host's response code) and the issuer data it sent
 * (91, 71, 72) as they came; empty when nothing reached the host, so the
 * reader's kernel completes with "unable to go online" (ours: the page
 * listing 60-12's data objects is not public).
 */
export function applyHostResponseData(answer: { readonly unableToGoOnline?: boolean; readonly responseCode: string; readonly issuerTlv: Uint8Array }): Buffer {
  if (answer.unableToGoOnline === true) return Buffer.alloc(0);
  const arc = Buffer.from(answer.responseCode.padEnd(2, ' ').slice(0, 2), 'latin1');
  return Buffer.concat([encode([{ tag: '8A', value: arc }]), answer.issuerTlv]);
}

/** A little-endian two-byte length and the bytes it counts, at `at`; throws `CHIP_DATA_INVALID` past the end. */
function lengthPrefixed(data: Uint8Array, at: number, field: string): { value: Buffer; next: number } {
  if (at + 2 > data.length) throw invalid(field, data.length);
  const length = (data[at] as number) | ((data[at + 1] as number) << 8);
  const start = at + 2;
  if (start + length > data.length) throw invalid(field, data.length);
  return { value: Buffer.from(data.subarray(start, start + length)), next: start + length };
}

function invalid(field: string, lengthBytes: number): PosError {
  return new PosError('CHIP_DATA_INVALID', `The reader's ${field} does not fit its data`, { tag: field, lengthBytes });
}

/** 61-01 Display Mode values (ID TECH Universal SDK `LCD_DISPLAY_MODE`; the guide's page names the modes in words). */
export const DISPLAY_MODE = { menu: 0x01, prompt: 0x02, message: 0x03, languageSelect: 0x08, clearScreen: 0x10 } as const;
/** Separator after each line of 61-01's Message Control. */
export const DISPLAY_LINE_SEPARATOR = 0x1c;
/** A line number byte with this bit set is followed by a message ID, not text. */
export const DISPLAY_MESSAGE_ID = 0x80;

export interface DisplayControl {
  readonly mode: number;
  /** The message lines as text (a message ID is `#NN`). */
  readonly lines: readonly string[];
}

/** Reads a 61-01 (guide 8.4.30 p198–199). Throws `CHIP_DATA_INVALID` when a field does not fit. */
export function parseDisplayControl(data: Uint8Array): DisplayControl {
  if (data.length < 1) throw invalid('61-01 display mode', data.length);
  let at = 1;
  for (const field of ['61-01 total timeout', '61-01 minor timeout', '61-01 language']) at = lengthPrefixed(data, at, field).next;
  const { value: control } = lengthPrefixed(data, at, '61-01 message control');
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < control.length; i++) {
    if (control[i] !== DISPLAY_LINE_SEPARATOR) continue;
    const line = control.subarray(start, i);
    if (line.length > 0) {
      const number = line[0] as number;
      const rest = line.subarray(1);
      lines.push((number & DISPLAY_MESSAGE_ID) !== 0 ? `#${rest.toString('hex').toUpperCase()}` : rest.toString('latin1'));
    }
    start = i + 1;
  }
  return { mode: data[0] as number, lines };
}

/** 61-02 Mode values (guide 8.4.31 p201–202). */
export const PIN_MODE = { cancel: 0x00, onlineDukpt: 0x01, onlineMksk: 0x02, offline: 0x03 } as const;

export interface PinControl {
  readonly mode: number;
}

/** Reads a 61-02 from the reader: the mode is what matters here (the PAN, if sent, is ignored: the card came in 60-10's answer). */
export function parsePinControl(data: Uint8Array): PinControl {
  if (data.length < 1) throw invalid('61-02 mode', data.length);
  return { mode: data[0] as number };
}

/**
 * The terminal's answer to 61-02: the PIN was entered on the terminal's own
 * PIN pad, whose block goes to the host in DE 52 — so no KSN and no block
 * here (ours) — or `cancel` when the cardholder gave none.
 */
export function pinControlAnswer(mode: number): Buffer {
  return mode === PIN_MODE.cancel ? Buffer.from([PIN_MODE.cancel]) : Buffer.from([mode, 0x00, 0x00, 0x00, 0x00]);
}

/** DFEE23 fixed fields before the tracks (ours for plaintext output, in the order of ID TECH's enhanced MSR format). */
export const MSR_FIXED_BYTES = 5;
/** Card encode type: ISO/ABA. */
export const MSR_ENCODE_ISO = 0x80;

/**
 * The tracks of a plaintext DFEE23 block, concatenated as a swipe line
 * (`%…?;…?`): a copy the caller wipes. Throws `CHIP_DATA_INVALID` when the
 * lengths do not fit the block.
 */
export function msrTracks(block: Uint8Array): Buffer {
  if (block.length < MSR_FIXED_BYTES) throw invalid('DFEE23', block.length);
  const lengths = [block[2] as number, block[3] as number, block[4] as number];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (MSR_FIXED_BYTES + total > block.length) throw invalid('DFEE23', block.length);
  const t1 = lengths[0] as number;
  const t2 = lengths[1] as number;
  return Buffer.from(block.subarray(MSR_FIXED_BYTES, MSR_FIXED_BYTES + t1 + t2));
}

/** Wraps a TLV codec error of the reader's data as a driver error (same code, the command named). */
export function readerDataError(error: unknown, command: string): PosError {
  const e = asPosError(error, 'vivopay data');
  return e.code.startsWith('TLV_') ? new PosError('CHIP_DATA_INVALID', `The reader's ${command} answer does not decode as TLV`, { tag: command, cause: e.code }) : e;
}
