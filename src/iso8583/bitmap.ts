/**
 * ISO 8583:1987 §4.2 bitmaps: bit 1 (the most significant bit of the first
 * byte) of the primary bitmap announces the secondary bitmap (DE 1), which
 * covers data elements 65–128; in a dialect with a tertiary bitmap, bit 65
 * announces a third map for 129–192. Each 64-bit map is 8 bytes (`binary`)
 * or 16 hex characters (`hex`):
 *
 *   [primary: bits 1–64][secondary: bits 65–128, when bit 1][tertiary: bits 129–192, when bit 65]
 */
import { PosError } from '../util/errors.js';
import { isHexDigit } from './charset.js';
import type { BitmapEncoding } from './types.js';

/** Bytes in one bitmap. */
export const BITMAP_BYTES = 8;
/** Characters of one bitmap in the `hex` encoding. */
export const HEX_BITMAP_CHARS = BITMAP_BYTES * 2;
/** DE 1: the secondary bitmap's own bit in the primary. */
export const SECONDARY_BITMAP_BIT = 1;
/** DE 65: the tertiary bitmap's bit in the secondary, in dialects that have one. */
export const TERTIARY_BITMAP_BIT = 65;
export const MAX_FIELD = 128;
/** The last data element a tertiary bitmap covers. */
export const MAX_FIELD_TERTIARY = 192;
const BITS_PER_MAP = 64;

type MapName = 'primary' | 'secondary' | 'tertiary';

export interface BitmapOptions {
  readonly encoding: BitmapEncoding;
  /** Send the secondary map even when no field above 64 is present. */
  readonly alwaysSecondary?: boolean;
  /** Bit 65 announces a tertiary map (fields 129–192). */
  readonly tertiary?: boolean;
}

export interface DecodedBitmap {
  /** Data elements present, ascending, without DE 1 (and DE 65 when it announces a tertiary map). */
  readonly fields: readonly number[];
  /** Offset just past the bitmap(s). */
  readonly end: number;
}

function setBit(map: Buffer, bit: number): void {
  const i = (bit - 1) >> 3;
  map[i] = (map[i] ?? 0) | (0x80 >> ((bit - 1) & 7));
}

function hasBit(map: Buffer, bit: number): boolean {
  return (((map[(bit - 1) >> 3] ?? 0) << ((bit - 1) & 7)) & 0x80) !== 0;
}

/** The raw map bytes (8, 16 or 24) for the given data element numbers. */
export function bitmapBytes(fieldNumbers: readonly number[], options: Omit<BitmapOptions, 'encoding'> = {}): Buffer {
  let top = 0;
  for (const n of fieldNumbers) if (n > top) top = n;
  const maps = top > MAX_FIELD && options.tertiary === true ? 3 : top > BITS_PER_MAP || options.alwaysSecondary === true ? 2 : 1;
  const map = Buffer.alloc(maps * BITMAP_BYTES);
  if (maps >= 2) setBit(map, SECONDARY_BITMAP_BIT);
  if (maps === 3) setBit(map, TERTIARY_BITMAP_BIT);
  for (const n of fieldNumbers) setBit(map, n);
  return map;
}

/** The bitmap(s) as they go on the wire. */
export function encodeBitmap(fieldNumbers: readonly number[], options: BitmapOptions): Buffer {
  const map = bitmapBytes(fieldNumbers, options);
  return options.encoding === 'binary' ? map : Buffer.from(map.toString('hex').toUpperCase(), 'latin1');
}

/** Reads the bitmap(s) at `offset`. Errors name field 1, the map, and the offending offset. */
export function decodeBitmap(bytes: Buffer, offset: number, options: BitmapOptions): DecodedBitmap {
  const width = options.encoding === 'binary' ? BITMAP_BYTES : HEX_BITMAP_CHARS;
  const maps: Buffer[] = [readMap(bytes, offset, options.encoding, 'primary')];
  let end = offset + width;
  if (hasBit(maps[0] as Buffer, SECONDARY_BITMAP_BIT)) {
    const secondary = readMap(bytes, end, options.encoding, 'secondary');
    maps.push(secondary);
    end += width;
    if (options.tertiary === true && hasBit(secondary, TERTIARY_BITMAP_BIT - BITS_PER_MAP)) {
      maps.push(readMap(bytes, end, options.encoding, 'tertiary'));
      end += width;
    }
  }
  const fields: number[] = [];
  for (let m = 0; m < maps.length; m++) {
    const map = maps[m] as Buffer;
    for (let byte = 0; byte < BITMAP_BYTES; byte++) {
      const b = map[byte] ?? 0;
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((b & (0x80 >> bit)) === 0) continue;
        const n = m * BITS_PER_MAP + byte * 8 + bit + 1;
        if (n === SECONDARY_BITMAP_BIT || (n === TERTIARY_BITMAP_BIT && options.tertiary === true)) continue;
        fields.push(n);
      }
    }
  }
  return { fields, end };
}

function readMap(bytes: Buffer, offset: number, encoding: BitmapEncoding, which: MapName): Buffer {
  const width = encoding === 'binary' ? BITMAP_BYTES : HEX_BITMAP_CHARS;
  if (offset + width > bytes.length) {
    throw new PosError('ISO8583_TRUNCATED', `The ${which} bitmap runs past the end of the message`, {
      field: 1,
      bitmap: which,
      offset,
      needed: width,
      available: Math.max(0, bytes.length - offset),
    });
  }
  if (encoding === 'binary') return bytes.subarray(offset, offset + width);
  for (let i = 0; i < width; i++) {
    if (!isHexDigit(bytes[offset + i] ?? 0)) {
      throw new PosError('ISO8583_BITMAP_INVALID', `The ${which} bitmap has a non-hex character`, { field: 1, bitmap: which, offset: offset + i });
    }
  }
  return Buffer.from(bytes.toString('latin1', offset, offset + width), 'hex');
}

/**
 * The hex bitmap(s) for the given data element numbers (2–128, ascending
 * or not). Sets bit 1 and adds the secondary map when any is above 64.
 */
export function encodeHexBitmap(fieldNumbers: readonly number[]): string {
  return encodeBitmap(fieldNumbers, { encoding: 'hex' }).toString('latin1');
}

/** Reads the hex bitmap(s) at `offset`. Errors name field 1 and the offending offset. */
export function decodeHexBitmap(bytes: Buffer, offset: number): DecodedBitmap {
  return decodeBitmap(bytes, offset, { encoding: 'hex' });
}
