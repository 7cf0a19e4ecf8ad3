/**
 * Parses one MagTek input report (layouts in `report-layout.ts`; MagTek
 * 99875191 §4 "Card Data", 99875475 "Card Data") into its fields. Pure: no
 * I/O, no clock. Returns views into `report`; the caller owns and wipes it.
 * Never throws anything but a `PosError` whose details hold lengths, offsets
 * and field names, never report bytes.
 */
import { PosError } from '../../src/util/errors.js';
import {
  CARD_ENCODE_TYPES,
  DECODE_ERROR_BIT,
  ENCRYPTING_LAYOUT,
  STANDARD_LAYOUT,
  encryptedBytes,
  type ByteRange,
  type CardEncodeType,
  type MagtekLayoutChoice,
  type TrackField,
} from './report-layout.js';

export type TrackNumber = 1 | 2 | 3;

export interface TrackRead {
  readonly track: TrackNumber;
  /** `error`: the reader saw data it could not decode; `empty`: nothing on the track. */
  readonly status: 'ok' | 'empty' | 'error';
  /** The track bytes (sentinels included; for an encrypted field, whole TDES blocks). Empty unless `ok`. */
  readonly data: Buffer;
  /** Clear bytes the field stands for (equals `data.length` for clear fields). */
  readonly clearBytes: number;
}

export type TrackTriple = readonly [TrackRead, TrackRead, TrackRead];

export interface StandardReport {
  readonly layout: 'standard';
  readonly encodeType: CardEncodeType;
  readonly tracks: TrackTriple;
}

export interface EncryptingReport {
  readonly layout: 'encrypting';
  readonly encodeType: CardEncodeType;
  readonly encrypted: TrackTriple;
  readonly masked: TrackTriple;
  readonly ksn: Buffer;
  readonly serialNumber: string;
  readonly encryptionStatus: number;
}

export type MagtekReport = StandardReport | EncryptingReport;

/** Report lengths each layout accepts, for `HID_REPORT_LENGTH` details. */
export const MAGTEK_REPORT_LENGTHS = [STANDARD_LAYOUT.reportBytes, ENCRYPTING_LAYOUT.reportBytes] as const;

export function parseMagtekReport(report: Buffer, choice: MagtekLayoutChoice = 'auto'): MagtekReport {
  const layout = choice === 'auto' ? layoutByLength(report.length) : choice;
  if (layout === 'standard' && report.length === STANDARD_LAYOUT.reportBytes) {
    const encodeType = encodeTypeOf(report[STANDARD_LAYOUT.encodeType] as number);
    const [t1, t2, t3] = STANDARD_LAYOUT.tracks;
    return { layout, encodeType, tracks: [clearTrack(report, t1, 1), clearTrack(report, t2, 2), clearTrack(report, t3, 3)] };
  }
  if (layout === 'encrypting' && report.length >= ENCRYPTING_LAYOUT.reportBytes) {
    const L = ENCRYPTING_LAYOUT;
    const [e1, e2, e3] = L.tracks;
    const [m1, m2, m3] = L.masked;
    return {
      layout,
      encodeType: encodeTypeOf(report[L.encodeType] as number),
      encrypted: [encryptedTrack(report, e1, 1), encryptedTrack(report, e2, 2), encryptedTrack(report, e3, 3)],
      masked: [clearTrack(report, m1, 1), clearTrack(report, m2, 2), clearTrack(report, m3, 3)],
      ksn: range(report, L.ksn),
      serialNumber: asciiz(range(report, L.serialNumber)),
      encryptionStatus: report.readUInt16BE(L.encryptionStatus.offset),
    };
  }
  throw new PosError('HID_REPORT_LENGTH', `A MagTek input report of ${report.length} bytes fits no ${choice} layout`, {
    lengthBytes: report.length,
    expected: layout === 'standard' ? [STANDARD_LAYOUT.reportBytes] : layout === 'encrypting' ? [ENCRYPTING_LAYOUT.reportBytes] : [...MAGTEK_REPORT_LENGTHS],
    layout: choice,
  });
}

function layoutByLength(length: number): 'standard' | 'encrypting' | 'none' {
  if (length === STANDARD_LAYOUT.reportBytes) return 'standard';
  if (length >= ENCRYPTING_LAYOUT.reportBytes) return 'encrypting';
  return 'none';
}

function encodeTypeOf(byte: number): CardEncodeType {
  return byte in CARD_ENCODE_TYPES ? CARD_ENCODE_TYPES[byte as keyof typeof CARD_ENCODE_TYPES] : 'unknown';
}

function clearTrack(report: Buffer, field: TrackField, track: TrackNumber): TrackRead {
  const length = report[field.length] as number;
  return trackRead(report, field, track, length, length);
}

function encryptedTrack(report: Buffer, field: TrackField, track: TrackNumber): TrackRead {
  const clearBytes = report[field.length] as number;
  return trackRead(report, field, track, encryptedBytes(clearBytes), clearBytes);
}

function trackRead(report: Buffer, field: TrackField, track: TrackNumber, bytes: number, clearBytes: number): TrackRead {
  if (((report[field.status] as number) & DECODE_ERROR_BIT) !== 0) return { track, status: 'error', data: report.subarray(0, 0), clearBytes: 0 };
  if (bytes > field.fieldBytes) {
    throw new PosError('HID_REPORT_MALFORMED', `Track ${track} length ${bytes} exceeds its ${field.fieldBytes}-byte field`, {
      field: `track${track}Length`,
      offset: field.length,
      lengthBytes: bytes,
      fieldBytes: field.fieldBytes,
    });
  }
  if (bytes === 0) return { track, status: 'empty', data: report.subarray(0, 0), clearBytes: 0 };
  return { track, status: 'ok', data: report.subarray(field.data, field.data + bytes), clearBytes };
}

function range(report: Buffer, r: ByteRange): Buffer {
  return report.subarray(r.offset, r.offset + r.bytes);
}

function asciiz(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes
    .subarray(0, end < 0 ? bytes.length : end)
    .toString('latin1')
    .replace(/[^ -~]/g, '?');
}
