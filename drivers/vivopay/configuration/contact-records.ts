/**
 * The data of the contact EMV configuration commands (NEO 2 guide §8.4.3–
 * 8.4.13, the 60-xx family). Counts and lengths inside the data are little
 * endian (`<LenL><LenH>`), unlike the frame's own length:
 *
 *   terminal data     [count L][count H][TLV…]                                    60-04 answer, 60-06
 *   application data  [AID len L][AID len H][AID][count L][count H][TLV…]         60-03 (and the 60-01 answer)
 *   AID list          [number L][number H] ([len L][len H][AID])…                  60-07 answer
 *   CA key            [RID 5][index][hash alg 01][key alg 01][SHA-1 20]
 *                     [exponent 4, big endian][modulus len L][modulus len H][modulus]   60-08 answer, 60-0A
 *   CA key list       ([RID 5][index])…                                           60-0B answer
 *
 * Decoders take the reader's bytes and return values or throw
 * `READER_CONFIG_MALFORMED` naming the command and the offset; they never
 * throw anything else.
 */
import { decode, encode } from '../../../src/emv/ber-tlv.js';
import { toHex } from '../../../src/util/hex.js';
import { PosError, isPosError } from '../../../src/util/errors.js';
import type { ConfigurationOperation } from './commands.js';

/** One data object as the reader stores it: tag as uppercase hex, value bytes. */
export interface TlvItem {
  readonly tag: string;
  readonly value: Buffer;
}

export interface ApplicationData {
  readonly aid: Buffer;
  readonly tlvs: readonly TlvItem[];
}

/** A CA public key as the reader holds it. */
export interface ReaderCapk {
  readonly rid: Buffer;
  readonly index: number;
  /** 1 or 3 bytes: 03, or 01 00 01. */
  readonly exponent: Buffer;
  readonly modulus: Buffer;
  /** SHA-1 over RID ‖ index ‖ modulus ‖ exponent. */
  readonly hash: Buffer;
}

export interface CapkId {
  readonly rid: Buffer;
  readonly index: number;
}

export const RID_BYTES = 5;
export const AID_MIN_BYTES = 5;
export const AID_MAX_BYTES = 16;
/** Hash and key algorithm indicators: SHA-1 and RSA, the only ones the reader takes. */
export const CAPK_HASH_SHA1 = 0x01;
export const CAPK_ALGORITHM_RSA = 0x01;
const CAPK_HASH_BYTES = 20;
const CAPK_EXPONENT_FIELD_BYTES = 4;
/** RID, index, the two algorithm bytes, the hash, the exponent field and the modulus length. */
const CAPK_FIXED_BYTES = RID_BYTES + 1 + 2 + CAPK_HASH_BYTES + CAPK_EXPONENT_FIELD_BYTES + 2;
const CAPK_MAX_MODULUS_BYTES = 248;

export function malformed(operation: ConfigurationOperation, offset: number, what: string): PosError {
  return new PosError('READER_CONFIG_MALFORMED', `The reader's ${operation} answer is malformed: ${what}`, { command: operation, offset });
}

/** `[count L][count H][TLV…]`. */
export function encodeTlvList(tlvs: readonly TlvItem[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16LE(tlvs.length);
  return Buffer.concat([count, encode(tlvs)]);
}

/** Decodes `[count L][count H][TLV…]`; the count must be the number of objects that follow. */
export function decodeTlvList(operation: ConfigurationOperation, data: Uint8Array, start = 0): TlvItem[] {
  if (data.length - start < 2) throw malformed(operation, start, 'no tag count');
  const count = (data[start] as number) | ((data[start + 1] as number) << 8);
  const tlvs = decodeTlvs(operation, data.subarray(start + 2), start + 2);
  if (tlvs.length !== count) throw malformed(operation, start, `${count} tags announced, ${tlvs.length} present`);
  return tlvs;
}

/** A run of primitive TLVs (copies, so the frame's buffer may be wiped). */
export function decodeTlvs(operation: ConfigurationOperation, data: Uint8Array, offsetBase = 0): TlvItem[] {
  try {
    return decode(data).map((node) => ({ tag: node.tag, value: Buffer.from(node.value) }));
  } catch (error) {
    if (isPosError(error)) throw malformed(operation, offsetBase + Number(error.details['offset'] ?? 0), error.code);
    throw error;
  }
}

export function encodeApplicationData({ aid, tlvs }: ApplicationData): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16LE(aid.length);
  return Buffer.concat([length, aid, encodeTlvList(tlvs)]);
}

