/**
 * BER-TLV codec as EMV uses it: EMV 4.4 Book 3 Annex B (coding of BER-TLV
 * data objects), after ISO/IEC 8825-1 (X.690) sections 8.1.2 and 8.1.3.
 *
 *   [tag: 1–4 bytes][length: 1 byte, or 81/82/83/84 + 1–4 bytes][value]
 *
 * Decoding never copies: every `value` is a `subarray` view of the input.
 * Every malformed input ends in a `PosError` with the byte offset and the tag
 * path; recursion is bounded by `maxDepth`, and no allocation is sized from
 * a length field before that length has been checked against the input.
 *
 * Padding: only `00` is skipped, before, between and after data objects (at
 * any level). `FF` is always the first byte of a tag. The standards differ:
 * - EMV Book 3 Annex B1 allows only `00` bytes "without any meaning" there,
 *   and its note recommends issuers avoid proprietary tags starting with `FF`
 *   because old terminals may not recognise `FF` as the start of a
 *   constructed private class tag, i.e. `FF` is a tag byte in EMV.
 * - ISO/IEC 7816-4:1995 Annex D.1 used neither `00` nor `FF` as a tag and let
 *   both appear as padding; the 2005 edition (5.2.2.1) declares only `00`
 *   invalid as a first tag byte.
 * - EMV contactless kernels (Book C-2) use `FF` tags (`FF8101`–`FF8106`).
 * We follow Book 3, as an EMV terminal must: `FF` has b8–b7 = 11 (private),
 * b6 = 1 (constructed) and b5–b1 = 11111, so one or more tag bytes follow
 * (`FF20` is the two-byte tag FF20; `FF8105` the three-byte FF8105). Data
 * padded with `FF` is therefore read as tags: trailing `FF` bytes end in
 * `TLV_TRUNCATED`; elsewhere they show up as an `FF…` object or an error.
 */
import { PosError } from '../util/errors.js';

/** Bits of a tag's first byte (Book 3 Annex B1). */
export const TAG_CONSTRUCTED_BIT = 0x20; // b6: constructed data object
export const TAG_NUMBER_MASK = 0x1f; // b5–b1 all set: more tag bytes follow
export const TAG_MORE_BYTES_BIT = 0x80; // b8 of a subsequent tag byte: another byte follows
export const TAG_CLASS_MASK = 0xc0; // b8–b7: class

/** Length field (Annex B2). */
export const LENGTH_LONG_FORM_BIT = 0x80; // b8 set: b7–b1 count the length bytes that follow
export const LENGTH_INDEFINITE = 0x80; // ISO 8825-1 indefinite form; not used by EMV

/** The one byte allowed before, between and after data objects (Book 3 Annex B1); `FF` starts a tag. */
export const PAD_ZERO = 0x00;

export const MAX_TAG_BYTES = 4;
export const MAX_LENGTH_BYTES = 4;
export const DEFAULT_MAX_DEPTH = 16;

export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** One decoded data object. `tag` is uppercase hex as the specs print it (`'9F26'`). */
export interface TlvNode {
  readonly tag: string;
  readonly constructed: boolean;
  /** The raw value bytes: a view into the decoded input, not a copy. */
  readonly value: Uint8Array;
  /** The decoded children of a constructed object; absent on primitives. */
  readonly children?: readonly TlvNode[];
  /** Offset of the tag's first byte in the input given to `decode`. */
  readonly offset: number;
}

/** What `encode` takes: a primitive with `value`, or a constructed object with `children` (which win over `value`). */
export interface TlvInput {
  readonly tag: string;
  readonly value?: Uint8Array;
  readonly children?: readonly TlvInput[];
}

