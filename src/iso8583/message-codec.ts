/**
 * ISO 8583:1987 §4 message structure, driven by a `Dialect`:
 *
 *   [MTI][primary bitmap][secondary bitmap, when bit 1 is set][tertiary, when bit 65 is set and the dialect has one][DE 2…DE 192 in ascending order]
 *
 * The codec is pure: bytes in, a message out, or a `PosError` naming the
 * field (0 = MTI, 1 = bitmap) and the byte offset. It never puts a value in an
 * error.
 */
import { PosError } from '../util/errors.js';
import { decodeBitmap, encodeBitmap, MAX_FIELD, MAX_FIELD_TERTIARY, TERTIARY_BITMAP_BIT, type BitmapOptions } from './bitmap.js';
import { carrierOf, decodeFieldInto, encodedFieldBytes, writeField, type Carrier } from './field-codec.js';
import { decodedMessage, type Iso8583Message } from './message.js';
import { decodeMti, encodeMti, mtiBytes } from './mti.js';
import type { Dialect, EncodeInput, FieldInput, FieldSpec, FieldValue } from './types.js';

export { MTI_CHARS } from './mti.js';

/** A message's bytes and where each field starts in them. */
export interface EncodedMessage {
  readonly bytes: Buffer;
  /** Offset of each field's first byte (its prefix, when it has one); 0 is the MTI, 1 the bitmap. */
  readonly offsets: ReadonlyMap<number, number>;
}

export function encodeMessage(dialect: Dialect, input: EncodeInput): Buffer {
  return encodeMessageWithOffsets(dialect, input).bytes;
}

/** `encodeMessage`, also saying where each field starts (for MAC input and annotated dumps). */
export function encodeMessageWithOffsets(dialect: Dialect, input: EncodeInput): EncodedMessage {
  return encodeFields(dialect, input.mti, input.fields, null);
}

/** A field set in place of the message's own MAC fields: `encodeFields` leaves DE 64 and 128 out and encodes `value` as `field`. */
export interface MacOverride {
  readonly field: number;
  readonly value: FieldValue;
}

/**
 * `encodeMessageWithOffsets` of `{ ...fields without 64 and 128, [override.field]: override.value }`
 * without building that object (the MAC helpers encode every request and
 * answer this way; an object with integer keys is costly to build).
 */
export function encodeWithMacOverride(dialect: Dialect, input: EncodeInput, override: MacOverride): EncodedMessage {
  return encodeFields(dialect, input.mti, input.fields, override);
}

function encodeFields(dialect: Dialect, mtiText: string, fields: EncodeInput['fields'], override: MacOverride | null): EncodedMessage {
  const mti = encodeMti(mtiText, dialect.mtiEncoding);
  const max = maxField(dialect);
  const entries: [number, FieldInput][] = [];
  const take = (key: string, value: FieldInput | undefined): void => {
    if (value === undefined) return;
    const n = Number(key);
    if (!Number.isInteger(n) || n < 2 || n > max || (n === TERTIARY_BITMAP_BIT && dialect.tertiaryBitmap === true)) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `Field ${key} cannot be set: data elements are 2–${max} (DE 1${max > MAX_FIELD ? ' and 65 are bitmaps' : ' is the secondary bitmap'})`, {
        field: key,
        offset: mti.length,
      });
    }
    entries.push([n, value]);
  };
  if (override === null) {
    for (const key in fields) take(key, fields[key as unknown as number]);
  } else {
    // As the spread copy it replaces: own keys only, the override last.
    for (const key in fields) {
      if (key === MAC_64 || key === MAC_128 || !Object.hasOwn(fields, key)) continue;
      if (key === String(override.field)) continue;
      take(key, fields[key as unknown as number]);
    }
    take(String(override.field), override.value);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const numbers = new Array<number>(entries.length);
  for (let i = 0; i < entries.length; i++) numbers[i] = (entries[i] as [number, FieldInput])[0];
  const bitmap = encodeBitmap(numbers, bitmapOptions(dialect));
  const offsets = new Map<number, number>([
    [0, 0],
    [1, mti.length],
  ]);
  // Pass 1: check and size every field (an error names the field's offset); pass 2: write them into one buffer.
  const specs = carrierArray(dialect);
  const sizes = new Array<number>(entries.length);
  let offset = mti.length + bitmap.length;
  for (let i = 0; i < entries.length; i++) {
    const [n, value] = entries[i] as [number, FieldInput];
    const spec = specs[n];
    if (spec === undefined) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `Field ${n} is not defined in dialect ${dialect.name}`, { field: n, offset });
    }
    const size = encodedFieldBytes(n, spec, value, offset);
    sizes[i] = size;
    offsets.set(n, offset);
    offset += size;
  }
  const bytes = Buffer.allocUnsafe(offset);
  mti.copy(bytes, 0);
  bitmap.copy(bytes, mti.length);
  let at = mti.length + bitmap.length;
  for (let i = 0; i < entries.length; i++) {
    const [n, value] = entries[i] as [number, FieldInput];
    writeField(specs[n] as Carrier, value, bytes, at);
    at += sizes[i] as number;
  }
  return { bytes, offsets };
}