/**
 * The 60-01 answer for `aid`. Its page is missing from the stored guide: it is
 * taken as 60-03's data, and also accepted without the AID prefix
 * (`[count L][count H][TLV…]`), so either form a reader sends reads the same.
 */
export function decodeApplicationData(operation: ConfigurationOperation, data: Uint8Array, aid: Uint8Array): ApplicationData {
  if (data.length >= 2 + aid.length) {
    const length = (data[0] as number) | ((data[1] as number) << 8);
    if (length === aid.length && Buffer.from(data.subarray(2, 2 + length)).equals(aid)) {
      return { aid: Buffer.from(aid), tlvs: decodeTlvList(operation, data, 2 + length) };
    }
  }
  return { aid: Buffer.from(aid), tlvs: decodeTlvList(operation, data) };
}

/** Decodes the data of a 60-03 (the twin's side, and round trips). */
export function decodeSetApplicationData(operation: ConfigurationOperation, data: Uint8Array): ApplicationData {
  if (data.length < 2) throw malformed(operation, 0, 'no AID length');
  const length = (data[0] as number) | ((data[1] as number) << 8);
  if (length < AID_MIN_BYTES || length > AID_MAX_BYTES) throw malformed(operation, 0, `AID of ${length} bytes`);
  if (data.length < 2 + length) throw malformed(operation, 2, 'AID runs past the end');
  return { aid: Buffer.from(data.subarray(2, 2 + length)), tlvs: decodeTlvList(operation, data, 2 + length) };
}

export function encodeAidList(aids: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from([aids.length & 0xff, aids.length >> 8])];
  for (const aid of aids) parts.push(Buffer.from([aid.length & 0xff, aid.length >> 8]), Buffer.from(aid));
  return Buffer.concat(parts);
}

/** An empty answer is read as no AIDs (the guide answers status 60 instead, p172). */
export function decodeAidList(operation: ConfigurationOperation, data: Uint8Array): Buffer[] {
  if (data.length === 0) return [];
  if (data.length < 2) throw malformed(operation, 0, 'no AID count');
  const count = (data[0] as number) | ((data[1] as number) << 8);
  const aids: Buffer[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (data.length - at < 2) throw malformed(operation, at, `AID ${i + 1} of ${count} missing`);
    const length = (data[at] as number) | ((data[at + 1] as number) << 8);
    if (length < AID_MIN_BYTES || length > AID_MAX_BYTES) throw malformed(operation, at, `AID of ${length} bytes`);
    if (data.length - at - 2 < length) throw malformed(operation, at, 'AID runs past the end');
    aids.push(Buffer.from(data.subarray(at + 2, at + 2 + length)));
    at += 2 + length;
  }
  if (at !== data.length) throw malformed(operation, at, 'bytes after the last AID');
  return aids;
}

export function encodeCapkId({ rid, index }: CapkId): Buffer {
  return Buffer.concat([rid, Buffer.from([index])]);
}

export function encodeCapk(key: ReaderCapk): Buffer {
  const exponent = Buffer.alloc(CAPK_EXPONENT_FIELD_BYTES);
  key.exponent.copy(exponent, CAPK_EXPONENT_FIELD_BYTES - key.exponent.length);
  const modulusLength = Buffer.alloc(2);
  modulusLength.writeUInt16LE(key.modulus.length);
  return Buffer.concat([key.rid, Buffer.from([key.index, CAPK_HASH_SHA1, CAPK_ALGORITHM_RSA]), key.hash, exponent, modulusLength, key.modulus]);
}