export interface DecodeOptions {
  /** Reject non-minimal length fields (`81 05`, `82 00 10`) with `TLV_BAD_LENGTH`. Default false: Book 3 tolerates them. */
  readonly strict?: boolean;
  /** Deepest nesting accepted; top-level objects are depth 1. Default 16. */
  readonly maxDepth?: number;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Decodes a sequence of BER-TLV objects, skipping `00` padding between them. */
export function decode(input: Uint8Array, options: DecodeOptions = {}): TlvNode[] {
  const state: DecodeState = { input, strict: options.strict === true, maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH };
  return decodeRange(state, 0, input.length, 1, EMPTY_PATH);
}

interface DecodeState {
  readonly input: Uint8Array;
  readonly strict: boolean;
  readonly maxDepth: number;
}

const EMPTY_PATH: readonly string[] = [];

function decodeRange(state: DecodeState, start: number, end: number, depth: number, path: readonly string[]): TlvNode[] {
  const { input } = state;
  const nodes: TlvNode[] = [];
  let pos = start;
  while (pos < end) {
    const first = input[pos] as number;
    if (first === PAD_ZERO) {
      pos++;
      continue;
    }
    const offset = pos;
    if (depth > state.maxDepth) {
      throw new PosError('TLV_TOO_DEEP', `TLV nested deeper than ${state.maxDepth} levels`, { offset, path: [...path], maxDepth: state.maxDepth });
    }

    // Tag (Annex B1)
    let tag = HEX_BYTE[first] as string;
    pos++;
    if ((first & TAG_NUMBER_MASK) === TAG_NUMBER_MASK) {
      let next: number;
      do {
        if (pos >= end) throw truncated(offset, path, undefined, 'tag');
        if (pos - offset >= MAX_TAG_BYTES) {
          throw new PosError('TLV_BAD_TAG', `TLV tag longer than ${MAX_TAG_BYTES} bytes`, { offset, path: [...path] });
        }
        next = input[pos] as number;
        tag += HEX_BYTE[next] as string;
        pos++;
      } while ((next & TAG_MORE_BYTES_BIT) !== 0);
    }

    // Length (Annex B2)
    if (pos >= end) throw truncated(offset, path, tag, 'length');
    const lengthOffset = pos;
    const lengthByte = input[pos] as number;
    pos++;
    let length: number;
    if ((lengthByte & LENGTH_LONG_FORM_BIT) === 0) {
      length = lengthByte;
    } else {
      const count = lengthByte & ~LENGTH_LONG_FORM_BIT;
      if (count === 0) {
        throw new PosError('TLV_INDEFINITE_LENGTH', 'TLV indefinite length (80) is not allowed in EMV', { offset: lengthOffset, path: [...path, tag] });
      }
      if (count > MAX_LENGTH_BYTES) {
        throw new PosError('TLV_BAD_LENGTH', `TLV length field of ${count} bytes (at most ${MAX_LENGTH_BYTES})`, {
          offset: lengthOffset,
          path: [...path, tag],
          lengthBytes: count,
        });
      }
      if (pos + count > end) throw truncated(offset, path, tag, 'length');
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (input[pos + i] as number);
      pos += count;
      if (state.strict && (length < LENGTH_LONG_FORM_BIT || length < 256 ** (count - 1))) {
        throw new PosError('TLV_BAD_LENGTH', `TLV length ${length} not in minimal form`, {
          offset: lengthOffset,
          path: [...path, tag],
          lengthBytes: count,
        });
      }
    }

    // Value
    if (length > end - pos) {
      throw new PosError('TLV_TRUNCATED', `TLV value of ${length} bytes runs past the end (${end - pos} left)`, {
        offset,
        path: [...path, tag],
        length,
        available: end - pos,
      });
    }
    const valueEnd = pos + length;
    const value = input.subarray(pos, valueEnd);
    if ((first & TAG_CONSTRUCTED_BIT) !== 0) {
      const children = decodeRange(state, pos, valueEnd, depth + 1, [...path, tag]);
      nodes.push({ tag, constructed: true, value, children, offset });
    } else {
      nodes.push({ tag, constructed: false, value, offset });
    }
    pos = valueEnd;
  }
  return nodes;
}

function truncated(offset: number, path: readonly string[], tag: string | undefined, part: 'tag' | 'length'): PosError {
  return new PosError('TLV_TRUNCATED', `TLV ${part} runs past the end`, { offset, path: tag === undefined ? [...path] : [...path, tag], part });
}

/** Encodes objects in order, each length in its minimal form. */
export function encode(nodes: readonly TlvInput[]): Buffer {
  const sizes: number[] = [];
  const total = measureAll(nodes, sizes, 1);
  const out = Buffer.allocUnsafe(total);
  const end = writeAll(nodes, out, 0, sizes, [0]);
  if (end !== total) throw new PosError('INTERNAL', 'TLV encoder wrote a different size than it measured', { where: 'emv/ber-tlv' });
  return out;
}

/** Encodes one object. */
export function encodeOne(node: TlvInput): Buffer {
  return encode([node]);
}

/**
 * Sizes are measured once, depth-first, into `sizes` (value size per node in
 * visiting order) so that the writer does not measure subtrees again.
 */
function measureAll(nodes: readonly TlvInput[], sizes: number[], depth: number): number {
  let total = 0;
  for (const node of nodes) {
    const tagSize = tagBytes(node.tag).length;
    const index = sizes.length;
    sizes.push(0);
    let valueSize: number;
    if (node.children !== undefined) {
      // The same bound as `decode`, so whatever is encoded can be decoded.
      if (depth >= DEFAULT_MAX_DEPTH && node.children.length > 0) {
        throw new PosError('TLV_TOO_DEEP', `TLV tree to encode is nested deeper than ${DEFAULT_MAX_DEPTH} levels`, { path: [node.tag], maxDepth: DEFAULT_MAX_DEPTH });
      }
      valueSize = measureAll(node.children, sizes, depth + 1);
    } else {
      valueSize = node.value?.length ?? 0;
    }
    sizes[index] = valueSize;
    total += tagSize + lengthFieldSize(valueSize, node.tag) + valueSize;
  }
  return total;
}

function writeAll(nodes: readonly TlvInput[], out: Buffer, pos: number, sizes: readonly number[], cursor: [number]): number {
  for (const node of nodes) {
    const valueSize = sizes[cursor[0]++] as number;
    const tag = tagBytes(node.tag);
    out.set(tag, pos);
    pos += tag.length;
    pos = writeLength(valueSize, out, pos);
    if (node.children !== undefined) {
      pos = writeAll(node.children, out, pos, sizes, cursor);
    } else if (node.value !== undefined) {
      out.set(node.value, pos);
      pos += node.value.length;
    }
  }
  return pos;
}

const TAG_TEXT_RE = /^(?:[0-9A-Fa-f]{2}){1,4}$/;

/**
 * Tag text → bytes, checked once per distinct tag. A terminal uses a few
 * hundred tags, so the cache stays small; it is capped all the same.
 */
const TAG_BYTES = new Map<string, Uint8Array>();
const TAG_CACHE_MAX = 4096;

function tagBytes(tag: string): Uint8Array {
  let bytes = TAG_BYTES.get(tag);
  if (bytes === undefined) {
    tagLength(tag);
    bytes = Buffer.from(tag, 'hex');
    if (TAG_BYTES.size < TAG_CACHE_MAX) TAG_BYTES.set(tag, bytes);
  }
  return bytes;
}

/** Number of bytes of a tag given as hex, checked against Annex B1 (continuation bits must agree with the length). */
export function tagLength(tag: string): number {
  if (!TAG_TEXT_RE.test(tag)) throw badTagText(tag);
  const n = tag.length / 2;
  const first = parseInt(tag.slice(0, 2), 16);
  if ((first & TAG_NUMBER_MASK) !== TAG_NUMBER_MASK) {
    if (n !== 1) throw badTagText(tag);
    return 1;
  }
  if (n === 1) throw badTagText(tag);
  for (let i = 1; i < n; i++) {
    const b = parseInt(tag.slice(i * 2, i * 2 + 2), 16);
    const last = i === n - 1;
    if (((b & TAG_MORE_BYTES_BIT) === 0) !== last) throw badTagText(tag);
  }
  return n;
}

function badTagText(tag: string): PosError {
  // A tag is never card data, but cap what we echo.
  return new PosError('TLV_BAD_TAG', 'Not a valid BER-TLV tag (1 to 4 bytes of hex, continuation bits consistent)', { tag: tag.slice(0, 16) });
}



/** Size of the minimal length field for a value of `length` bytes. */
export function lengthFieldSize(length: number, tag = ''): number {
  if (length < 0x80) return 1;
  if (length <= 0xff) return 2;
  if (length <= 0xffff) return 3;
  if (length <= 0xffffff) return 4;
  if (length <= 0xffffffff) return 5;
  throw new PosError('TLV_VALUE_TOO_LONG', `TLV value of ${length} bytes cannot be encoded`, { path: tag === '' ? [] : [tag], length });
}

function writeLength(length: number, out: Buffer, pos: number): number {
  const size = lengthFieldSize(length);
  if (size === 1) {
    out[pos] = length;
    return pos + 1;
  }
  const count = size - 1;
  out[pos++] = LENGTH_LONG_FORM_BIT | count;
  for (let i = count - 1; i >= 0; i--) out[pos++] = Math.floor(length / 256 ** i) & 0xff;
  return pos;
}

/** The class of a tag from its first byte (Annex B1, b8–b7). */
export function tagClass(tag: string): TagClass {
  const first = parseInt(tag.slice(0, 2), 16) & TAG_CLASS_MASK;
  return first === 0x00 ? 'universal' : first === 0x40 ? 'application' : first === 0x80 ? 'context' : 'private';
}

/** Whether a tag marks a constructed object (b6 of its first byte). */
export function isConstructedTag(tag: string): boolean {
  return (parseInt(tag.slice(0, 2), 16) & TAG_CONSTRUCTED_BIT) !== 0;
}
