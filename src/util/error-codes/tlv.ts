import type { ErrorSpec } from './kind.js';

export const TLV_ERRORS = {
  TLV_TRUNCATED: { kind: 'input', summary: 'A BER-TLV tag, length or value runs past the end of its data; details give the object offset and tag path.' },
  TLV_INDEFINITE_LENGTH: { kind: 'input', summary: 'A BER-TLV length byte 80 (indefinite form), which EMV does not allow.' },
  TLV_BAD_LENGTH: { kind: 'input', summary: 'A BER-TLV length field longer than 4 bytes, or not in minimal form when strict decoding is asked.' },
  TLV_BAD_TAG: { kind: 'input', summary: 'A BER-TLV tag longer than 4 bytes, or a tag given as text that is not 1 to 4 bytes of hex.' },
  TLV_TOO_DEEP: { kind: 'input', summary: 'BER-TLV constructed objects nested deeper than the allowed depth (16).' },
  TLV_VALUE_TOO_LONG: { kind: 'input', summary: 'A value to encode is longer than a 4-byte BER length can express.' },
} as const satisfies Record<string, ErrorSpec>;
