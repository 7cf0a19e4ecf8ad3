/** The ISO 8583 codec: dialects as data, one codec for all of them. */
export type {
  BcdPadding,
  BitmapEncoding,
  Dialect,
  FieldEncoding,
  FieldFormat,
  FieldSpec,
  FieldValue,
  FieldInput,
  EncodeInput,
  LengthType,
  MessageInput,
  MtiEncoding,
  PrefixEncoding,
  SubfieldSpec,
  TextFormat,
} from './types.js';
export { encodeMessage, encodeMessageWithOffsets, decodeMessage, maxField, MTI_CHARS, type EncodedMessage } from './message-codec.js';
export { Iso8583Message } from './message.js';
export { ALWAYS_MASKED_FIELDS, dumpMessage, isMaskedField, maskedMessage, printableField } from './mask.js';
export { encodeWithMac, MAC_BYTES, macField, macInput, PRIMARY_MAC_FIELD, SECONDARY_MAC_FIELD, type MacField, type MacInput } from './mac.js';
export { decodeSubfields, encodeSubfields, type Subfield, type SubfieldContext } from './subfields.js';
export { messageFromJson, messageToJson, type MessageJson } from './json.js';
export {
  DIALECT_NAMES,
  DIALECTS,
  dialectByName,
  isDialectName,
  iso87ascii,
  iso87asciiBinaryBitmap,
  iso87binary,
  validateDialect,
  type DialectName,
} from './dialects/index.js';