/** The MAC fields' keys as `for…in` yields them. */
const MAC_64 = '64';
const MAC_128 = '128';

/** Each dialect's field table as a dense array by field number, built once (dialects are immutable data). */
const FIELD_ARRAYS = new WeakMap<Dialect, readonly (FieldSpec | undefined)[]>();

function fieldArray(dialect: Dialect): readonly (FieldSpec | undefined)[] {
  let specs = FIELD_ARRAYS.get(dialect);
  if (specs === undefined) {
    const dense: (FieldSpec | undefined)[] = new Array<FieldSpec | undefined>(MAX_FIELD_TERTIARY + 1).fill(undefined);
    for (const key of Object.keys(dialect.fields)) {
      const n = Number(key);
      if (Number.isInteger(n) && n >= 0 && n <= MAX_FIELD_TERTIARY) dense[n] = dialect.fields[n];
    }
    specs = dense;
    FIELD_ARRAYS.set(dialect, specs);
  }
  return specs;
}

/** Each dialect's decoding carriers (normalised specs) by field number, built once like `fieldArray`. */
const CARRIER_ARRAYS = new WeakMap<Dialect, readonly (Carrier | undefined)[]>();

function carrierArray(dialect: Dialect): readonly (Carrier | undefined)[] {
  let carriers = CARRIER_ARRAYS.get(dialect);
  if (carriers === undefined) {
    carriers = fieldArray(dialect).map((spec) => (spec === undefined ? undefined : carrierOf(spec)));
    CARRIER_ARRAYS.set(dialect, carriers);
  }
  return carriers;
}

export function decodeMessage(dialect: Dialect, input: Uint8Array): Iso8583Message {
  return decodeInto(dialect, input, null);
}

/** A decoded message and where each field started in the bytes it came from. */
export interface DecodedMessage {
  readonly message: Iso8583Message;
  /** Offset of each field's first byte (its prefix, when it has one); 0 is the MTI, 1 the bitmap — as `encodeMessageWithOffsets`. */
  readonly offsets: ReadonlyMap<number, number>;
}

/** `decodeMessage`, also saying where each field starts (a host checks a MAC over the bytes it received). */
export function decodeMessageWithOffsets(dialect: Dialect, input: Uint8Array): DecodedMessage {
  const offsets = new Map<number, number>();
  return { message: decodeInto(dialect, input, offsets), offsets };
}

function decodeInto(dialect: Dialect, input: Uint8Array, offsets: Map<number, number> | null): Iso8583Message {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const mti = decodeMti(bytes, dialect.mtiEncoding);
  const bitmapAt = mtiBytes(dialect.mtiEncoding);
  const bitmap = decodeBitmap(bytes, bitmapAt, bitmapOptions(dialect));
  const carriers = carrierArray(dialect);
  // One native conversion for the whole message; text fields are cut from it.
  const latin1 = bytes.toString('latin1');
  const numbers = bitmap.fields;
  // Sized once to the highest field: values go in by field number (see `Iso8583Message`'s slots).
  const slots = new Array<FieldValue | undefined>((numbers[numbers.length - 1] ?? 0) + 1);
  offsets?.set(0, 0).set(1, bitmapAt);
  let offset = bitmap.end;
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i] as number;
    const spec = carriers[n];
    if (spec === undefined) {
      throw new PosError('ISO8583_FIELD_UNKNOWN', `The bitmap announces field ${n}, which dialect ${dialect.name} does not define`, { field: n, offset });
    }
    offsets?.set(n, offset);
    offset = decodeFieldInto(n, spec, bytes, offset, latin1, slots);
  }
  if (offset !== bytes.length) {
    throw new PosError('ISO8583_TRAILING_BYTES', `${bytes.length - offset} bytes follow the last field`, { offset, count: bytes.length - offset });
  }
  return decodedMessage(mti, slots, dialect);
}

/** The highest data element number the dialect's bitmaps can carry. */
export function maxField(dialect: Dialect): number {
  return dialect.tertiaryBitmap === true ? MAX_FIELD_TERTIARY : MAX_FIELD;
}

function bitmapOptions(dialect: Dialect): BitmapOptions {
  return {
    encoding: dialect.bitmapEncoding,
    alwaysSecondary: dialect.secondaryBitmap === 'always',
    tertiary: dialect.tertiaryBitmap === true,
  };
}
