/**
 * Characters of the ISO/IEC 7813 track formats as ASCII serial readers send
 * them (ISO/IEC 7811-2 character sets: track 1 is six-bit alphanumeric,
 * 0x20–0x5F; track 2 is four-bit-plus-parity numeric, 0x30–0x3F).
 * Limits count the sentinels and the LRC the stripe holds; ASCII readers drop
 * the LRC, so a line one character short of the limit is the longest real one.
 */
import { PosError } from '../util/errors.js';

export const TRACK1_START_SENTINEL = 0x25; // %
export const TRACK1_FORMAT_B = 0x42; // B (format code: financial institutions)
export const TRACK1_FIELD_SEPARATOR = 0x5e; // ^
export const TRACK2_START_SENTINEL = 0x3b; // ;
export const TRACK2_FIELD_SEPARATOR = 0x3d; // =
/** Track 3 start sentinel used by some readers instead of `;`. */
export const TRACK3_ALT_START_SENTINEL = 0x2b; // +
export const END_SENTINEL = 0x3f; // ?
/** What readers send between the sentinels for a track they could not read: `%E?`, `;E?`. */
export const READ_ERROR_MARK = 0x45; // E

export const TRACK1_FIRST_CHAR = 0x20; // space
export const TRACK1_LAST_CHAR = 0x5f; // _
export const TRACK2_FIRST_CHAR = 0x30; // 0
export const TRACK2_LAST_CHAR = 0x3f; // ?

/** ISO/IEC 7813: track 1 holds at most 79 characters, sentinels and LRC included. */
export const TRACK1_MAX_CHARS = 79;
/** ISO/IEC 7813: track 2 holds at most 40 characters, sentinels and LRC included. */
export const TRACK2_MAX_CHARS = 40;
/** ISO 4909: track 3 holds at most 107 characters. */
export const TRACK3_MAX_CHARS = 107;
/** ISO/IEC 7813 track 1 name field: 2 to 26 characters. */
export const NAME_MIN_CHARS = 2;
export const NAME_MAX_CHARS = 26;
/** YYMM. */
export const EXPIRY_CHARS = 4;
export const SERVICE_CODE_CHARS = 3;

export type TrackNumber = 1 | 2 | 3;

/** Why a track was rejected; stable strings, used in error details and tests. */
export type TrackRule =
  | 'start-sentinel'
  | 'end-sentinel'
  | 'max-length'
  | 'charset'
  | 'format-code'
  | 'field-separator'
  | 'name-length'
  | 'truncated'
  | 'service-code';

export function trackMalformed(track: TrackNumber, offset: number, rule: TrackRule, extra: Record<string, number> = {}): PosError {
  return new PosError('CARD_TRACK_MALFORMED', `Track ${track} malformed at offset ${offset}: ${rule}`, { track, offset, rule, ...extra });
}

const ZERO = 0x30; // 0
const NINE = 0x39; // 9

export function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/** The input as bytes, without copying a Uint8Array. */
export function asBytes(input: Uint8Array | string): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}
