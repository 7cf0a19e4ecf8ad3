import type { ErrorSpec } from './kind.js';

/**
 * ISO 8583 codec errors. `details` always name the `field` (0 = MTI, 1 = a
 * bitmap) and the byte `offset` in the message; never the field's value.
 */
export const ISO8583_ERRORS = {
  ISO8583_MTI_INVALID: { kind: 'input', summary: 'The message type indicator is not four decimal digits.' },
  ISO8583_BITMAP_INVALID: { kind: 'input', summary: 'A bitmap has a character that is not a hex digit.' },
  ISO8583_TRUNCATED: { kind: 'input', summary: 'A length prefix or a field runs past the end of the message.' },
  ISO8583_LENGTH_PREFIX_INVALID: { kind: 'input', summary: 'A variable-length field\'s length prefix is not decimal digits (ASCII, EBCDIC or BCD).' },
  ISO8583_FIELD_TOO_LONG: { kind: 'input', summary: 'A field is longer than its specification allows.' },
  ISO8583_FIELD_WRONG_LENGTH: { kind: 'input', summary: 'A fixed-length field was given a value of another length.' },
  ISO8583_FIELD_CHARSET: {
    kind: 'input',
    summary: 'A field holds a character its format (n, an, ans, z, x+n, hex for b) does not allow, a BCD nibble that is not a digit, or a byte with no EBCDIC character.',
  },
  ISO8583_FIELD_TYPE: { kind: 'input', summary: 'A field was given text where bytes are expected, or bytes where text is expected.' },
  ISO8583_FIELD_UNKNOWN: { kind: 'input', summary: 'A field is present (in the bitmap or the input) that the dialect does not define.' },
  ISO8583_TRAILING_BYTES: { kind: 'input', summary: 'Bytes remain after the last field the bitmap announces.' },
  ISO8583_SUBFIELD_INVALID: { kind: 'input', summary: 'A structured field (DE 48 / DE 62 style) has a subfield that is cut short, badly prefixed or of the wrong length.' },
  ISO8583_JSON_INVALID: { kind: 'input', summary: 'A message in JSON form is not { "mti": "…", "fields": { "<number>": "<text or hex>" } }.' },
  ISO8583_DIALECT_UNKNOWN: { kind: 'config', summary: 'No ISO 8583 dialect has the configured name.' },
  ISO8583_DIALECT_INVALID: { kind: 'config', summary: 'A dialect pairs a field format with an encoding that cannot carry it (e.g. text in BCD, binary in BCD).' },
} as const satisfies Record<string, ErrorSpec>;
