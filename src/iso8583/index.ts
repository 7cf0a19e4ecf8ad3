/** The ISO 8583 codec: dialects as data, one codec for all of them. */
export type { Dialect, FieldEncoding, FieldFormat, FieldSpec, FieldValue, LengthType, MessageInput } from './types.js';
export { encodeMessage, decodeMessage, MTI_CHARS } from './message-codec.js';
export { Iso8583Message } from './message.js';
export { ALWAYS_MASKED_FIELDS, dumpMessage, isMaskedField, maskedMessage, printableField } from './mask.js';
export { iso87ascii } from './dialects/iso87ascii.js';
