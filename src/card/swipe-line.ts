/**
 * One line from an ASCII serial magstripe reader, turned into a card
 * (ISO/IEC 7813 tracks 1 and 2; track 3 per ISO 4909 is skipped unread).
 *
 *   [%…? track 1][;…? track 2][;…? or +…? track 3]   (the CR is the driver's)
 *
 * Each track is optional on the wire; readers send `%E?` / `;E?` for a track
 * they could not read. Track 2 is required: it is what the host receives
 * (ISO 8583 DE 35) and the only track every card has. When track 1 is also
 * present it must be well formed and agree with track 2 on PAN, expiry and
 * service code, or the swipe is rejected — a mismatch means a misread or a
 * tampered card, and the cashier simply swipes again.
 *
 * No clock here: an expired card parses; the engine checks `isExpired`.
 */
import { PosError } from '../util/errors.js';
import { brandOf } from './brand.js';
import { sameExpiry } from './expiry.js';
import {
  END_SENTINEL,
  READ_ERROR_MARK,
  TRACK1_START_SENTINEL,
  TRACK2_START_SENTINEL,
  TRACK3_ALT_START_SENTINEL,
  TRACK3_MAX_CHARS,
  asBytes,
  trackMalformed,
  type TrackNumber,
} from './track-chars.js';
import { indexOfByte } from './track-content.js';
import { parseTrack1, type Track1 } from './track1.js';
import { parseTrack2 } from './track2.js';
import type { MagstripeCard } from './types.js';

interface Segment {
  readonly track: TrackNumber;
  /** Offset of the start sentinel in the line. */
  readonly start: number;
  /** Offset one past the end sentinel. */
  readonly end: number;
  /** The reader sent `E` in place of the data. */
  readonly unreadable: boolean;
}

/** Splits a reader line into its sentinel-delimited tracks; bytes outside any track make the swipe unreadable. */
export function splitSwipeLine(line: Uint8Array | string): Segment[] {
  const bytes = asBytes(line);
  const segments: Segment[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const seen = new Set(segments.map((s) => s.track));
    let track: TrackNumber | undefined;
    if (b === TRACK1_START_SENTINEL && seen.size === 0) track = 1;
    else if (b === TRACK2_START_SENTINEL && !seen.has(2) && !seen.has(3)) track = 2;
    else if ((b === TRACK2_START_SENTINEL || b === TRACK3_ALT_START_SENTINEL) && !seen.has(3)) track = 3;
    if (track === undefined) {
      throw new PosError('CARD_SWIPE_UNREADABLE', `Unreadable swipe: byte at offset ${i} belongs to no track`, { offset: i, rule: 'outside-track' });
    }
    const close = indexOfByte(bytes, END_SENTINEL, i + 1, bytes.length);
    if (close < 0) throw trackMalformed(track, bytes.length, 'end-sentinel');
    if (track === 3 && close + 1 - i > TRACK3_MAX_CHARS) throw trackMalformed(3, i, 'max-length', { length: close + 1 - i });
    segments.push({ track, start: i, end: close + 1, unreadable: close === i + 2 && bytes[i + 1] === READ_ERROR_MARK });
    i = close + 1;
  }
  return segments;
}

/**
 * Parses a whole reader line into a `MagstripeCard`. Throws a `PosError`
 * (`CARD_*`) whose details hold offsets, track numbers and rules only.
 * The caller owns `line` and wipes it; the card's `Sensitive` fields are
 * copies the caller wipes with `wipeCard` when done.
 */
export function parseSwipeLine(line: Uint8Array | string): MagstripeCard {
  const bytes = asBytes(line);
  const segments = splitSwipeLine(bytes);
  const t1 = segments.find((s) => s.track === 1);
  const t2 = segments.find((s) => s.track === 2);
  if (t2 === undefined) {
    throw new PosError('CARD_TRACK_MISSING', 'The swipe holds no track 2', { present: segments.map((s) => s.track) });
  }
  if (t2.unreadable) {
    throw new PosError('CARD_SWIPE_UNREADABLE', 'The reader could not read track 2', { track: 2, offset: t2.start, rule: 'reader-error' });
  }
  const track2 = parseTrack2(bytes.subarray(t2.start, t2.end), t2.start);
  let track1: Track1 | undefined;
  try {
    if (t1 !== undefined && !t1.unreadable) track1 = parseTrack1(bytes.subarray(t1.start, t1.end), t1.start);
    if (track1 !== undefined) {
      const disagree = [
        ...(track1.pan.equals(track2.pan) ? [] : ['pan']),
        ...(sameExpiry(track1.expiry, track2.expiry) ? [] : ['expiry']),
        ...(track1.serviceCode === track2.serviceCode ? [] : ['serviceCode']),
      ];
      if (disagree.length > 0) {
        throw new PosError('CARD_TRACKS_DISAGREE', `Track 1 and track 2 disagree on ${disagree.join(', ')}`, { fields: disagree });
      }
    }
  } catch (err) {
    wipeAll(track2.pan, track2.content, track2.discretionary, track1?.pan, track1?.content, track1?.discretionary, track1?.name);
    throw err;
  }
  const brand = brandOf(track2.pan.reveal());
  track2.discretionary.wipe();
  track1?.pan.wipe();
  track1?.discretionary.wipe();
  return {
    pan: track2.pan,
    expiry: track2.expiry,
    serviceCode: track2.serviceCode,
    brand,
    track2: track2.content,
    ...(track1 === undefined ? {} : { track1: track1.content, cardholderName: track1.name }),
  };
}

function wipeAll(...values: ({ wipe(): void } | undefined)[]): void {
  for (const v of values) v?.wipe();
}

/** Zeroes every sensitive field of a card once the transaction no longer needs it. */
export function wipeCard(card: MagstripeCard): void {
  wipeAll(card.pan, card.track2, card.track1, card.cardholderName);
}
