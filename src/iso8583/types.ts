/**
 * ISO 8583:1987 message specifications as data. A dialect is a table of field
 * specifications; the codec (`message-codec.ts`) knows nothing of any one
 * dialect. Each axis (length prefix, content format, encoding) is a small
 * union so that later encodings (BCD, EBCDIC, binary) are new members, not
 * new code paths through every field.
 */

/** How a field's length is known: fixed by the spec, or a decimal prefix of 2, 3 or 4 digits. */
export type LengthType = 'fixed' | 'llvar' | 'lllvar' | 'llllvar';

/**
 * ISO 8583:1987 §4.1 data element attributes:
 * - `n`   numeric digits 0–9
 * - `an`  alphabetic (including blanks) and numeric
 * - `ans` alphabetic, numeric and special: printable ASCII 0x20–0x7E
 * - `z`   track 2/3 code set (ISO/IEC 7813): digits and the `=` / `D` separator
 * - `xn`  `x+n`: a `C` (credit) or `D` (debit) sign then digits (fee amounts)
 * - `b`   binary; how the bytes travel depends on the encoding
 */
export type FieldFormat = 'n' | 'an' | 'ans' | 'z' | 'xn' | 'b';

/**
 * How characters and length prefixes are written on the wire. Only `ascii`
 * exists today: text as ASCII, prefixes as ASCII digits, and binary fields as
 * uppercase hex text (two characters a byte). `bcd`, `ebcdic` and `binary`
 * join this union with the dialects that need them.
 */
export type FieldEncoding = 'ascii';

export interface FieldSpec {
  /**
   * Fixed length, or the maximum for a variable field. Counted in the
   * field's own unit: characters for text formats (an `xn` field counts its
   * sign), bytes for `b` (an ASCII-hex carrier writes twice as many characters).
   */
  readonly length: number;
  readonly lengthType: LengthType;
  readonly format: FieldFormat;
  readonly encoding: FieldEncoding;
  /** The standard's name for the data element. */
  readonly description: string;
  /** Masked in every dump, beyond the always-masked 2, 35, 45, 52 and 55. */
  readonly sensitive?: boolean;
}

export interface Dialect {
  readonly name: string;
  /** How the four MTI digits are written. */
  readonly mtiEncoding: 'ascii';
  /** `hex`: each 64-bit bitmap as 16 hex characters. */
  readonly bitmapEncoding: 'hex';
  /**
   * Data elements 2–128. DE 1 (the secondary bitmap) is structural: the codec
   * writes and reads it from the bitmap, so a dialect does not list it.
   */
  readonly fields: Readonly<Record<number, FieldSpec>>;
}

/** A field's value: text for every text format, bytes for `b`. */
export type FieldValue = string | Buffer;

/** What `encodeMessage` takes. `undefined` entries are skipped, for easy optional fields. */
export interface MessageInput {
  readonly mti: string;
  readonly fields: Readonly<Record<number, FieldValue | undefined>>;
}
