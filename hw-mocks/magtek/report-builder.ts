/**
 * Builds MagTek input reports from the device's side (MagTek 99875191 §4
 * "Card Data", 337 bytes; MagneSafe 99875475 "Card Data", 856 bytes), with
 * its own offset table: hw-mocks do not import drivers/, so the two sides
 * meet only on the wire.
 *
 *   standard:   [st1][st2][st3][len1][len2][len3][type][T1 ×110][T2 ×110][T3 ×110]
 *   encrypting: …[T1 enc ×112][T2 enc ×112][T3 enc ×112][card st.][MP st ×4][MP len][MP ×128]
 *               [serial ×16][enc. status ×2][KSN ×10][mlen1][mlen2][mlen3][M1 ×112][M2 ×112][M3 ×112]
 *               [session ID ×8][abs. lengths ×4]
 */
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { tdesWorkingKey } from '../../src/crypto/dukpt/tdes.js';
import type { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { wipe } from '../../src/util/bytes.js';
import type { DeckCard } from '../cards/deck.js';

export const STANDARD_REPORT_BYTES = 337;
export const ENCRYPTING_REPORT_BYTES = 856;

const ENCODE_ISO_ABA = 0x00; // card encode type 0: ISO/ABA
const ENCODE_UNDETERMINED = 0x05; // card encode type 5: no track could be decoded
const DECODE_ERROR = 0x01; // decode status bit 0
const MASK_CHAR = '0'; // MagneSafe's default mask character
const ZERO_IV = Buffer.alloc(8);

const STD = { status: [0, 1, 2], length: [3, 4, 5], encodeType: 6, data: [7, 117, 227], field: 110 } as const;
const ENC = {
  status: [0, 1, 2],
  length: [3, 4, 5],
  encodeType: 6,
  data: [7, 119, 231],
  field: 112,
  serial: 477,
  serialBytes: 16,
  ksn: 495,
  maskedLength: [505, 506, 507],
  masked: [508, 620, 732],
} as const;

/** The tracks a good stripe of `card` holds (sentinels included). */
export function cardTracks(card: DeckCard): [Buffer, Buffer] {
  return [encodeTrack1(card), encodeTrack2(card)];
}

/** A standard reader's report for a swipe of `card` (a damaged stripe decodes nothing). */
export function standardReport(card: DeckCard): Buffer {
  const report = Buffer.alloc(STANDARD_REPORT_BYTES);
  if (card.stripe === 'damaged') {
    report[STD.status[0]] = DECODE_ERROR;
    report[STD.status[1]] = DECODE_ERROR;
    report[STD.encodeType] = ENCODE_UNDETERMINED;
    return report;
  }
  const tracks = cardTracks(card);
  report[STD.encodeType] = ENCODE_ISO_ABA;
  tracks.forEach((t, i) => {
    report[STD.length[i] as number] = t.length;
    t.copy(report, STD.data[i]);
    t.fill(0);
  });
  return report;
}

/** The masked form of a track, as MagneSafe sends it: PAN middle and discretionary data as `0`. */
export function maskTrack(card: DeckCard, track: 1 | 2): Buffer {
  const pan = card.pan.slice(0, 6) + MASK_CHAR.repeat(card.pan.length - 10) + card.pan.slice(-4);
  const masked = { ...card, pan, discretionary: MASK_CHAR.repeat(card.discretionary.length) };
  return track === 1 ? encodeTrack1(masked) : encodeTrack2(masked);
}

/**
 * An encrypting reader's report: each track zero padded to whole blocks and
 * TDES-CBC encrypted (IV 0) under the DUKPT data-request key of the
 * originator's next transaction; the KSN of that transaction in clear.
 */
export function encryptingReport(card: DeckCard, originator: TdesDukptOriginator, serialNumber = 'B0A5B3C'): Buffer {
  const report = Buffer.alloc(ENCRYPTING_REPORT_BYTES);
  Buffer.from(serialNumber.slice(0, ENC.serialBytes - 1), 'latin1').copy(report, ENC.serial);
  const { ksn, transactionKey } = originator.nextTransaction();
  ksn.copy(report, ENC.ksn);
  if (card.stripe === 'damaged') {
    wipe(transactionKey);
    report[ENC.status[0]] = DECODE_ERROR;
    report[ENC.status[1]] = DECODE_ERROR;
    report[ENC.encodeType] = ENCODE_UNDETERMINED;
    return report;
  }
  const dataKey = tdesWorkingKey(transactionKey, 'dataRequest');
  wipe(transactionKey);
  try {
    report[ENC.encodeType] = ENCODE_ISO_ABA;
    const tracks = cardTracks(card);
    tracks.forEach((clear, i) => {
      const padded = Buffer.alloc(Math.ceil(clear.length / 8) * 8);
      clear.copy(padded);
      const encrypted = tdesCbc(dataKey, ZERO_IV, padded, 'encrypt');
      report[ENC.length[i] as number] = clear.length;
      encrypted.copy(report, ENC.data[i]);
      wipe(padded, clear);
      const masked = maskTrack(card, (i + 1) as 1 | 2);
      report[ENC.maskedLength[i] as number] = masked.length;
      masked.copy(report, ENC.masked[i]);
    });
  } finally {
    wipe(dataKey);
  }
  return report;
}
