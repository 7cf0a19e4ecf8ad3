/**
 * Message authentication for the message set: the ANSI X9.19 retail MAC
 * (ISO/IEC 9797-1 MAC algorithm 3, padding method 1) under the terminal's
 * double-length TDES MAC key (TAK), over the message bytes from the MTI up
 * to the MAC field's content, carried in full (8 bytes) in
 *
 *   DE 64  when the message has only a primary bitmap, or
 *   DE 128 when a secondary bitmap is present (any DE 65–128),
 *
 * which is always the message's last field (ISO 8583:1987 §4.3.8). The MAC
 * input is the message as encoded with the MAC field present, cut just
 * before the MAC field's own bytes — so the bitmap already announces the MAC.
 *
 * Verifying a decoded message re-encodes it: the codec is deterministic, so
 * a message that decoded re-encodes to the bytes that travelled, with one
 * exception — a binary field sent as lowercase hex in an ASCII dialect comes
 * back uppercase; such a sender fails verification (we only send uppercase).
 */
import { macX919, verifyX919 } from '../../crypto/mac/iso9797.js';
import { encodeField } from '../../iso8583/field-codec.js';
import { encodeMessage } from '../../iso8583/message-codec.js';
import type { Dialect, FieldValue, MessageInput } from '../../iso8583/types.js';
import { PosError } from '../../util/errors.js';

export const MAC_FIELD_PRIMARY = 64;
export const MAC_FIELD_SECONDARY = 128;
/** The full X9.19 MAC travels: 8 bytes. */
export const MAC_BYTES = 8;
/** The highest data element of the primary bitmap. */
const PRIMARY_LAST_FIELD = 64;

export type MacField = typeof MAC_FIELD_PRIMARY | typeof MAC_FIELD_SECONDARY;

/** DE 128 when any field above 64 (other than a MAC) is present, else DE 64. */
export function macFieldOf(fields: MessageInput['fields']): MacField {
  for (const [key, value] of Object.entries(fields)) {
    const n = Number(key);
    if (value !== undefined && n > PRIMARY_LAST_FIELD && n !== MAC_FIELD_SECONDARY) return MAC_FIELD_SECONDARY;
  }
  return MAC_FIELD_PRIMARY;
}

function withoutMac(fields: MessageInput['fields']): Record<number, FieldValue | undefined> {
  const out: Record<number, FieldValue | undefined> = { ...fields };
  delete out[MAC_FIELD_PRIMARY];
  delete out[MAC_FIELD_SECONDARY];
  return out;
}

/** The bytes the MAC is computed over: the message with a placeholder MAC, cut before the MAC field. */
export function macInput(dialect: Dialect, input: MessageInput): Buffer {
  const macField = macFieldOf(input.fields);
  const spec = dialect.fields[macField];
  if (spec === undefined) throw new PosError('ISO8583_FIELD_UNKNOWN', `Dialect ${dialect.name} has no MAC field ${macField}`, { field: macField, offset: 0 });
  const placeholder = Buffer.alloc(MAC_BYTES);
  const bytes = encodeMessage(dialect, { mti: input.mti, fields: { ...withoutMac(input.fields), [macField]: placeholder } });
  const macChars = encodeField(macField, spec, placeholder, 0).length;
  return bytes.subarray(0, bytes.length - macChars);
}

/** The message encoded with its MAC computed under `macKey` (any MAC it carried is replaced). */
export function encodeWithMac(dialect: Dialect, input: MessageInput, macKey: Uint8Array): Buffer {
  const data = macInput(dialect, input);
  const mac = macX919(macKey, data);
  return encodeMessage(dialect, { mti: input.mti, fields: { ...withoutMac(input.fields), [macFieldOf(input.fields)]: mac } });
}

/** The message with its MAC field set, for a caller that hands a decoded message on (simulator wrappers). */
export function withMac(dialect: Dialect, input: MessageInput, macKey: Uint8Array): MessageInput {
  const macField = macFieldOf(input.fields);
  return { mti: input.mti, fields: { ...withoutMac(input.fields), [macField]: macX919(macKey, macInput(dialect, input)) } };
}

export type MacCheck = 'valid' | 'missing' | 'invalid';

/** Checks a received message's MAC in constant time: `missing` when the right MAC field is absent. */
export function checkMac(dialect: Dialect, message: MessageInput, macKey: Uint8Array): MacCheck {
  const macField = macFieldOf(message.fields);
  const mac = message.fields[macField];
  if (mac === undefined) return 'missing';
  if (typeof mac === 'string' || mac.length !== MAC_BYTES) return 'invalid';
  return verifyX919(macKey, macInput(dialect, message), mac) ? 'valid' : 'invalid';
}
