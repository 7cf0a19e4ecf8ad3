/**
 * MagTek USB HID swipe reader input reports, as data.
 *
 * Standard (non-encrypting) readers — MagTek "USB HID Swipe Reader Technical
 * Reference Manual", P/N 99875191, Section 4 "USB Communications", "Card
 * Data" (one input report per swipe, 337 bytes):
 *
 *   0        1        2        3      4      5      6          7–116     117–226   227–336
 *   [T1 st.][T2 st.][T3 st.][T1 len][T2 len][T3 len][encode type][T1 data][T2 data][T3 data]
 *                                                                 110 B     110 B     110 B
 *
 * Encrypting readers (MagneSafe) — MagTek "MagneSafe V5 Communication
 * Reference Manual", P/N 99875475, "Card Data" (and the USB MagneSafe Swipe
 * Reader Technical Reference Manual, 99875206 family); 856 bytes or more:
 *
 *   0–2 T1–T3 decode status   3–5 T1–T3 encrypted data length   6 card encode type
 *   7–118 T1 encrypted (112)  119–230 T2 encrypted (112)        231–342 T3 encrypted (112)
 *   343 card status  344–347 MagnePrint status  348 MagnePrint length  349–476 MagnePrint (128)
 *   477–492 device serial number (16, NUL-terminated ASCII)  493–494 reader encryption status
 *   495–504 DUKPT KSN (10)   505–507 T1–T3 masked data length
 *   508–619 T1 masked (112)  620–731 T2 masked (112)          732–843 T3 masked (112)
 *   844–851 encrypted session ID  852–855 absolute data lengths
 *
 * Decode status: bit 0 set = the track held data that could not be decoded
 * (its length is then 0). Track data is ASCII from start sentinel to end
 * sentinel. An encrypted field holds the track (sentinels included) zero
 * padded to a multiple of 8 and TDES-CBC encrypted under the DUKPT data key;
 * its length byte counts the clear bytes.
 */

export const MAGTEK_VENDOR_ID = 0x0801; // MagTek, Inc.

export const DECODE_ERROR_BIT = 0x01; // decode status bit 0: the track could not be decoded

/** Card encode type (byte 6), 99875191 §4 "Card Encode Type". */
export const CARD_ENCODE_TYPES = {
  0: 'iso-aba',
  1: 'aamva',
  2: 'cadl',
  3: 'blank',
  4: 'other',
  5: 'undetermined',
  6: 'none',
} as const;
export type CardEncodeType = (typeof CARD_ENCODE_TYPES)[keyof typeof CARD_ENCODE_TYPES] | 'unknown';

export interface TrackField {
  /** Offset of the decode status byte. */
  readonly status: number;
  /** Offset of the length byte. */
  readonly length: number;
  /** Offset of the data field. */
  readonly data: number;
  readonly fieldBytes: number;
}

export interface ByteRange {
  readonly offset: number;
  readonly bytes: number;
}

export interface StandardLayout {
  readonly name: 'standard';
  readonly reportBytes: number;
  readonly encodeType: number;
  readonly tracks: readonly [TrackField, TrackField, TrackField];
}

export interface EncryptingLayout {
  readonly name: 'encrypting';
  /** The shortest report that holds every field below; longer firmware reports append fields. */
  readonly reportBytes: number;
  readonly encodeType: number;
  /** Encrypted fields; `length` counts clear bytes. */
  readonly tracks: readonly [TrackField, TrackField, TrackField];
  readonly cardStatus: number;
  readonly serialNumber: ByteRange;
  readonly encryptionStatus: ByteRange;
  readonly ksn: ByteRange;
  /** Masked fields (status shared with the encrypted ones). */
  readonly masked: readonly [TrackField, TrackField, TrackField];
}

/**
 * Tracks 1–3 as both layouts place them: decode statuses in bytes 0–2,
 * lengths in bytes 3–5, then the three data fields back to back from byte 7
 * (7, 117, 227 for 110-byte fields; 7, 119, 231 for 112-byte ones).
 */
function trackFields(fieldBytes: number): readonly [TrackField, TrackField, TrackField] {
  const track = (i: number): TrackField => ({ status: i, length: 3 + i, data: 7 + i * fieldBytes, fieldBytes });
  return [track(0), track(1), track(2)];
}

export const STANDARD_LAYOUT: StandardLayout = {
  name: 'standard',
  reportBytes: 337,
  encodeType: 6,
  tracks: trackFields(110),
};

export const ENCRYPTING_LAYOUT: EncryptingLayout = {
  name: 'encrypting',
  reportBytes: 856,
  encodeType: 6,
  tracks: trackFields(112),
  cardStatus: 343,
  serialNumber: { offset: 477, bytes: 16 },
  encryptionStatus: { offset: 493, bytes: 2 },
  ksn: { offset: 495, bytes: 10 },
  masked: [
    { status: 0, length: 505, data: 508, fieldBytes: 112 },
    { status: 1, length: 506, data: 620, fieldBytes: 112 },
    { status: 2, length: 507, data: 732, fieldBytes: 112 },
  ],
};

export const MAGTEK_LAYOUTS = { standard: STANDARD_LAYOUT, encrypting: ENCRYPTING_LAYOUT } as const;
export type MagtekLayoutName = keyof typeof MAGTEK_LAYOUTS;
/** `auto`: chosen per report by its length. */
export type MagtekLayoutChoice = MagtekLayoutName | 'auto';

export const TDES_BLOCK_BYTES = 8; // encrypted fields are whole TDES blocks

/** Bytes an encrypted field occupies for `clearBytes` of track data. */
export function encryptedBytes(clearBytes: number): number {
  return Math.ceil(clearBytes / TDES_BLOCK_BYTES) * TDES_BLOCK_BYTES;
}
