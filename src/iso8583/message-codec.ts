/**
 * ISO 8583:1987 §4 message structure, driven by a `Dialect`:
 *
 *   [MTI][primary bitmap][secondary bitmap, when bit 1 is set][DE 2…DE 128 in ascending order]
 *
 * The codec is pure: bytes in, a message out, or a `PosError` naming the
 * field (0 = MTI, 1 = bitmap) and the byte offset. It never puts a value in an
 * error.
 */
import { PosError } from '../util/errors.js';
import { decodeHexBitmap, encodeHexBitmap, MAX_FIELD } from './bitmap.js';
import { decodeField, encodeField } from './field-codec.js';
import { Iso8583Message } from './message.js';
import type { Dialect, FieldValue, MessageInput } from './types.js';

/** Characters of an ASCII MTI: version, class, function, origin. */
export const MTI_CHARS = 4;
const MTI_RE = /^[0-9]{4}$/;

export function encodeMessage(dialect: Dialect, input: MessageInput): Buffer {
  checkMti(input.mti);
  const entries: [number, FieldValue][] = [];
  for (const [key, value] of Object.entries(input.fields)) {
    if (value === undefined) continue;
    const n = Number(key);
    if (!Number.isInteger(n) || n < 2 || n > MAX_FIELD) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `Field ${key} cannot be set: data elements are 2–${MAX_FIELD} (DE 1 is the secondary bitmap)`, {
        field: key,
        offset: MTI_CHARS,
      });
    }
    entries.push([n, value]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const parts: Buffer[] = [Buffer.from(input.mti, 'latin1'), Buffer.from(encodeBitmap(dialect, entries.map(([n]) => n)), 'latin1')];
  let offset = MTI_CHARS + (parts[1]?.length ?? 0);
  for (const [n, value] of entries) {
    const spec = dialect.fields[n];
    if (spec === undefined) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `Field ${n} is not defined in dialect ${dialect.name}`, { field: n, offset });
    }
    const part = encodeField(n, spec, value, offset);
    parts.push(part);
    offset += part.length;
  }
  return Buffer.concat(parts, offset);
}

export function decodeMessage(dialect: Dialect, input: Uint8Array): Iso8583Message {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < MTI_CHARS) {
    throw new PosError('ISO8583_TRUNCATED', 'The message is shorter than its MTI', { field: 0, offset: 0, needed: MTI_CHARS, available: bytes.length });
  }
  const mti = bytes.toString('latin1', 0, MTI_CHARS);
  checkMti(mti);
  const bitmap = decodeBitmap(dialect, bytes, MTI_CHARS);
  const fields: Record<number, FieldValue> = {};
  let offset = bitmap.end;
  for (const n of bitmap.fields) {
    const spec = dialect.fields[n];
    if (spec === undefined) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `The bitmap announces field ${n}, which dialect ${dialect.name} does not define`, { field: n, offset });
    }
    const decoded = decodeField(n, spec, bytes, offset);
    fields[n] = decoded.value;
    offset = decoded.end;
  }
  if (offset !== bytes.length) {
    throw new PosError('ISO8583_TRAILING_BYTES', `${bytes.length - offset} bytes follow the last field`, { offset, count: bytes.length - offset });
  }
  return new Iso8583Message(mti, fields, dialect);
}

function checkMti(mti: string): void {
  if (MTI_RE.test(mti)) return;
  const bad = [...mti].findIndex((c) => c < '0' || c > '9');
  throw new PosError('ISO8583_MTI_INVALID', 'The MTI must be four decimal digits', {
    field: 0,
    offset: bad >= 0 && bad < MTI_CHARS ? bad : Math.min(mti.length, MTI_CHARS),
    length: mti.length,
  });
}

function encodeBitmap(dialect: Dialect, fieldNumbers: readonly number[]): string {
  switch (dialect.bitmapEncoding) {
    case 'hex':
      return encodeHexBitmap(fieldNumbers);
  }
}

function decodeBitmap(dialect: Dialect, bytes: Buffer, offset: number): ReturnType<typeof decodeHexBitmap> {
  switch (dialect.bitmapEncoding) {
    case 'hex':
      return decodeHexBitmap(bytes, offset);
  }
}
