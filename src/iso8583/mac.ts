/**
 * ISO 8583:1987 §4.3 DE 64 / DE 128, message authentication code: the MAC
 * is the last data element of a message, in DE 64 when the message has only
 * a primary bitmap and in DE 128 when it has a secondary one. It is computed
 * (ANSI X9.19, by the message builder) over every byte before it:
 *
 *   [MTI][bitmap(s), with the MAC's bit set][DE 2 … the field before the MAC] | [MAC 8 bytes]
 *   └──────────────────────── MAC input ────────────────────────────────────┘
 *
 * The codec only says which bytes; it does no cryptography.
 */
import { encodeField } from './field-codec.js';
import { encodeWithMacOverride, type DecodedMessage } from './message-codec.js';
import type { Dialect, EncodeInput } from './types.js';

/** Bytes of a MAC in DE 64 / DE 128. */
export const MAC_BYTES = 8;
export const PRIMARY_MAC_FIELD = 64;
export const SECONDARY_MAC_FIELD = 128;

export type MacField = typeof PRIMARY_MAC_FIELD | typeof SECONDARY_MAC_FIELD;

export interface MacInput {
  /** Where the MAC goes: 64, or 128 when the message carries a secondary bitmap. */
  readonly field: MacField;
  /** The exact bytes the MAC is computed over. */
  readonly bytes: Buffer;
}

/** The field the MAC of `input` goes in: 128 when the encoded message has a secondary bitmap, else 64. */
export function macField(dialect: Dialect, input: EncodeInput): MacField {
  if (dialect.secondaryBitmap === 'always') return SECONDARY_MAC_FIELD;
  // Own keys, as a spread copy would see them; the MAC fields themselves do not count.
  for (const key in input.fields) {
    if (key === '64' || key === '128' || !Object.hasOwn(input.fields, key)) continue;
    if (input.fields[key as unknown as number] !== undefined && Number(key) > PRIMARY_MAC_FIELD) return SECONDARY_MAC_FIELD;
  }
  return PRIMARY_MAC_FIELD;
}

/**
 * The bytes to compute the MAC over: the message encoded with the MAC
 * field's bit set, up to (not including) the MAC field. A MAC already in
 * `input` (DE 64 or 128) is ignored.
 */
export function macInput(dialect: Dialect, input: EncodeInput): MacInput {
  const field = macField(dialect, input);
  const encoded = encodeWithMacOverride(dialect, input, { field, value: Buffer.alloc(MAC_BYTES) });
  const at = encoded.offsets.get(field) ?? encoded.bytes.length;
  return { field, bytes: encoded.bytes.subarray(0, at) };
}

/** The message with `mac` in its MAC field (64 or 128, as `macField` says); `mac` is computed over `macInput(...).bytes`. */
export function encodeWithMac(dialect: Dialect, input: EncodeInput, mac: Buffer): Buffer {
  const field = macField(dialect, input);
  return encodeWithMacOverride(dialect, input, { field, value: mac }).bytes;
}

/**
 * The message encoded once with its MAC: the MAC field is always the last
 * field, so the MAC input is every byte before it. The message is encoded
 * with a placeholder, `computeMac` sees `bytes[0, at)`, and the MAC's own
 * encoding (raw, or hex text in the ASCII layouts) is written over the
 * placeholder in place. Same bytes as `encodeWithMac(…, mac(macInput(…)))`,
 * with one encode instead of two.
 */
export function encodeWithComputedMac(dialect: Dialect, input: EncodeInput, computeMac: (macInput: Buffer) => Buffer): Buffer {
  const field = macField(dialect, input);
  const encoded = encodeWithMacOverride(dialect, input, { field, value: Buffer.alloc(MAC_BYTES) });
  const at = encoded.offsets.get(field);
  const spec = dialect.fields[field];
  if (at === undefined || spec === undefined) return encodeWithMac(dialect, input, computeMac(macInput(dialect, input).bytes));
  const mac = computeMac(encoded.bytes.subarray(0, at));
  const macBytes = encodeField(field, spec, mac, at);
  macBytes.copy(encoded.bytes, at);
  return encoded.bytes;
}

/** Where the MAC input of a received message ends: it is `received[0, end)`. */
export interface ReceivedMacSpan {
  readonly field: MacField;
  /** The offset of the MAC field in the received bytes. */
  readonly end: number;
}

/**
 * The MAC input of a received message as a span of the bytes it arrived in
 * (the bitmap as received): everything before the MAC field. A host checks
 * the MAC over `received.subarray(0, end)` instead of re-encoding the message
 * (`macInput`), which costs a second encode and a copy per request. The two
 * agree byte for byte except where decoding normalises (hex text sent in
 * lowercase comes back uppercase). `undefined` when the MAC field is absent,
 * or the message also holds the other MAC field (the re-encoded input leaves
 * that one out): use `macInput` for those.
 */
export function receivedMacSpan(dialect: Dialect, decoded: DecodedMessage): ReceivedMacSpan | undefined {
  const { message, offsets } = decoded;
  let field: MacField = dialect.secondaryBitmap === 'always' ? SECONDARY_MAC_FIELD : PRIMARY_MAC_FIELD;
  if (field === PRIMARY_MAC_FIELD) {
    for (const n of offsets.keys()) if (n > PRIMARY_MAC_FIELD && n !== SECONDARY_MAC_FIELD) field = SECONDARY_MAC_FIELD;
  }
  const other = field === PRIMARY_MAC_FIELD ? SECONDARY_MAC_FIELD : PRIMARY_MAC_FIELD;
  const end = offsets.get(field);
  if (end === undefined || offsets.has(other) || !message.has(field)) return undefined;
  return { field, end };
}
