/**
 * Track 1, format B (ISO/IEC 7813, section 8: track 1 format for financial
 * transaction cards):
 *
 *   %B<PAN ≤19>^<NAME 2–26>^<YYMM><SSS><discretionary…>?
 *
 * Accepts the line as ASCII readers send it (sentinels, no LRC) or only the
 * content between the sentinels.
 */
import type { Sensitive } from '../util/sensitive.js';
import {
  NAME_MAX_CHARS,
  NAME_MIN_CHARS,
  TRACK1_FIELD_SEPARATOR,
  TRACK1_FIRST_CHAR,
  TRACK1_FORMAT_B,
  TRACK1_LAST_CHAR,
  TRACK1_MAX_CHARS,
  TRACK1_START_SENTINEL,
  asBytes,
  trackMalformed,
} from './track-chars.js';
import { checkPanAt, copyTrackFields, indexOfByte, locateContent, readTrailingFields, sensitiveCopy, type TrackFields, type TrackLayout } from './track-content.js';

const LAYOUT: TrackLayout = {
  track: 1,
  startSentinel: TRACK1_START_SENTINEL,
  maxChars: TRACK1_MAX_CHARS,
  firstChar: TRACK1_FIRST_CHAR,
  lastChar: TRACK1_LAST_CHAR,
};

export interface Track1 extends TrackFields {
  /** `SURNAME/GIVEN` as encoded (cardholder data). */
  readonly name: Sensitive;
}

/**
 * Parses track 1. `baseOffset` is where `input` starts in a longer reader
 * line, so error offsets point into that line. Throws `CARD_TRACK_MALFORMED`,
 * `CARD_PAN_INVALID`, `CARD_PAN_LUHN` or `CARD_EXPIRY_INVALID`.
 */
export function parseTrack1(input: Uint8Array | string, baseOffset = 0): Track1 {
  const bytes = asBytes(input);
  const content = locateContent(bytes, LAYOUT, baseOffset);
  const { start, end } = content;
  if (bytes[start] !== TRACK1_FORMAT_B) throw trackMalformed(1, baseOffset + start, 'format-code');
  const panEnd = indexOfByte(bytes, TRACK1_FIELD_SEPARATOR, start + 1, end);
  if (panEnd < 0) throw trackMalformed(1, baseOffset + end, 'field-separator');
  const nameEnd = indexOfByte(bytes, TRACK1_FIELD_SEPARATOR, panEnd + 1, end);
  if (nameEnd < 0) throw trackMalformed(1, baseOffset + end, 'field-separator');
  const nameLength = nameEnd - panEnd - 1;
  if (nameLength < NAME_MIN_CHARS || nameLength > NAME_MAX_CHARS) {
    throw trackMalformed(1, baseOffset + panEnd + 1, 'name-length', { length: nameLength });
  }
  checkPanAt(bytes, start + 1, panEnd, 1);
  const fields = readTrailingFields(bytes, nameEnd + 1, content, 1);
  // Copies only once nothing can throw, so a rejected track leaves no copy behind.
  return { ...copyTrackFields(bytes, start + 1, panEnd, fields, content), name: sensitiveCopy('data', bytes, panEnd + 1, nameEnd) };
}
