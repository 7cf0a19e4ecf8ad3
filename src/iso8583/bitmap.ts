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
  // The maps are read in place (each checked first, in wire order): no per-map
  // copy or hex string, since every message decode starts here.
  const hex = options.encoding !== 'binary';
  const width = hex ? HEX_BITMAP_CHARS : BITMAP_BYTES;
  checkMap(bytes, offset, hex, 'primary');
  let maps = 1;
  let end = offset + width;
  if ((mapByte(bytes, offset, 0, hex) & 0x80) !== 0) {
    checkMap(bytes, end, hex, 'secondary');
    const secondary = end;
    maps = 2;
    end += width;
    if (options.tertiary === true && (mapByte(bytes, secondary, (TERTIARY_BITMAP_BIT - BITS_PER_MAP - 1) >> 3, hex) & 0x80) !== 0) {
      checkMap(bytes, end, hex, 'tertiary');
      maps = 3;
      end += width;
    }
  }
  const fields: number[] = [];
  for (let m = 0; m < maps; m++) {
    const at = offset + m * width;
    for (let byte = 0; byte < BITMAP_BYTES; byte++) {
      const b = mapByte(bytes, at, byte, hex);
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

/** Throws unless a whole map (and, for `hex`, only hex digits) is at `offset`. */
function checkMap(bytes: Buffer, offset: number, hex: boolean, which: MapName): void {
  const width = hex ? HEX_BITMAP_CHARS : BITMAP_BYTES;
  if (offset + width > bytes.length) {
    throw new PosError('ISO8583_TRUNCATED', `The ${which} bitmap runs past the end of the message`, {
      field: 1,
      bitmap: which,
      offset,
      needed: width,
      available: Math.max(0, bytes.length - offset),
    });
  }
  if (!hex) return;
  for (let i = 0; i < width; i++) {
    if (!isHexDigit(bytes[offset + i] ?? 0)) {
      throw new PosError('ISO8583_BITMAP_INVALID', `The ${which} bitmap has a non-hex character`, { field: 1, bitmap: which, offset: offset + i });
    }
  }
}

/** Byte `i` of the checked map at `offset`: as is, or from its two hex digits. */
function mapByte(bytes: Buffer, offset: number, i: number, hex: boolean): number {
  if (!hex) return bytes[offset + i] ?? 0;
  return (hexValue(bytes[offset + 2 * i] ?? 0) << 4) | hexValue(bytes[offset + 2 * i + 1] ?? 0);
}

/** The value of a hex digit character already checked by `isHexDigit`. */
function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57; // '0'–'9'; 'a'–'f' (|0x20 folds 'A'–'F')
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
