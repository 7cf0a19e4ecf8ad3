/**
 * The card data an offline approval's advice (0220) needs, sealed for the
 * journal. The journal never holds a PAN, track or chip data in clear; an
 * advice cannot be sent without them (DE 2, 14, 35, 55), so they wait in the
 * journal encrypted — PCI DSS 3.5 "rendered unreadable" — and are destroyed
 * when the host has the advice (`Journal.adviceSent`).
 *
 * Sealed form (AES-256-GCM, NIST SP 800-38D, under the dedicated advice key,
 * additional authenticated data = the transaction id, so a blob moved to
 * another row does not open):
 *
 *   [0x01 version][IV: 12 bytes][tag: 16 bytes][ciphertext…]
 *
 * Plaintext: a list of fields, each `[field: 1 byte][length: 2 bytes BE][value]`.
 * DE 55 is kept without the objects EMV marks sensitive (57, 5A, 5F20, …),
 * exactly as it goes to the host.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { formatExpiry, parseExpiry } from '../card/expiry.js';
import type { CardBrand, Expiry, MagstripeCard } from '../card/types.js';
import type { EntryMode } from '../devices/card-reader.js';
import { wipe } from '../util/bytes.js';
import { PosError } from '../util/errors.js';
import { Sensitive } from '../util/sensitive.js';

/** In the key folder beside `journal-hmac.key`: 32 bytes of hex, the advice sealing key. */
export const ADVICE_KEY_FILE = 'advice.key';

export const SEALED_VERSION = 0x01;
export const IV_BYTES = 12; // GCM's recommended nonce size (SP 800-38D 8.2)
export const TAG_BYTES = 16;
export const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32; // AES-256
const FIELD_HEADER_BYTES = 3; // [field][length hi][length lo]

const FIELD = {
  pan: 0x01,
  expiry: 0x02, // YYMM
  serviceCode: 0x03,
  track2: 0x04,
  de55: 0x05,
  entryMode: 0x06,
  brand: 0x07,
} as const;

/** What an advice is built from: the card as read, with its chip data ready for DE 55. */
export interface AdviceCard {
  readonly pan: Sensitive;
  readonly expiry: Expiry;
  readonly serviceCode: string;
  readonly brand: CardBrand;
  readonly track2: Sensitive;
  readonly entryMode: EntryMode;
  /** DE 55 without sensitive tags, when the card was read by chip. */
  readonly de55?: Sensitive;
}

/** The `MagstripeCard` a host encoder takes, sharing the advice card's wrappers. */
export function asMagstripeCard(card: AdviceCard): MagstripeCard {
  return { pan: card.pan, expiry: card.expiry, serviceCode: card.serviceCode, brand: card.brand, track2: card.track2 };
}

export function wipeAdviceCard(card: AdviceCard): void {
  card.pan.wipe();
  card.track2.wipe();
  card.de55?.wipe();
}

export class AdviceSealer {
  readonly #key: Buffer;

  /** Takes a copy of `key` (32 bytes); `wipe()` zeroes it. */
  constructor(key: Sensitive) {
    if (key.length !== KEY_BYTES) {
      throw new PosError('KEY_FILE_INVALID', `The advice key must be ${KEY_BYTES} bytes`, { path: ADVICE_KEY_FILE, expectedBytes: KEY_BYTES, bytes: key.length });
    }
    this.#key = Buffer.from(key.reveal());
  }

  seal(transactionId: string, card: AdviceCard): Buffer {
    const plain = encodeFields(card);
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(transactionId, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.from([SEALED_VERSION]), iv, cipher.getAuthTag(), body]);
    } finally {
      wipe(plain);
    }
  }

  /**
   * Opens a sealed advice card. Throws `SAF_ADVICE_UNREADABLE` when the blob
   * is not ours, was altered, belongs to another transaction, or the key is
   * not the one it was sealed under — never saying more than that.
   */
  open(transactionId: string, sealed: Uint8Array): AdviceCard {
    if (sealed.length < HEADER_BYTES || sealed[0] !== SEALED_VERSION) throw unreadable(transactionId, 'format');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, sealed.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(transactionId, 'utf8'));
      decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, HEADER_BYTES));
      plain = Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      throw unreadable(transactionId, 'authentication');
    }
    try {
      return decodeFields(transactionId, plain);
    } finally {
      wipe(plain);
    }
  }

  wipe(): void {
    this.#key.fill(0);
  }
}

function unreadable(transactionId: string, reason: 'format' | 'authentication' | 'content'): PosError {
  return new PosError('SAF_ADVICE_UNREADABLE', `The sealed card data of advice ${transactionId} cannot be opened (${reason})`, { id: transactionId, reason });
}

function encodeFields(card: AdviceCard): Buffer {
  const fields: [number, Uint8Array][] = [
    [FIELD.pan, card.pan.reveal()],
    [FIELD.expiry, Buffer.from(formatExpiry(card.expiry), 'latin1')],
    [FIELD.serviceCode, Buffer.from(card.serviceCode, 'latin1')],
    [FIELD.track2, card.track2.reveal()],
    [FIELD.entryMode, Buffer.from(card.entryMode, 'latin1')],
    [FIELD.brand, Buffer.from(card.brand, 'latin1')],
  ];
  if (card.de55 !== undefined) fields.push([FIELD.de55, card.de55.reveal()]);
  const out = Buffer.alloc(fields.reduce((n, [, v]) => n + FIELD_HEADER_BYTES + v.length, 0));
  let at = 0;
  for (const [field, value] of fields) {
    out[at] = field;
    out.writeUInt16BE(value.length, at + 1);
    out.set(value, at + FIELD_HEADER_BYTES);
    at += FIELD_HEADER_BYTES + value.length;
  }
  return out;
}

const ENTRY_MODES: readonly string[] = ['swipe', 'chip', 'contactless', 'fallback', 'manual'];

function decodeFields(transactionId: string, plain: Buffer): AdviceCard {
  const values = new Map<number, Buffer>();
  let at = 0;
  while (at < plain.length) {
    if (at + FIELD_HEADER_BYTES > plain.length) throw unreadable(transactionId, 'content');
    const field = plain[at] as number;
    const length = plain.readUInt16BE(at + 1);
    const end = at + FIELD_HEADER_BYTES + length;
    if (end > plain.length) throw unreadable(transactionId, 'content');
    // A copy each: the wrappers below own their bytes; the plaintext is wiped by the caller.
    values.set(field, Buffer.from(plain.subarray(at + FIELD_HEADER_BYTES, end)));
    at = end;
  }
  const text = (field: number): string => {
    const value = values.get(field);
    if (value === undefined) throw unreadable(transactionId, 'content');
    return value.toString('latin1');
  };
  const pan = values.get(FIELD.pan);
  const track2 = values.get(FIELD.track2);
  const entryMode = text(FIELD.entryMode);
  if (pan === undefined || track2 === undefined || !ENTRY_MODES.includes(entryMode)) {
    for (const v of values.values()) wipe(v);
    throw unreadable(transactionId, 'content');
  }
  const de55 = values.get(FIELD.de55);
  const panText = pan.toString('latin1');
  wipe(pan);
  return {
    pan: Sensitive.pan(panText),
    expiry: parseExpiry(text(FIELD.expiry)),
    serviceCode: text(FIELD.serviceCode),
    brand: text(FIELD.brand) as CardBrand,
    track2: Sensitive.of('track', track2),
    entryMode: entryMode as EntryMode,
    ...(de55 === undefined ? {} : { de55: Sensitive.of('data', de55) }),
  };
}
