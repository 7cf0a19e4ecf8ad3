/**
 * Track 2 (ISO/IEC 7813, section 9: track 2 format for financial transaction
 * cards):
 *
 *   ;<PAN ≤19>=<YYMM><SSS><discretionary…>?
 *
 * Accepts the line as ASCII readers send it (sentinels, no LRC) or only the
 * content between the sentinels, which is what ISO 8583 DE 35 carries.
 */
import {
  TRACK2_FIELD_SEPARATOR,
  TRACK2_FIRST_CHAR,
  TRACK2_LAST_CHAR,
  TRACK2_MAX_CHARS,
  TRACK2_START_SENTINEL,
  asBytes,
  trackMalformed,
} from './track-chars.js';
import { checkPanAt, copyTrackFields, indexOfByte, locateContent, readTrailingFields, type TrackFields, type TrackLayout } from './track-content.js';

const LAYOUT: TrackLayout = {
  track: 2,
  startSentinel: TRACK2_START_SENTINEL,
  maxChars: TRACK2_MAX_CHARS,
  firstChar: TRACK2_FIRST_CHAR,
  lastChar: TRACK2_LAST_CHAR,
};

/** Its content is `PAN=YYMMSSS…`, what ISO 8583 DE 35 carries. */
export type Track2 = TrackFields;

/**
 * Parses track 2. `baseOffset` is where `input` starts in a longer reader
 * line, so error offsets point into that line. Throws `CARD_TRACK_MALFORMED`,
 * `CARD_PAN_INVALID`, `CARD_PAN_LUHN` or `CARD_EXPIRY_INVALID`.
 */
export function parseTrack2(input: Uint8Array | string, baseOffset = 0): Track2 {
  const bytes = asBytes(input);
  const content = locateContent(bytes, LAYOUT, baseOffset);
  const { start, end } = content;
  const panEnd = indexOfByte(bytes, TRACK2_FIELD_SEPARATOR, start, end);
  if (panEnd < 0) throw trackMalformed(2, baseOffset + end, 'field-separator');
  checkPanAt(bytes, start, panEnd, 2);
  const fields = readTrailingFields(bytes, panEnd + 1, content, 2);
  // Copies only once nothing can throw, so a rejected track leaves no copy behind.
  return copyTrackFields(bytes, start, panEnd, fields, content);
}
