/**
 * ISO 8583:1987 §4.1 one data element on the wire: an optional length
 * prefix, then the content.
 *
 *   fixed:   [content: spec.length units]
 *   llvar:   [L L][content: 0–99 units]        (prefix encodings: length-prefix.ts)
 *   lllvar:  [L L L][content: 0–999 units]
 *   llllvar: [L L L L][content: 0–9999 units]
 *
 * A unit is a character (or digit) for text formats and a byte for `b`. How
 * units become bytes is the field's encoding:
 *
 *   ascii   "0200" → 30 32 30 30          b 12 AB → "12AB" → 31 32 41 42
 *   ebcdic  "0200" → F0 F2 F0 F0          b 12 AB → "12AB" → F1 F2 C1 C2
 *   bcd     "0200" → 02 00                "123" → 01 23 (left) or 12 3F (right)
 *   binary                                b 12 AB → 12 AB
 *
 * Errors carry the field number and an absolute offset in the message, never
 * the content.
 */
import { PosError } from '../util/errors.js';
import { Sensitive } from '../util/sensitive.js';
import { bcdBytes, packBcd, unpackBcd } from './bcd.js';
import { firstBadByte, firstBadChar, isHexDigit } from './charset.js';
import { fromEbcdic, toEbcdic, toEbcdicBytes } from './ebcdic.js';
import { prefixBytes, readPrefix, writePrefix } from './length-prefix.js';
import type { BcdPadding, FieldInput, FieldSpec, FieldValue, PrefixEncoding, TextFormat } from './types.js';

export { PREFIX_DIGITS } from './length-prefix.js';

/** Characters a hex-carried `b` unit (one byte) takes on the wire. */
const HEX_CHARS_PER_BYTE = 2;
const LETTER_C = 0x43; // 'C', credit sign of x+n
const LETTER_D = 0x44; // 'D', debit sign of x+n
/** Up to this many bytes a binary value is copied byte by byte (measured: ~2x faster than Buffer#copy at 8 bytes, slower at 100). */
const SMALL_COPY_BYTES = 16;

export interface DecodedField {
  readonly value: FieldValue;
  /** Offset just past the field. */
  readonly end: number;
}

/** The prefix encoding a field uses: its own, or the one that goes with its content encoding. */
export function prefixEncodingOf(spec: FieldSpec): PrefixEncoding {
  return spec.prefixEncoding ?? (spec.encoding === 'ascii' || spec.encoding === 'ebcdic' ? spec.encoding : 'bcd');
}

/**
 * Whether the field's format can travel in its encoding: text as ASCII or
 * EBCDIC, `n`/`z`/`x+n` also as BCD, `b` as hex text or raw bytes.
 */
export function isValidSpec(spec: FieldSpec): boolean {
  switch (spec.format) {
    case 'b':
      return spec.encoding !== 'bcd';
    case 'an':
    case 'ans':
      return spec.encoding === 'ascii' || spec.encoding === 'ebcdic';
    case 'n':
    case 'z':
    case 'xn':
      return spec.encoding !== 'binary';
  }
}

/** Bytes the content of `units` units takes. */
export function contentBytes(spec: FieldSpec, units: number): number {
  if (spec.format === 'b') return spec.encoding === 'binary' ? units : units * HEX_CHARS_PER_BYTE;
  if (spec.encoding !== 'bcd') return units;
  if (spec.format === 'xn') return units === 0 ? 0 : 1 + bcdBytes(units - 1);
  return bcdBytes(units);
}

/** The field's bytes (prefix and content) to be written at message offset `offset`. */
export function encodeField(field: number, fieldSpec: FieldSpec, value: FieldInput, offset: number): Buffer {
  const spec = carrierOf(fieldSpec);
  const out = Buffer.allocUnsafe(encodedFieldBytes(field, spec, value, offset));
  writeField(spec, value, out, 0);
  return out;
}

/**
 * Checks `value` for the field (the checks and errors of `encodeField`, at
 * message offset `offset`) and returns the bytes it takes with its prefix.
 * The message encoder sizes every field first, then writes them all into one
 * buffer (`writeField`) instead of a buffer a field and a concat.
 */
