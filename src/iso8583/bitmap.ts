/**
 * ISO 8583:1987 §4.2 bitmaps: bit 1 (the most significant bit of the first
 * byte) of the primary bitmap announces the secondary bitmap (DE 1), which
 * covers data elements 65–128. In a `hex` bitmap encoding each 64-bit map is
 * 16 hex characters:
 *
 *   [primary: 16 hex chars, bits 1–64][secondary: 16 hex chars, bits 65–128, only when bit 1 is set]
 */
import { PosError } from '../util/errors.js';
import { isHexDigit } from './charset.js';

/** Bytes in one bitmap. */
export const BITMAP_BYTES = 8;
/** Characters of one bitmap in the `hex` encoding. */
export const HEX_BITMAP_CHARS = BITMAP_BYTES * 2;
/** DE 1: the secondary bitmap's own bit in the primary. */
export const SECONDARY_BITMAP_BIT = 1;
export const MAX_FIELD = 128;

function setBit(map: Buffer, bit: number): void {
  const i = (bit - 1) >> 3;
  map[i] = (map[i] ?? 0) | (0x80 >> ((bit - 1) & 7));
}

function hasBit(map: Buffer, bit: number): boolean {
  return (((map[(bit - 1) >> 3] ?? 0) << ((bit - 1) & 7)) & 0x80) !== 0;
}

/**
 * The hex bitmap(s) for the given data element numbers (2–128, ascending
 * or not). Sets bit 1 and adds the secondary map when any is above 64.
 */
export function encodeHexBitmap(fieldNumbers: readonly number[]): string {
  const secondary = fieldNumbers.some((n) => n > 64);
  const map = Buffer.alloc(secondary ? 2 * BITMAP_BYTES : BITMAP_BYTES);
  if (secondary) setBit(map, SECONDARY_BITMAP_BIT);
  for (const n of fieldNumbers) setBit(map, n);
  return map.toString('hex').toUpperCase();
}

export interface DecodedBitmap {
  /** Data elements present, ascending, without DE 1. */
  readonly fields: readonly number[];
  /** Offset just past the bitmap(s). */
  readonly end: number;
}

/** Reads the hex bitmap(s) at `offset`. Errors name field 1 and the offending offset. */
export function decodeHexBitmap(bytes: Buffer, offset: number): DecodedBitmap {
  const primary = readHexMap(bytes, offset, 'primary');
  let end = offset + HEX_BITMAP_CHARS;
  let map = primary;
  if (hasBit(primary, SECONDARY_BITMAP_BIT)) {
    map = Buffer.concat([primary, readHexMap(bytes, end, 'secondary')]);
    end += HEX_BITMAP_CHARS;
  }
  const fields: number[] = [];
  for (let n = 2; n <= map.length * 8; n++) if (hasBit(map, n)) fields.push(n);
  return { fields, end };
}

function readHexMap(bytes: Buffer, offset: number, which: 'primary' | 'secondary'): Buffer {
  if (offset + HEX_BITMAP_CHARS > bytes.length) {
    throw new PosError('ISO8583_TRUNCATED', `The ${which} bitmap runs past the end of the message`, {
      field: 1,
      bitmap: which,
      offset,
      needed: HEX_BITMAP_CHARS,
      available: Math.max(0, bytes.length - offset),
    });
  }
  for (let i = 0; i < HEX_BITMAP_CHARS; i++) {
    if (!isHexDigit(bytes[offset + i] ?? 0)) {
      throw new PosError('ISO8583_BITMAP_INVALID', `The ${which} bitmap has a non-hex character`, { field: 1, bitmap: which, offset: offset + i });
    }
  }
  return Buffer.from(bytes.toString('latin1', offset, offset + HEX_BITMAP_CHARS), 'hex');
}
