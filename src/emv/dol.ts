/**
 * Data Object Lists (PDOL 9F38, CDOL1 8C, CDOL2 8D, DDOL 9F49, TDOL 97,
 * UDOL…): EMV 4.4 Book 3 section 5.4 (Rules for Using a Data Object List).
 *
 *   DOL:  {[tag: 1–4 bytes][length: 1 byte]}…
 *   data: the values of those tags, each exactly `length` bytes, concatenated
 *
 * Fitting a value to the requested length (section 5.4, and this terminal's
 * rule for an/ans):
 * - n:      right-justified; leading 00 pad, leftmost bytes dropped
 * - cn:     trailing FF pad, rightmost bytes dropped
 * - an/ans: trailing 20 (space) pad, rightmost bytes dropped
 * - b:      trailing 00 pad, rightmost bytes dropped
 * - a tag the terminal does not know (not in the dictionary and not in the
 *   data store), a tag absent from the store, or a constructed tag: all 00.
 */
import { PosError } from '../util/errors.js';
import { LENGTH_LONG_FORM_BIT, MAX_TAG_BYTES, TAG_MORE_BYTES_BIT, TAG_NUMBER_MASK, isConstructedTag } from './ber-tlv.js';
import { lookupTag, type DataFormat } from './tag-dictionary.js';

export const PAD_NUMERIC = 0x00; // n: leading
export const PAD_COMPRESSED_NUMERIC = 0xff; // cn: trailing
export const PAD_TEXT = 0x20; // an, ans: trailing space
export const PAD_BINARY = 0x00; // b: trailing
/** A DOL length is one byte (section 5.4); `81 xx` is read as the same value. */
export const MAX_DOL_ENTRY_LENGTH = 0xff;

export interface DolEntry {
  readonly tag: string;
  readonly length: number;
  /** Offset of the entry's tag in the DOL. */
  readonly offset: number;
}

/** Where `buildDolData` finds values: a tag → value map (such as `flatten`'s) or a function. */
export type DataStore = ReadonlyMap<string, Uint8Array> | ((tag: string) => Uint8Array | undefined);

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** Splits a DOL into its (tag, length) entries. */
export function parseDol(dol: Uint8Array): DolEntry[] {
  const entries: DolEntry[] = [];
  let pos = 0;
  while (pos < dol.length) {
    const offset = pos;
    const first = dol[pos++] as number;
    let tag = HEX_BYTE[first] as string;
    if ((first & TAG_NUMBER_MASK) === TAG_NUMBER_MASK) {
      let next: number;
      do {
        if (pos >= dol.length) throw new PosError('TLV_TRUNCATED', 'DOL tag runs past the end', { offset, path: ['DOL'], part: 'tag' });
        if (pos - offset >= MAX_TAG_BYTES) throw new PosError('TLV_BAD_TAG', `DOL tag longer than ${MAX_TAG_BYTES} bytes`, { offset, path: ['DOL'] });
        next = dol[pos++] as number;
        tag += HEX_BYTE[next] as string;
      } while ((next & TAG_MORE_BYTES_BIT) !== 0);
    }
    if (pos >= dol.length) throw new PosError('TLV_TRUNCATED', 'DOL length runs past the end', { offset, path: ['DOL', tag], part: 'length' });
    const lengthOffset = pos;
    let length = dol[pos++] as number;
    if ((length & LENGTH_LONG_FORM_BIT) !== 0) {
      if (length === LENGTH_LONG_FORM_BIT) {
        throw new PosError('TLV_INDEFINITE_LENGTH', 'DOL entry with indefinite length (80)', { offset: lengthOffset, path: ['DOL', tag] });
      }
      if (length !== (LENGTH_LONG_FORM_BIT | 1)) {
        throw new PosError('TLV_BAD_LENGTH', `DOL entry length must fit one byte`, { offset: lengthOffset, path: ['DOL', tag] });
      }
      if (pos >= dol.length) throw new PosError('TLV_TRUNCATED', 'DOL length runs past the end', { offset, path: ['DOL', tag], part: 'length' });
      length = dol[pos++] as number;
    }
    entries.push({ tag, length, offset });
  }
  return entries;
}

/** The concatenated DOL-related data for `dol` (raw bytes or parsed entries), from `store`. */
export function buildDolData(dol: Uint8Array | readonly DolEntry[], store: DataStore): Buffer {
  const entries = dol instanceof Uint8Array ? parseDol(dol) : dol;
  const get = typeof store === 'function' ? store : (tag: string) => store.get(tag);
  let total = 0;
  for (const e of entries) {
    if (!Number.isInteger(e.length) || e.length < 0 || e.length > MAX_DOL_ENTRY_LENGTH) {
      throw new PosError('TLV_BAD_LENGTH', 'DOL entry length must be 0 to 255', { offset: e.offset, path: ['DOL', e.tag] });
    }
    total += e.length;
  }
  const out = Buffer.alloc(total); // zero-filled: the answer for unknown, absent and constructed tags
  let pos = 0;
  for (const e of entries) {
    const value = isConstructedTag(e.tag) ? undefined : get(e.tag);
    if (value !== undefined) fit(value, formatOf(e.tag), out.subarray(pos, pos + e.length));
    pos += e.length;
  }
  return out;
}

/** A tag in the store but not in the dictionary is treated as binary. */
function formatOf(tag: string): DataFormat {
  return lookupTag(tag)?.format ?? 'b';
}

/** Writes `value` into `slot` (already zeroed) by the padding and truncation rule of its format. */
function fit(value: Uint8Array, format: DataFormat, slot: Buffer): void {
  const n = slot.length;
  if (format === 'n') {
    // Right-justified: keep the rightmost bytes, leading bytes stay 00.
    if (value.length >= n) slot.set(value.subarray(value.length - n));
    else {
      slot.fill(PAD_NUMERIC, 0, n - value.length);
      slot.set(value, n - value.length);
    }
    return;
  }
  const pad = format === 'cn' ? PAD_COMPRESSED_NUMERIC : format === 'an' || format === 'ans' ? PAD_TEXT : PAD_BINARY;
  if (value.length >= n) slot.set(value.subarray(0, n));
  else {
    slot.set(value);
    slot.fill(pad, value.length);
  }
}
