/**
 * ISO 8583:1987 §4.1 one data element on the wire: an optional length
 * prefix, then the content.
 *
 *   fixed:   [content: spec.length units]
 *   llvar:   [L L][content: 0–99 units]        (ascii: two ASCII digits)
 *   lllvar:  [L L L][content: 0–999 units]
 *   llllvar: [L L L L][content: 0–9999 units]
 *
 * A unit is a character for text formats and a byte for `b`; in the `ascii`
 * encoding a byte of a `b` field is written as two hex characters.
 *
 * Errors carry the field number and an absolute offset in the message, never
 * the content.
 */
import { PosError } from '../util/errors.js';
import { firstBadChar, firstNonDigit, isHexDigit } from './charset.js';
import type { FieldSpec, FieldValue, LengthType } from './types.js';

/** Digits in the length prefix of each length type. */
export const PREFIX_DIGITS = { fixed: 0, llvar: 2, lllvar: 3, llllvar: 4 } as const satisfies Record<LengthType, number>;

/** Characters an ascii-encoded `b` unit (one byte) takes on the wire. */
const HEX_CHARS_PER_BYTE = 2;

export interface DecodedField {
  readonly value: FieldValue;
  /** Offset just past the field. */
  readonly end: number;
}

/** The field's bytes (prefix and content) to be written at message offset `offset`. */
export function encodeField(field: number, spec: FieldSpec, value: FieldValue, offset: number): Buffer {
  switch (spec.encoding) {
    case 'ascii':
      return encodeAscii(field, spec, value, offset);
  }
}

/** Reads the field at `offset` of `bytes`. */
export function decodeField(field: number, spec: FieldSpec, bytes: Buffer, offset: number): DecodedField {
  switch (spec.encoding) {
    case 'ascii':
      return decodeAscii(field, spec, bytes, offset);
  }
}

function encodeAscii(field: number, spec: FieldSpec, value: FieldValue, offset: number): Buffer {
  const prefixDigits = PREFIX_DIGITS[spec.lengthType];
  let content: string;
  let units: number;
  if (spec.format === 'b') {
    if (typeof value === 'string') {
      throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is binary and takes bytes, not text`, { field, offset, expected: 'bytes' });
    }
    units = value.length;
    content = value.toString('hex').toUpperCase();
  } else {
    if (typeof value !== 'string') {
      throw new PosError('ISO8583_FIELD_TYPE', `Field ${field} is text (${spec.format}) and takes a string, not bytes`, { field, offset, expected: 'text' });
    }
    units = value.length;
    content = value;
  }
  checkLength(field, spec, units, offset);
  if (spec.format !== 'b') {
    const bad = firstBadChar(spec.format, content);
    if (bad >= 0) {
      throw new PosError('ISO8583_FIELD_CHARSET', `Field ${field} has a character its format ${spec.format} does not allow`, {
        field,
        offset: offset + prefixDigits + bad,
        format: spec.format,
      });
    }
  }
  const prefix = prefixDigits === 0 ? '' : String(units).padStart(prefixDigits, '0');
  return Buffer.from(prefix + content, 'latin1');
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

function decodeAscii(field: number, spec: FieldSpec, bytes: Buffer, offset: number): DecodedField {
  const prefixDigits = PREFIX_DIGITS[spec.lengthType];
  let units = spec.length;
  if (prefixDigits > 0) {
    need(field, bytes, offset, prefixDigits, 'length prefix');
    const prefix = bytes.toString('latin1', offset, offset + prefixDigits);
    const bad = firstNonDigit(prefix);
    if (bad >= 0) {
      throw new PosError('ISO8583_LENGTH_PREFIX_INVALID', `Field ${field}'s length prefix is not decimal digits`, { field, offset: offset + bad });
    }
    units = Number(prefix);
    if (units > spec.length) {
      throw new PosError('ISO8583_FIELD_TOO_LONG', `Field ${field} announces ${units}; its maximum is ${spec.length}`, {
        field,
        offset,
        length: units,
        max: spec.length,
      });
    }
  }
  const start = offset + prefixDigits;
  const chars = spec.format === 'b' ? units * HEX_CHARS_PER_BYTE : units;
  need(field, bytes, start, chars, 'content');
  const text = bytes.toString('latin1', start, start + chars);
  if (spec.format === 'b') {
    for (let i = 0; i < chars; i++) {
      if (!isHexDigit(text.charCodeAt(i))) {
        throw new PosError('ISO8583_FIELD_CHARSET', `Field ${field} is binary carried as hex and has a non-hex character`, {
          field,
          offset: start + i,
          format: 'b',
        });
      }
    }
    return { value: Buffer.from(text, 'hex'), end: start + chars };
  }
  const bad = firstBadChar(spec.format, text);
  if (bad >= 0) {
    throw new PosError('ISO8583_FIELD_CHARSET', `Field ${field} has a character its format ${spec.format} does not allow`, {
      field,
      offset: start + bad,
      format: spec.format,
    });
  }
  return { value: text, end: start + chars };
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
