/**
 * What an encrypting MagTek reader yields for a swipe: the encrypted track
 * blocks and the DUKPT KSN exactly as the reader sent them (the host, which
 * holds the BDK, decrypts them), and the reader's masked track data, from
 * which only non-secret facts are kept: the masked PAN (first 6, last 4),
 * the expiry and the brand. Nothing here is clear card data.
 *
 * MagneSafe masking (99875475, "Masked Track Data"): the PAN's middle digits
 * and the discretionary data are replaced by the mask character (default
 * `0`); the driver re-masks with `*` from the PAN length, whatever the
 * configured character.
 */
import { brandOf } from '../../src/card/brand.js';
import { parseExpiry } from '../../src/card/expiry.js';
import type { CardBrand, Expiry, MagstripeCard } from '../../src/card/types.js';
import type { SwipeRead } from '../../src/devices/card-reader.js';
import { PosError } from '../../src/util/errors.js';
import { maskPan, Sensitive } from '../../src/util/sensitive.js';
import type { EncryptingReport } from './report-parser.js';

export interface EncryptedSwipe {
  /** DUKPT key serial number, 10 bytes, untouched. */
  readonly ksn: Buffer;
  /** Track 1 ciphertext (TDES-CBC, IV 0, whole blocks), when the card had a decodable track 1. */
  readonly encryptedTrack1?: Buffer;
  readonly encryptedTrack1Length?: number;
  /** Track 2 ciphertext; its clear length (sentinels included) is `encryptedTrack2Length`. */
  readonly encryptedTrack2: Buffer;
  readonly encryptedTrack2Length: number;
  /** `411111******1111`. */
  readonly maskedPan: string;
  readonly expiry?: Expiry;
  /** The ISO/IEC 7813 service code, when the reader left it unmasked (MagneSafe does by default). */
  readonly serviceCode?: string;
  readonly brand: CardBrand;
  /** The reader's serial number, for the host's device registry. */
  readonly serialNumber: string;
}

const TRACK2_START = 0x3b; // ';' track 2 start sentinel
const TRACK2_SEPARATOR = 0x3d; // '=' track 2 field separator
const END_SENTINEL = 0x3f; // '?'

/** Builds the event from a parsed encrypting report. Throws `CARD_SWIPE_UNREADABLE` when track 2 was not read. */
export function encryptedSwipeOf(report: EncryptingReport): EncryptedSwipe {
  const [e1, e2] = report.encrypted;
  const masked2 = report.masked[1];
  if (e2.status !== 'ok' || masked2.status !== 'ok') {
    throw new PosError('CARD_SWIPE_UNREADABLE', 'The reader could not read track 2', { track: 2, rule: e2.status === 'error' ? 'reader-error' : 'empty' });
  }
  const { digits, expiry, serviceCode } = maskedTrack2(masked2.data);
  return {
    ksn: Buffer.from(report.ksn),
    ...(e1.status === 'ok' ? { encryptedTrack1: Buffer.from(e1.data), encryptedTrack1Length: e1.clearBytes } : {}),
    encryptedTrack2: Buffer.from(e2.data),
    encryptedTrack2Length: e2.clearBytes,
    maskedPan: maskPan(digits),
    ...(expiry === undefined ? {} : { expiry }),
    ...(serviceCode === undefined ? {} : { serviceCode }),
    brand: brandOf(digits.slice(0, 6).padEnd(digits.length, '0')),
    serialNumber: report.serialNumber,
  };
}

/** `;PPPPPP000000LLLL=YYMMSSS…?` → the PAN's digits (middle as masked), the expiry and service code if they are readable. */
function maskedTrack2(track: Buffer): { digits: string; expiry?: Expiry; serviceCode?: string } {
  const sep = track.indexOf(TRACK2_SEPARATOR);
  const end = track.indexOf(END_SENTINEL);
  if (track[0] !== TRACK2_START || sep < 2 || end < sep) {
    throw new PosError('CARD_SWIPE_UNREADABLE', 'The masked track 2 is not a track', { track: 2, rule: 'masked-format' });
  }
  const raw = track.subarray(1, sep).toString('latin1');
  if (!/^[0-9*]{12,19}$/.test(raw)) throw new PosError('CARD_SWIPE_UNREADABLE', 'The masked PAN is malformed', { track: 2, rule: 'masked-pan', length: raw.length });
  const yymm = track.subarray(sep + 1, sep + 5).toString('latin1');
  let expiry: Expiry | undefined;
  try {
    expiry = /^\d{4}$/.test(yymm) ? parseExpiry(yymm) : undefined;
  } catch {
    expiry = undefined; // masked expiry: not shown
  }
  const code = track.subarray(sep + 5, sep + 8).toString('latin1');
  const serviceCode = expiry !== undefined && /^\d{3}$/.test(code) ? code : undefined;
  return { digits: raw.replace(/\*/g, '0'), ...(expiry === undefined ? {} : { expiry }), ...(serviceCode === undefined ? {} : { serviceCode }) };
}

/**
 * The `CardRead` the engine gets for an encrypted swipe: the ciphertext and
 * KSN (copies, so the event and the read own theirs) and a card made of the
 * masked data only — `pan` the masked PAN (`*` in the middle, so it fails any
 * PAN check: Luhn, ISO 8583 `n`, a PIN block), `track2` the masked content
 * `411111******1111=YYMMSSS`, `panMasked: true`. Throws
 * `CARD_SWIPE_UNREADABLE` (rule `masked-expiry` / `masked-service-code`)
 * when the reader masked what the engine must check; the host would see the
 * clear values, but the terminal could not judge expiry or chip-first.
 */
export function cardReadOf(swipe: EncryptedSwipe): SwipeRead {
  if (swipe.expiry === undefined) throw new PosError('CARD_SWIPE_UNREADABLE', 'The reader masked the expiry', { track: 2, rule: 'masked-expiry' });
  if (swipe.serviceCode === undefined) {
    throw new PosError('CARD_SWIPE_UNREADABLE', 'The reader masked the service code', { track: 2, rule: 'masked-service-code' });
  }
  const yymm = `${String(swipe.expiry.year % 100).padStart(2, '0')}${String(swipe.expiry.month).padStart(2, '0')}`;
  const card: MagstripeCard = {
    pan: Sensitive.pan(swipe.maskedPan),
    panMasked: true,
    expiry: swipe.expiry,
    serviceCode: swipe.serviceCode,
    brand: swipe.brand,
    track2: Sensitive.text('track', `${swipe.maskedPan}=${yymm}${swipe.serviceCode}`),
  };
  return {
    entryMode: 'swipe',
    card,
    encrypted: {
      scheme: 'magtek-tdes-dukpt',
      ksn: Buffer.from(swipe.ksn),
      track2: Buffer.from(swipe.encryptedTrack2),
      ...(swipe.encryptedTrack1 === undefined ? {} : { track1: Buffer.from(swipe.encryptedTrack1) }),
    },
  };
}