export function encodedFieldBytes(field: number, spec: Carrier, value: FieldInput, offset: number): number {
  const { valid, prefixSize } = spec;
  if (!valid) checkSpec(field, spec, offset);
  if (value instanceof Sensitive) return prefixSize + contentBytes(spec, checkedSensitiveUnits(field, spec, value.reveal(), offset));
  if (spec.format === 'b') {
    if (typeof value === 'string') {
      throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is binary and takes bytes, not text`, { field, offset, expected: 'bytes' });
    }
  } else if (typeof value !== 'string') {
    throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is text (${spec.format}) and takes a string, not bytes`, { field, offset, expected: 'text' });
  }
  const units = value.length;
  checkLength(field, spec, units, offset);
  if (typeof value === 'string') {
    const bad = firstBadChar(spec.format as TextFormat, value);
    if (bad >= 0) throw badChar(field, spec, offset + prefixSize + unitOffset(spec, units, bad));
  }
  return prefixSize + contentBytes(spec, units);
}

/** Writes a value `encodedFieldBytes` accepted (prefix and content) at `out[at]`. */
export function writeField(spec: Carrier, value: FieldInput, out: Buffer, at: number): void {
  const content = value instanceof Sensitive ? value.reveal() : value;
  writePrefix(content.length, spec.lengthType, spec.prefixEncoding, out, at);
  if (value instanceof Sensitive && spec.format !== 'b') writeTextBytes(spec, value.reveal(), out, at + spec.prefixSize);
  else writeContent(spec, content, out, at + spec.prefixSize);
}

/**
 * A `Sensitive` value's units (bytes), checked as `encodedFieldBytes` checks
 * any value: its length, and for a text format its characters, read as ASCII.
 */
function checkedSensitiveUnits(field: number, spec: Carrier, bytes: Buffer, offset: number): number {
  const units = bytes.length;
  checkLength(field, spec, units, offset);
  if (spec.format !== 'b') {
    const bad = firstBadByte(spec.format, bytes, 0, units);
    if (bad >= 0) throw badChar(field, spec, offset + spec.prefixSize + unitOffset(spec, units, bad));
  }
  return units;
}

/** A text field's characters given as ASCII bytes, written in the field's encoding without a string in between. */
function writeTextBytes(spec: FieldSpec, text: Uint8Array, out: Buffer, at: number): void {
  if (spec.encoding === 'ascii') {
    out.set(text, at);
  } else if (spec.encoding === 'ebcdic') {
    toEbcdicBytes(text, out, at);
  } else if (spec.format === 'xn') {
    if (text.length === 0) return;
    out[at] = text[0] as number;
    packBcd(text.subarray(1), 'left', out, at + 1);
  } else {
    packBcd(text, spec.padding ?? 'left', out, at);
  }
}

/**
 * A spec normalised to one object shape (every optional member present), so
 * the hot paths read monomorphic objects whatever shape the dialect's data has.
 */
export interface Carrier extends FieldSpec {
  readonly prefixEncoding: PrefixEncoding;
  readonly padding: BcdPadding;
  readonly valid: boolean;
  readonly prefixSize: number;
}

/** What each spec object implies, worked out once (specs are immutable data). */
const CARRIERS = new WeakMap<FieldSpec, Carrier>();

export function carrierOf(spec: FieldSpec): Carrier {
  let c = CARRIERS.get(spec);
  if (c === undefined) {
    const prefixEncoding = prefixEncodingOf(spec);
    c = {
      length: spec.length,
      lengthType: spec.lengthType,
      format: spec.format,
      encoding: spec.encoding,
      description: spec.description,
      prefixEncoding,
      padding: spec.padding ?? 'left',
      valid: isValidSpec(spec),
      prefixSize: prefixBytes(spec.lengthType, prefixEncoding),
    };
    CARRIERS.set(spec, c);
  }
  return c;
}

/**
 * Reads the field at `offset` of `bytes`. `latin1`, when given, is the whole
 * of `bytes` as a latin1 string: text fields are then cut from it instead of
 * each costing a native conversion (the message decoder passes it).
 */
