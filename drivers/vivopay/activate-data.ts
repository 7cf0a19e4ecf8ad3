/**
 * The data fields of the NEO 2's contactless Activate Transaction (02-40,
 * guide 8.5.2 p209–233), built and parsed as the driver sends and reads them.
 * The parser takes the reader's bytes and gives a value or a `PosError`
 * (`CHIP_DATA_INVALID`, or the TLV codec's code), never throws anything else.
 *
 *   02-40 command          [Timeout 1, seconds][TLV: 9F02 9C 5F2A 9F03 …]                  (p210)
 *   answer 00 / 23         [Attribution 1][TLV…]                                            (p229–231)
 *   answer 0A (failed)     [Attribution 1][DFEE12 KSN?][FFEE1F: error, SW1, SW2, RF state][TLV…]  (p232–233)
 *   answer 0E (UI event)   [Transaction status 1]: 01 the reader found a card              (p221)
 *   answer 08 (timeout)    no card within Timeout
 *
 * Status 00 is a transaction the card completed offline (its 9F27 says TC or
 * AAC; a mag-stripe tap carries 9F39 91 and its track 2); 23 "Request Online
 * Authorization" carries what the acquirer needs (Table 6 p28).
 */
import { decode, encode, type TlvNode } from '../../src/emv/ber-tlv.js';
import { PosError } from '../../src/util/errors.js';
import { amountN12, TRANSACTION_TYPE_PURCHASE } from './contact-data.js';
import { VIVOPAY_STATUS } from './protocol.js';

/** Contactless error codes in FFEE1F byte 1 (guide 2.2 Table 8 p31–34). */
export const CONTACTLESS_ERROR = {
  NO_ERROR: 0x00,
  /** Table 8 p31 (value as ID TECH's Universal SDK `CTLS_ERROR_CODE`). */
  OUT_OF_SEQUENCE_COMMAND: 0x01,
  /** "Go to contact interface": the card asks for an insert (Table 8 p31; value as the Universal SDK). */
  GO_TO_CONTACT_INTERFACE: 0x02,
  /** Table 8 p31 (value as the Universal SDK). */
  AMOUNT_ZERO: 0x03,
  /** p32 */
  COLLISION: 0x21,
  /** Over the terminal contactless transaction limit (FFF1), p32. */
  AMOUNT_OVER_LIMIT: 0x22,
  /** p32 */
  REQUEST_ONLINE_AUTHORIZATION: 0x23,
  /** p32 */
  CARD_COMMUNICATION: 0x24,
  /** p32 */
  CARD_BLOCKED: 0x25,
  /** p32 */
  CARD_EXPIRED: 0x26,
  /** p32 */
  UNSUPPORTED_CARD: 0x27,
  /** p32 */
  CARD_DID_NOT_RESPOND: 0x30,
  /** p34 */
  GENERIC: 0x62,
  /**
   * ours: "see phone" — the phone wants its holder to verify on the device
   * and tap again (EMV Book A outcome "Try Again" with "See Phone"); the
   * guide's public pages give no code for it, so the twin and the driver
   * share this one from the unassigned range of Table 8.
   */
  SEE_PHONE: 0xe1,
} as const;

/** Attribution byte, bits 4/3/0: the captured data type (p232–233). */
export const ATTRIBUTION_TYPE_MASK = 0x19;
export const CAPTURED = { contact: 0x00, contactlessEmv: 0x01, contactlessMsd: 0x11, msr: 0x08 } as const;

/** FFEE1F Contactless Error Code Table and DFEE12 KSN (p232). */
export const ACTIVATE_TAGS = { errorTable: 'FFEE1F', ksn: 'DFEE12' } as const;

/** 0E's transaction status: the reader detected a card and started (p221). */
export const UI_EVENT_CARD_DETECTED = 0x01;

export interface ActivateRequest {
  /** Seconds the reader polls for a card, 1–255. */
  readonly timeoutS: number;
  readonly amountMinor: number;
  readonly amountOtherMinor?: number;
  /** ISO 4217 numeric, three digits. */
  readonly currency: string;
  readonly transactionType?: number;
}

/** The 02-40 data (p210: Timeout, then the Activate Command TLVs). */
export function activateTransactionData(request: ActivateRequest): Buffer {
  const timeout = Math.max(1, Math.min(0xff, Math.round(request.timeoutS)));
  return Buffer.concat([
    Buffer.from([timeout]),
    encode([
      { tag: '9F02', value: amountN12(request.amountMinor) },
      { tag: '9F03', value: amountN12(request.amountOtherMinor ?? 0) },
      { tag: '9C', value: Buffer.from([request.transactionType ?? TRANSACTION_TYPE_PURCHASE]) },
      { tag: '5F2A', value: Buffer.from(request.currency.padStart(4, '0'), 'hex') },
    ]),
  ]);
}

