/**
 * ISO 8583:1987 message specifications as data. A dialect is a table of field
 * specifications; the codec (`message-codec.ts`) knows nothing of any one
 * dialect. Each axis is a small union of its own (moov-io/iso8583 keeps one
 * interface per axis the same way):
 *
 * - length type: fixed, or a decimal length prefix of 2, 3 or 4 digits;
 * - content format: the §4.1 attribute (n, an, ans, z, x+n, b);
 * - encoding: how the content's units become bytes (ASCII, EBCDIC, packed BCD, raw);
 * - prefix encoding: how the length prefix becomes bytes;
 * - padding: where the filler nibble of an odd number of BCD digits goes.
 */
import type { Sensitive } from '../util/sensitive.js';

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

/** The formats whose value is text. */
export type TextFormat = Exclude<FieldFormat, 'b'>;

/**
 * How a field's content is written on the wire:
 * - `ascii`:  text as ASCII characters; a `b` field as uppercase hex text, two characters a byte;
 * - `ebcdic`: text as EBCDIC (IBM-037) characters; a `b` field as hex text in EBCDIC;
 * - `bcd`:    packed BCD, two digits a byte (`n`, `z`; `xn` keeps its sign as one ASCII byte);
 *             a `z` separator `=` is the nibble D;
 * - `binary`: a `b` field's bytes as they are.
 */
export type FieldEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary';

/**
 * How a variable field's length prefix is written:
 * - `ascii` / `ebcdic`: 2, 3 or 4 decimal digits as characters;
 * - `bcd`:    the digits packed, LL in 1 byte, LLL and LLLL in 2;
 * - `binary`: an unsigned big-endian count, LL in 1 byte, LLL and LLLL in 2.
 */
export type PrefixEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary';

/** Where the filler nibble of an odd digit count goes in packed BCD: `left` writes 0 first; `right` writes F last. */
export type BcdPadding = 'left' | 'right';

/** How the MTI's four digits are written: four ASCII or EBCDIC characters, or two BCD bytes. */
export type MtiEncoding = 'ascii' | 'ebcdic' | 'bcd';

/** `hex`: each 64-bit bitmap as 16 hex ASCII characters; `binary`: as 8 bytes. */
export type BitmapEncoding = 'hex' | 'binary';

/**
 * Subfields inside one text data element (DE 48, DE 62 style), as data. The
 * codec carries the field as text; `subfields.ts` splits and joins it.
 * - `tlv`: repeated [tag: `tagChars` characters][length: `lengthDigits` decimal digits][value];
 * - `fixed`: consecutive subfields of fixed lengths, in order; a trailing run may be left out.
 */
export type SubfieldSpec =
  | {
      readonly kind: 'tlv';
      readonly tagChars: number;
      readonly lengthDigits: number;
      /** Known tags and their names; unknown tags are kept, never dropped. */
      readonly tags?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'fixed';
      readonly subfields: readonly { readonly id: string; readonly length: number; readonly format: TextFormat; readonly description: string }[];
    };

export interface FieldSpec {
  /**
   * Fixed length, or the maximum for a variable field. Counted in the
   * field's own unit: characters (or digits) for text formats (an `xn` field
   * counts its sign), bytes for `b` (an ASCII-hex carrier writes twice as many characters).
   */
  readonly length: number;
  readonly lengthType: LengthType;
  readonly format: FieldFormat;
  readonly encoding: FieldEncoding;
  /** The length prefix's encoding; by default `ascii` / `ebcdic` follow the field, `bcd` and `binary` fields get `bcd`. */
  readonly prefixEncoding?: PrefixEncoding;
  /** For `bcd` with an odd digit count; `left` by default. */
  readonly padding?: BcdPadding;
  /** The standard's name for the data element. */
  readonly description: string;
  /** Masked in every dump, beyond the always-masked 2, 35, 45, 52 and 55. */
  readonly sensitive?: boolean;
  /** The field's inner structure, for `subfields.ts`; the codec itself carries the field whole. */
  readonly subfields?: SubfieldSpec;
}

export interface Dialect {
  readonly name: string;
  /** How the four MTI digits are written. */
  readonly mtiEncoding: MtiEncoding;
  readonly bitmapEncoding: BitmapEncoding;
  /** `always`: send a secondary bitmap even when no field above 64 is present. `when-needed` by default. */
  readonly secondaryBitmap?: 'always' | 'when-needed';
  /**
   * Bit 65 announces a tertiary bitmap for data elements 129–192 (ISO 8583:1987
   * §4.2 reserves DE 65 for it). Off by default, when DE 65 is an ordinary field.
   */
  readonly tertiaryBitmap?: boolean;
  /**
   * Data elements 2–128 (–192). DE 1 (the secondary bitmap) and, with a
   * tertiary bitmap, DE 65 are structural: the codec writes and reads them
   * from the bitmap, so a dialect does not list them.
   */
  readonly fields: Readonly<Record<number, FieldSpec>>;
}

/** A field's value: text for every text format, bytes for `b`. */
export type FieldValue = string | Buffer;

/**
 * What the encoder takes for a field: a `FieldValue`, or a `Sensitive`
 * holding the value as bytes — a text field's characters in ASCII (a PAN,
 * track 2), a `b` field's bytes — so card data reaches the wire without ever
 * being a JS string, which could not be wiped. Decoding never yields one.
 */
export type FieldInput = FieldValue | Sensitive;

/** What `encodeMessage` takes. `undefined` entries are skipped, for easy optional fields. */
export interface MessageInput {
  readonly mti: string;
  readonly fields: Readonly<Record<number, FieldValue | undefined>>;
}

/** A `MessageInput` whose fields may also be `Sensitive` (see `FieldInput`): what the encoders take. */
export interface EncodeInput {
  readonly mti: string;
  readonly fields: Readonly<Record<number, FieldInput | undefined>>;
}