export function decodeCapk(operation: ConfigurationOperation, data: Uint8Array): ReaderCapk {
  if (data.length < CAPK_FIXED_BYTES) throw malformed(operation, data.length, `key record of ${data.length} bytes`);
  const bytes = Buffer.from(data);
  const hashAlgorithm = bytes[RID_BYTES + 1] as number;
  const keyAlgorithm = bytes[RID_BYTES + 2] as number;
  if (hashAlgorithm !== CAPK_HASH_SHA1 || keyAlgorithm !== CAPK_ALGORITHM_RSA) throw malformed(operation, RID_BYTES + 1, 'algorithm indicators are not SHA-1 and RSA');
  const hashAt = RID_BYTES + 3;
  const exponentAt = hashAt + CAPK_HASH_BYTES;
  const exponent = exponentFrom(bytes.readUInt32BE(exponentAt));
  if (exponent === undefined) throw malformed(operation, exponentAt, 'exponent is neither 3 nor 65537');
  const modulusLength = bytes.readUInt16LE(exponentAt + CAPK_EXPONENT_FIELD_BYTES);
  if (modulusLength === 0 || modulusLength > CAPK_MAX_MODULUS_BYTES) throw malformed(operation, exponentAt + CAPK_EXPONENT_FIELD_BYTES, `modulus of ${modulusLength} bytes`);
  if (bytes.length !== CAPK_FIXED_BYTES + modulusLength) throw malformed(operation, CAPK_FIXED_BYTES, `modulus of ${modulusLength} bytes announced, ${bytes.length - CAPK_FIXED_BYTES} present`);
  return {
    rid: bytes.subarray(0, RID_BYTES),
    index: bytes[RID_BYTES] as number,
    hash: bytes.subarray(hashAt, exponentAt),
    exponent,
    modulus: bytes.subarray(CAPK_FIXED_BYTES),
  };
}

/** The 4-byte exponent field as EMV's 1 or 3 bytes. */
function exponentFrom(value: number): Buffer | undefined {
  if (value === 3) return Buffer.from([0x03]);
  if (value === 0x010001) return Buffer.from([0x01, 0x00, 0x01]);
  return undefined;
}

/**
 * The contactless kernel's key (D0-03, §8.7.3 p248–249): the same fields
 * after RID and index, but the modulus length high byte first.
 */
export function encodeContactlessCapk(key: ReaderCapk): Buffer {
  const exponent = Buffer.alloc(CAPK_EXPONENT_FIELD_BYTES);
  key.exponent.copy(exponent, CAPK_EXPONENT_FIELD_BYTES - key.exponent.length);
  const modulusLength = Buffer.alloc(2);
  modulusLength.writeUInt16BE(key.modulus.length);
  return Buffer.concat([key.rid, Buffer.from([key.index, CAPK_HASH_SHA1, CAPK_ALGORITHM_RSA]), key.hash, exponent, modulusLength, key.modulus]);
}

/** The D0-02 answer: `<hash alg 01><key alg 01><checksum 20>`; the checksum. */
export function decodeContactlessCapkHash(operation: ConfigurationOperation, data: Uint8Array): Buffer {
  if (data.length !== 2 + CAPK_HASH_BYTES) throw malformed(operation, 0, `hash answer of ${data.length} bytes`);
  return Buffer.from(data.subarray(2));
}

/** The D0-06 answer: RIDs, 5 bytes each. */
export function decodeRidList(operation: ConfigurationOperation, data: Uint8Array): Buffer[] {
  if (data.length % RID_BYTES !== 0) throw malformed(operation, data.length - (data.length % RID_BYTES), `${data.length} bytes is not a whole number of RIDs`);
  const rids: Buffer[] = [];
  for (let at = 0; at < data.length; at += RID_BYTES) rids.push(Buffer.from(data.subarray(at, at + RID_BYTES)));
  return rids;
}

export function encodeCapkList(ids: readonly CapkId[]): Buffer {
  return Buffer.concat(ids.map(encodeCapkId));
}

export function decodeCapkList(operation: ConfigurationOperation, data: Uint8Array): CapkId[] {
  const entry = RID_BYTES + 1;
  if (data.length % entry !== 0) throw malformed(operation, data.length - (data.length % entry), `${data.length} bytes is not a whole number of ${entry}-byte entries`);
  const ids: CapkId[] = [];
  for (let at = 0; at < data.length; at += entry) ids.push({ rid: Buffer.from(data.subarray(at, at + RID_BYTES)), index: data[at + RID_BYTES] as number });
  return ids;
}

/** `A000000003/92`: how logs, changes and errors name a CA key. */
export function capkName({ rid, index }: CapkId): string {
  return `${toHex(rid)}/${index.toString(16).toUpperCase().padStart(2, '0')}`;
}