/** FFEE1F's four bytes. */
export interface ContactlessError {
  readonly code: number;
  readonly sw1: number;
  readonly sw2: number;
  readonly rfState: number;
}

/** What an answer to 02-40 says. */
export type ActivateAnswer =
  | { readonly kind: 'completed'; readonly attribution: number; readonly tlv: readonly TlvNode[] }
  | { readonly kind: 'online'; readonly attribution: number; readonly tlv: readonly TlvNode[] }
  | { readonly kind: 'failed'; readonly attribution?: number; readonly error?: ContactlessError; readonly tlv: readonly TlvNode[] }
  | { readonly kind: 'card-detected' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'refused'; readonly status: number };

/** Reads a 02-40 answer from its status byte and data. Throws `CHIP_DATA_INVALID` or the TLV codec's `PosError`. */
export function parseActivateAnswer(status: number, data: Uint8Array): ActivateAnswer {
  switch (status) {
    case VIVOPAY_STATUS.OK:
    case VIVOPAY_STATUS.REQUEST_ONLINE_AUTHORIZATION: {
      if (data.length < 1) throw invalid('Attribution', data.length);
      const tlv = decode(data.subarray(1));
      return { kind: status === VIVOPAY_STATUS.OK ? 'completed' : 'online', attribution: data[0] as number, tlv };
    }
    case VIVOPAY_STATUS.FAILED: {
      if (data.length < 1) return { kind: 'failed', tlv: [] };
      const { table, tlv } = splitErrorTable(data.subarray(1));
      if (table === undefined) return { kind: 'failed', attribution: data[0] as number, tlv };
      if (table.length < 4) throw invalid(ACTIVATE_TAGS.errorTable, table.length);
      const error: ContactlessError = { code: table[0] as number, sw1: table[1] as number, sw2: table[2] as number, rfState: table[3] as number };
      return { kind: 'failed', attribution: data[0] as number, error, tlv };
    }
    case VIVOPAY_STATUS.USER_INTERFACE_EVENT:
      if (data[0] !== UI_EVENT_CARD_DETECTED) throw invalid('Transaction status', data.length);
      return { kind: 'card-detected' };
    case VIVOPAY_STATUS.TIMEOUT:
      return { kind: 'timeout' };
    default:
      return { kind: 'refused', status };
  }
}

/** Whether an Attribution byte says a swipe (MSR, bits 4/3/0 = 0 1 x). */
export function isSwipe(attribution: number): boolean {
  return (attribution & 0x18) === CAPTURED.msr;
}

/** Whether an Attribution byte says a contactless mag-stripe (MSD) read. */
export function isMagstripeTap(attribution: number): boolean {
  return (attribution & ATTRIBUTION_TYPE_MASK) === CAPTURED.contactlessMsd;
}

/**
 * FFEE1F's tag says constructed, but the guide fills it with four plain
 * bytes (p232): it is cut out at the top level before the rest is decoded.
 */
function splitErrorTable(data: Uint8Array): { table?: Uint8Array; tlv: TlvNode[] } {
  const rest: Uint8Array[] = [];
  let table: Uint8Array | undefined;
  let at = 0;
  while (at < data.length) {
    const start = at;
    if (data[at] === 0x00) {
      at += 1;
      continue;
    }
    // Tag: low five bits all set → more bytes follow while bit 8 is set (EMV Book 3 Annex B1).
    if (((data[at++] as number) & 0x1f) === 0x1f) while (at < data.length && ((data[at++] as number) & 0x80) !== 0);
    const tag = Buffer.from(data.subarray(start, at)).toString('hex').toUpperCase();
    if (at >= data.length) throw invalid(tag, data.length);
    let length = data[at++] as number;
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 2 || at + count > data.length) throw invalid(tag, data.length);
      length = 0;
      for (let i = 0; i < count; i += 1) length = (length << 8) | (data[at++] as number);
    }
    if (at + length > data.length) throw invalid(tag, data.length);
    if (tag === ACTIVATE_TAGS.errorTable) table = data.subarray(at, at + length);
    else rest.push(data.subarray(start, at + length));
    at += length;
  }
  const tlv = decode(Buffer.concat(rest));
  return table === undefined ? { tlv } : { table, tlv };
}

function invalid(field: string, lengthBytes: number): PosError {
  return new PosError('CHIP_DATA_INVALID', `The reader's ${field} does not fit its data`, { tag: field, lengthBytes });
}
