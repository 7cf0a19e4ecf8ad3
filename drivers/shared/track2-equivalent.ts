/**
 * The card's identity from Track 2 Equivalent Data (tag 57, EMV Book 3
 * Annex A: PAN, separator `D`, YYMM, service code, discretionary data, `F`
 * padding), read with the project's track 2 parser: what every chip reader's
 * driver hands the engine as the `ChipCard`.
 */
import { brandOf } from '../../src/card/brand.js';
import { parseTrack2 } from '../../src/card/track2.js';
import type { ChipCard } from '../../src/card/types.js';
import { PosError } from '../../src/util/errors.js';

export const TRACK2_EQ_SEPARATOR = 0xd; // nibble D: the field separator
export const TRACK2_EQ_PAD = 0xf; // nibble F: pads an odd count of nibbles to whole bytes
const ZERO = 0x30; // '0'
const EQUALS = 0x3d; // '=', the separator as track 2 text has it
const PAN_MIN_DIGITS = 12;
const PAN_MAX_DIGITS = 19;
/** YYMM and the service code after the separator. */
const MIN_DIGITS_AFTER_SEPARATOR = 7;

/**
 * The card from tag 57's value. Its nibbles become the ASCII track 2 text
 * (`D` → `=`, a last `F` dropped) in a buffer wiped before returning, so the
 * PAN never becomes a JS string. Throws `CHIP_DATA_INVALID` unless the value
 * is PAN (12–19 digits) D YYMM SSS digits…, or a `CARD_*` error.
 */
export function cardFromTrack2Equivalent(value: Uint8Array): ChipCard {
  const ascii = Buffer.alloc(value.length * 2);
  try {
    const length = track2Text(value, ascii);
    if (length < 0) {
      throw new PosError('CHIP_DATA_INVALID', 'Track 2 Equivalent Data (57) is not PAN D YYMM SSS …', { tag: '57', lengthBytes: value.length });
    }
    const t2 = parseTrack2(ascii.subarray(0, length));
    t2.discretionary.wipe();
    return { pan: t2.pan, expiry: t2.expiry, serviceCode: t2.serviceCode, brand: brandOf(t2.pan.reveal()), track2: t2.content };
  } finally {
    ascii.fill(0);
  }
}

/** Writes tag 57's nibbles into `out` as ASCII track 2 text; its length, or -1 when the nibbles are not PAN D digits. */
function track2Text(value: Uint8Array, out: Buffer): number {
  let nibbles = value.length * 2;
  const nibbleAt = (i: number): number => ((value[i >> 1] as number) >> (i & 1 ? 0 : 4)) & 0x0f;
  if (nibbles > 0 && nibbleAt(nibbles - 1) === TRACK2_EQ_PAD) nibbles--;
  let separator = -1;
  for (let i = 0; i < nibbles; i++) {
    const nibble = nibbleAt(i);
    if (nibble <= 9) out[i] = ZERO + nibble;
    else if (nibble === TRACK2_EQ_SEPARATOR && separator < 0) {
      separator = i;
      out[i] = EQUALS;
    } else return -1;
  }
  const digitsAfter = nibbles - separator - 1;
  return separator >= PAN_MIN_DIGITS && separator <= PAN_MAX_DIGITS && digitsAfter >= MIN_DIGITS_AFTER_SEPARATOR ? nibbles : -1;
}
