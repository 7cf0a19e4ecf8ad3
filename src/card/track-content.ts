/**
 * The shared shape of ISO/IEC 7813 tracks 1 and 2: an optional pair of
 * sentinels around `<PAN><FS>…<FS><YYMM><service code><discretionary>`. This
 * module finds the content between the sentinels and reads the fields after
 * the last field separator; `track1.ts` and `track2.ts` hold what differs.
 */
import { PosError } from '../util/errors.js';
import { Sensitive } from '../util/sensitive.js';
import { parseExpiry } from './expiry.js';
import { checkPan } from './pan.js';
import {
  END_SENTINEL,
  EXPIRY_CHARS,
  SERVICE_CODE_CHARS,
  isDigit,
  trackMalformed,
  type TrackNumber,
} from './track-chars.js';
import type { Expiry } from './types.js';

export interface TrackLayout {
  readonly track: 1 | 2;
  readonly startSentinel: number;
  readonly maxChars: number;
  readonly firstChar: number;
  readonly lastChar: number;
}

/** Where the content lies in the input, and where the input lies in the reader line (for error offsets). */
export interface Content {
  readonly start: number;
  readonly end: number;
  readonly base: number;
}

/**
 * Accepts `<SS>content<ES>` or the bare content; checks length and character
 * set. Offsets in errors are `base` plus the index in `bytes`.
 */
export function locateContent(bytes: Buffer, layout: TrackLayout, base: number): Content {
  const { track } = layout;
  let start = 0;
  let end = bytes.length;
  if (bytes[0] === layout.startSentinel) {
    if (end < 2 || bytes[end - 1] !== END_SENTINEL) throw trackMalformed(track, base + end, 'end-sentinel');
    start = 1;
    end -= 1;
  } else if (end > 0 && bytes[end - 1] === END_SENTINEL) {
    throw trackMalformed(track, base, 'start-sentinel');
  }
  // The limit counts both sentinels and the LRC, whether or not this input has them.
  const chars = end - start + 3;
  if (chars > layout.maxChars) throw trackMalformed(track, base, 'max-length', { length: end - start, maxLength: layout.maxChars - 3 });
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b < layout.firstChar || b > layout.lastChar || b === END_SENTINEL || b === layout.startSentinel) {
      throw trackMalformed(track, base + i, 'charset');
    }
  }
  return { start, end, base };
}

export function indexOfByte(bytes: Buffer, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return i;
  return -1;
}

/** Checks the PAN digits at `[from, to)` where they lie (12–19 digits, Luhn), without copying them. */
export function checkPanAt(bytes: Buffer, from: number, to: number, track: 1 | 2): void {
  checkPan(bytes.subarray(from, to), { track });
}

/** A copy of `bytes[from, to)` held as `kind`: the caller wipes the wrapper (no text is ever made of it). */
export function sensitiveCopy(kind: 'pan' | 'track' | 'data', bytes: Buffer, from: number, to: number): Sensitive {
  const copy = Buffer.from(bytes.subarray(from, to));
  return kind === 'pan' ? Sensitive.pan(copy) : Sensitive.of(kind, copy);
}

export interface TrailingFields {
  readonly expiry: Expiry;
  readonly serviceCode: string;
  /** Start of the discretionary data (it runs to the content's end). */
  readonly discretionaryStart: number;
}

/** `<YYMM><SSS>` from `from`; the rest of the content is discretionary data. */
export function readTrailingFields(bytes: Buffer, from: number, content: Content, track: TrackNumber): TrailingFields {
  if (content.end - from < EXPIRY_CHARS + SERVICE_CODE_CHARS) throw trackMalformed(track, content.base + content.end, 'truncated');
  let expiry: Expiry;
  try {
    expiry = parseExpiry(bytes.toString('latin1', from, from + EXPIRY_CHARS));
  } catch (err) {
    if (err instanceof PosError) throw new PosError(err.code, err.message, { ...err.details, track, offset: content.base + from });
    throw err;
  }
  const serviceStart = from + EXPIRY_CHARS;
  for (let i = serviceStart; i < serviceStart + SERVICE_CODE_CHARS; i++) {
    if (!isDigit(bytes[i] as number)) throw trackMalformed(track, content.base + i, 'service-code');
  }
  return {
    expiry,
    serviceCode: bytes.toString('latin1', serviceStart, serviceStart + SERVICE_CODE_CHARS),
    discretionaryStart: serviceStart + SERVICE_CODE_CHARS,
  };
}

/** What tracks 1 and 2 both carry. */
export interface TrackFields {
  readonly pan: Sensitive;
  readonly expiry: Expiry;
  readonly serviceCode: string;
  /** Issuer data; may hold the card verification value. */
  readonly discretionary: Sensitive;
  /** Everything between the sentinels. */
  readonly content: Sensitive;
}

/**
 * The PAN at `[panStart, panEnd)` and the fields after it, copied out of
 * `bytes`. Call only once nothing can throw, so that a rejected track leaves
 * no copy behind.
 */
export function copyTrackFields(bytes: Buffer, panStart: number, panEnd: number, fields: TrailingFields, content: Content): TrackFields {
  return {
    pan: sensitiveCopy('pan', bytes, panStart, panEnd),
    expiry: fields.expiry,
    serviceCode: fields.serviceCode,
    discretionary: sensitiveCopy('data', bytes, fields.discretionaryStart, content.end),
    content: sensitiveCopy('track', bytes, content.start, content.end),
  };
}
