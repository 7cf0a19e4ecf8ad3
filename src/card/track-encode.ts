/**
 * Builds tracks 1 (format B) and 2 as ASCII readers send them (ISO/IEC 7813
 * sections 8 and 9, sentinels included, no LRC). Used by the virtual reader
 * and by tests; it does not validate — parse the result to check it.
 */
import {
  END_SENTINEL,
  TRACK1_FIELD_SEPARATOR,
  TRACK1_FORMAT_B,
  TRACK1_START_SENTINEL,
  TRACK2_FIELD_SEPARATOR,
  TRACK2_START_SENTINEL,
} from './track-chars.js';

export interface TrackFields {
  readonly pan: string;
  /** Track 1 name, `SURNAME/GIVEN`. */
  readonly name: string;
  /** YYMM. */
  readonly expiry: string;
  readonly serviceCode: string;
  readonly discretionary: string;
}

const char = (byte: number): string => String.fromCharCode(byte);

/** `%B<PAN>^<NAME>^<YYMM><SSS><discretionary>?` */
export function encodeTrack1(f: TrackFields): Buffer {
  const fs = char(TRACK1_FIELD_SEPARATOR);
  const text = `${char(TRACK1_START_SENTINEL)}${char(TRACK1_FORMAT_B)}${f.pan}${fs}${f.name}${fs}${f.expiry}${f.serviceCode}${f.discretionary}${char(END_SENTINEL)}`;
  return Buffer.from(text, 'latin1');
}

/** `;<PAN>=<YYMM><SSS><discretionary>?` */
export function encodeTrack2(f: Omit<TrackFields, 'name'>): Buffer {
  const text = `${char(TRACK2_START_SENTINEL)}${f.pan}${char(TRACK2_FIELD_SEPARATOR)}${f.expiry}${f.serviceCode}${f.discretionary}${char(END_SENTINEL)}`;
  return Buffer.from(text, 'latin1');
}
