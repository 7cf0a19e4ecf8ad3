/**
 * Message authentication for the message set: the ANSI X9.19 retail MAC
 * (ISO/IEC 9797-1 MAC algorithm 3, padding method 1) under the terminal's
 * double-length TDES MAC key (TAK), carried in full (8 bytes) in DE 64, or in
 * DE 128 when the message has a secondary bitmap. The bytes it covers —
 * from the MTI up to the MAC field, with the MAC's bitmap bit set — come
 * from the codec (`src/iso8583/mac.ts`); this module adds the cryptography.
 *
 * Verifying a decoded message re-encodes it: the codec is deterministic, so
 * a message that decoded re-encodes to the bytes that travelled, with one
 * exception — a binary field sent as lowercase hex in an ASCII dialect comes
 * back uppercase; such a sender fails verification (we only send uppercase).
 */
import { macX919, verifyX919 } from '../../crypto/mac/iso9797.js';
import { RetailMacKey } from '../../crypto/mac/retail-mac-key.js';
import { encodeWithComputedMac, MAC_BYTES, macField, macInput, type MacField } from '../../iso8583/mac.js';
import { encodeMessage } from '../../iso8583/message-codec.js';
import type { Dialect, EncodeInput, FieldValue, MessageInput } from '../../iso8583/types.js';
import { wipe } from '../../util/bytes.js';
import { encodingRequest } from './fields.js';

export { MAC_BYTES, macField, macInput, type MacField };

/** The TAK as bytes, or — for a host MACing every request under it — as a long-lived `RetailMacKey`. */
export type MacKey = Uint8Array | RetailMacKey;

function x919(macKey: MacKey, data: Uint8Array): Buffer {
  return macKey instanceof RetailMacKey ? macKey.mac(data) : macX919(macKey, data);
}

/** Constant-time check of an X9.19 MAC under either form of key. */
export function verifyX919Under(macKey: MacKey, data: Uint8Array, mac: Uint8Array): boolean {
  return macKey instanceof RetailMacKey ? macKey.verify(data, mac) : verifyX919(macKey, data, mac);
}

/** The message encoded with its X9.19 MAC under `macKey` (any MAC it carried is replaced), in one encode. */
export function encodeWithMac(dialect: Dialect, input: EncodeInput, macKey: MacKey): Buffer {
  return encodeWithComputedMac(dialect, input, (data) => x919(macKey, data));
}

/** The message encoded with its MAC when `macKey` is given, else as it is (a link that carries no MAC). */
export function encodeWithOptionalMac(dialect: Dialect, input: EncodeInput, macKey: MacKey | undefined): Buffer {
  return macKey === undefined ? encodeMessage(dialect, input) : encodeWithMac(dialect, input, macKey);
}

/**
 * A request's bytes: the message `build` makes, MAC'd when `macKey` is given.
 * A value the codec refuses is `HOST_REQUEST_INVALID` naming the field
 * (`encodingRequest`); nothing has been sent then.
 */
export function encodeRequest(what: string, dialect: Dialect, build: () => EncodeInput, macKey: MacKey | undefined): Buffer {
  return encodingRequest(what, () => encodeWithOptionalMac(dialect, build(), macKey));
}

/** The message with its MAC field set, for a caller that hands a decoded message on (simulator wrappers). */
export function withMac(dialect: Dialect, input: MessageInput, macKey: MacKey): MessageInput {
  const data = macInput(dialect, input);
  const fields: Record<number, FieldValue | undefined> = { ...input.fields, 64: undefined, 128: undefined, [data.field]: x919(macKey, data.bytes) };
  wipe(data.bytes);
  return { mti: input.mti, fields };
}

export type MacCheck = 'valid' | 'missing' | 'invalid';

/** Checks a received message's MAC in constant time: `missing` when its MAC field is absent. */
export function checkMac(dialect: Dialect, message: MessageInput, macKey: MacKey): MacCheck {
  const data = macInput(dialect, message);
  try {
    const mac = message.fields[data.field];
    if (mac === undefined) return 'missing';
    if (typeof mac === 'string' || mac.length !== MAC_BYTES) return 'invalid';
    return verifyX919Under(macKey, data.bytes, mac) ? 'valid' : 'invalid';
  } finally {
    wipe(data.bytes);
  }
}