export function decodeField(field: number, fieldSpec: FieldSpec, bytes: Buffer, offset: number, latin1?: string): DecodedField {
  const spec = carrierOf(fieldSpec);
  const units = readUnits(field, spec, bytes, offset);
  const start = offset + spec.prefixSize;
  const size = contentBytes(spec, units);
  need(field, bytes, start, size, 'content');
  return { value: readContent(field, spec, bytes, start, size, units, latin1), end: start + size };
}

/**
 * The message decoder's step: `decodeField` (same checks, same errors) with
 * the value stored in `slots[field]` and the end offset returned, so that a
 * message of twenty fields costs no result object per field.
 */
export function decodeFieldInto(field: number, spec: Carrier, bytes: Buffer, offset: number, latin1: string, slots: (FieldValue | undefined)[]): number {
  const units = readUnits(field, spec, bytes, offset);
  const start = offset + spec.prefixSize;
  const size = contentBytes(spec, units);
  need(field, bytes, start, size, 'content');
  slots[field] = readContent(field, spec, bytes, start, size, units, latin1);
  return start + size;
}

/** The field's length in units: fixed, or read from its prefix and checked against the maximum. */
function readUnits(field: number, spec: Carrier, bytes: Buffer, offset: number): number {
  const { valid, prefixEncoding, prefixSize } = spec;
  if (!valid) checkSpec(field, spec, offset);
  if (prefixSize === 0) return spec.length;
  need(field, bytes, offset, prefixSize, 'length prefix');
  const units = readPrefix(field, spec.lengthType, prefixEncoding, bytes, offset);
  if (units > spec.length) {
    throw new PosError('ISO8583_FIELD_TOO_LONG', `Field ${field} announces ${units}; its maximum is ${spec.length}`, {
      field,
      offset,
      length: units,
      max: spec.length,
    });
  }
  return units;
}

/** Offset within the content of the byte that holds unit `i` of a value `units` long. */
function unitOffset(spec: FieldSpec, units: number, i: number): number {
  if (spec.encoding !== 'bcd') return i;
  if (spec.format === 'xn') return i === 0 ? 0 : 1 + ((i - 1 + ((units - 1) & 1)) >> 1);
  const shift = units & 1 && (spec.padding ?? 'left') === 'left' ? 1 : 0;
  return (i + shift) >> 1;
}

function writeContent(spec: FieldSpec, value: FieldValue, out: Buffer, at: number): void {
  if (typeof value !== 'string') {
    if (spec.encoding === 'binary') value.copy(out, at);
    else if (spec.encoding === 'ascii') writeAsciiHex(value, out, at);
    else writeText(spec, value.toString('hex').toUpperCase(), out, at);
    return;
  }
  if (spec.encoding !== 'bcd') {
    writeText(spec, value, out, at);
  } else if (spec.format === 'xn') {
    if (value.length === 0) return;
    out[at] = value.charCodeAt(0);
    packBcd(value.slice(1), 'left', out, at + 1);
  } else {
    packBcd(value, spec.padding ?? 'left', out, at);
  }
}

/** Uppercase ASCII hex digits by nibble value. */
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/** `bytes` as uppercase ASCII hex at `out[at]`, without building the hex string first (DE 55 is ~100+ bytes). */
function writeAsciiHex(bytes: Uint8Array, out: Buffer, at: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out[at + 2 * i] = HEX_DIGITS[b >> 4] as number;
    out[at + 2 * i + 1] = HEX_DIGITS[b & 0x0f] as number;
  }
}

function writeText(spec: FieldSpec, text: string, out: Buffer, at: number): void {
  if (spec.encoding === 'ebcdic') (toEbcdic(text) as Buffer).copy(out, at);
  else out.write(text, at, 'latin1');
}

function readText(field: number, spec: FieldSpec, bytes: Buffer, start: number, size: number): string {
  if (spec.encoding !== 'ebcdic') return bytes.toString('latin1', start, start + size);
  const text = fromEbcdic(bytes, start, start + size);
  if (typeof text === 'number') throw badChar(field, spec, start + text);
  return text;
}

