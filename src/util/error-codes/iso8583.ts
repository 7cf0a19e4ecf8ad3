import type { ErrorSpec } from './kind.js';

/**
 * ISO 8583 codec errors. `details` always name the `field` (0 = MTI, 1 = a
 * bitmap) and the byte `offset` in the message; never the field's value.
 */
export const ISO8583_ERRORS = {
  ISO8583_MTI_INVALID: { kind: 'input', summary: 'The message type indicator is not four decimal digits.' },
  ISO8583_BITMAP_INVALID: { kind: 'input', summary: 'A bitmap has a character that is not a hex digit.' },
  ISO8583_TRUNCATED: { kind: 'input', summary: 'A length prefix or a field runs past the end of the message.' },
  ISO8583_LENGTH_PREFIX_INVALID: { kind: 'input', summary: 'A variable-length field\'s length prefix is not decimal digits.' },
  ISO8583_FIELD_TOO_LONG: { kind: 'input', summary: 'A field is longer than its specification allows.' },
  ISO8583_FIELD_WRONG_LENGTH: { kind: 'input', summary: 'A fixed-length field was given a value of another length.' },
  ISO8583_FIELD_CHARSET: { kind: 'input', summary: 'A field holds a character its format (n, an, ans, z, x+n, hex for b) does not allow.' },
  ISO8583_FIELD_TYPE: { kind: 'input', summary: 'A field was given text where bytes are expected, or bytes where text is expected.' },
  ISO8583_FIELD_UNKNOWN: { kind: 'input', summary: 'A field is present (in the bitmap or the input) that the dialect does not define.' },
  ISO8583_TRAILING_BYTES: { kind: 'input', summary: 'Bytes remain after the last field the bitmap announces.' },
} as const satisfies Record<string, ErrorSpec>;