function readContent(field: number, spec: FieldSpec, bytes: Buffer, start: number, size: number, units: number, latin1: string | undefined): FieldValue {
  if (spec.format === 'b') {
    if (spec.encoding === 'binary') {
      const out = Buffer.allocUnsafe(size);
      // A PIN block or MAC is a few bytes: a plain loop beats Buffer#copy's argument handling there.
      if (size <= SMALL_COPY_BYTES) for (let i = 0; i < size; i++) out[i] = bytes[start + i] as number;
      else bytes.copy(out, 0, start, start + size);
      return out;
    }
    const text = readText(field, spec, bytes, start, size);
    for (let i = 0; i < size; i++) {
      if (!isHexDigit(text.charCodeAt(i))) {
        throw new PosError('ISO8583_FIELD_CHARSET', `Field ${field} is binary carried as hex and has a non-hex character`, { field, offset: start + i, format: 'b' });
      }
    }
    return Buffer.from(text, 'hex');
  }
  if (spec.encoding === 'bcd') return readBcd(field, spec, bytes, start, units);
  if (spec.encoding === 'ascii') {
    const bad = firstBadByte(spec.format, bytes, start, start + size);
    if (bad >= 0) throw badChar(field, spec, start + bad);
    return latin1 !== undefined ? latin1.slice(start, start + size) : bytes.toString('latin1', start, start + size);
  }
  const text = readText(field, spec, bytes, start, size);
  const bad = firstBadChar(spec.format, text);
  if (bad >= 0) throw badChar(field, spec, start + bad);
  return text;
}

function readBcd(field: number, spec: FieldSpec, bytes: Buffer, start: number, units: number): string {
  if (spec.format === 'xn') {
    if (units === 0) return '';
    const sign = bytes[start] ?? 0;
    if (sign !== LETTER_C && sign !== LETTER_D) throw badChar(field, spec, start);
    const digits = unpackBcd(bytes, start + 1, units - 1, 'left', false);
    if (typeof digits !== 'string') throw badChar(field, spec, start + 1 + (digits.bad >> 1));
    return String.fromCharCode(sign) + digits;
  }
  const text = unpackBcd(bytes, start, units, spec.padding ?? 'left', spec.format === 'z');
  if (typeof text !== 'string') throw badChar(field, spec, start + (text.bad >> 1));
  return text;
}

function checkSpec(field: number, spec: FieldSpec, offset: number): void {
  if (isValidSpec(spec)) return;
  throw new PosError('ISO8583_DIALECT_INVALID', `Field ${field}'s format ${spec.format} cannot be carried in ${spec.encoding}`, {
    field,
    offset,
    format: spec.format,
    encoding: spec.encoding,
  });
}

function checkLength(field: number, spec: FieldSpec, units: number, offset: number): void {
  if (units > spec.length) {
    throw new PosError('ISO8583_FIELD_TOO_LONG', `Field ${field} is ${units} long; its maximum is ${spec.length}`, {
      field,
      offset,
      length: units,
      max: spec.length,
    });
  }
  if (spec.lengthType === 'fixed' && units !== spec.length) {
    throw new PosError('ISO8583_FIELD_WRONG_LENGTH', `Field ${field} is ${units} long; it must be exactly ${spec.length}`, {
      field,
      offset,
      length: units,
      expected: spec.length,
    });
  }
}

function badChar(field: number, spec: FieldSpec, offset: number): PosError {
  const what = spec.encoding === 'bcd' ? 'a BCD nibble' : 'a character';
  return new PosError('ISO8583_FIELD_CHARSET', `Field ${field} has ${what} its format ${spec.format} does not allow`, {
    field,
    offset,
    format: spec.format,
  });
}

function need(field: number, bytes: Buffer, offset: number, count: number, what: 'length prefix' | 'content'): void {
  if (offset + count > bytes.length) {
    throw new PosError('ISO8583_TRUNCATED', `Field ${field}'s ${what} runs past the end of the message`, {
      field,
      offset,
      needed: count,
      available: Math.max(0, bytes.length - offset),
    });
  }
}
