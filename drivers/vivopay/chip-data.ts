/**
 * From a reader's online-request TLV to what the engine needs: the card's
 * identity from Track 2 Equivalent Data (tag 57, EMV Book 3 Annex A: PAN,
 * separator `D`, YYMM, service code, discretionary data, `F` padding) read
 * with the project's track 2 parser, and whether the card chose online PIN
 * (CVM Results 9F34 byte 1, EMV Book 3 Annex C3: CVM code 000010 =
 * enciphered PIN verified online).
 */
import { brandOf } from '../../src/card/brand.js';
import { parseTrack2 } from '../../src/card/track2.js';
import type { MagstripeCard } from '../../src/card/types.js';
import { encode, type TlvNode } from '../../src/emv/ber-tlv.js';
import { PosError } from '../../src/util/errors.js';

export const CVM_CODE_MASK = 0x3f; // 9F34 byte 1, b6–b1
export const CVM_ONLINE_PIN = 0x02; // enciphered PIN verified online
export const TRACK2_EQ_SEPARATOR = 'D';
export const TRACK2_EQ_PAD = 'F';

/** The card from tag 57's value. Throws `CHIP_DATA_INVALID` or a `CARD_*` error; wipes its intermediate copies. */
export function cardFromTrack2Equivalent(value: Uint8Array): MagstripeCard {
  const hex = Buffer.from(value).toString('hex').toUpperCase();
  const trimmed = hex.endsWith(TRACK2_EQ_PAD) ? hex.slice(0, -1) : hex;
  if (!/^[0-9]{12,19}D[0-9]{7,}$/.test(trimmed)) {
    throw new PosError('CHIP_DATA_INVALID', 'Track 2 Equivalent Data (57) is not PAN D YYMM SSS …', { tag: '57', lengthBytes: value.length });
  }
  const ascii = Buffer.from(trimmed.replace(TRACK2_EQ_SEPARATOR, '='), 'latin1');
  try {
    const t2 = parseTrack2(ascii);
    t2.discretionary.wipe();
    return { pan: t2.pan, expiry: t2.expiry, serviceCode: t2.serviceCode, brand: brandOf(t2.pan.revealText()), track2: t2.content };
  } finally {
    ascii.fill(0);
  }
}

/** True when the CVM Results say the card chose online PIN. */
export function onlinePinRequired(cvmResults: Uint8Array | undefined): boolean {
  return cvmResults !== undefined && cvmResults.length === 3 && ((cvmResults[0] as number) & CVM_CODE_MASK) === CVM_ONLINE_PIN;
}

/** The reader's TLV without its proprietary tags (prefix `DFEE`): what goes towards DE 55. */
export function withoutProprietary(nodes: readonly TlvNode[]): Buffer {
  return encode(nodes.filter((n) => !n.tag.startsWith('DFEE')).map(toInput));
}

function toInput(node: TlvNode): { tag: string; value: Uint8Array } {
  return { tag: node.tag, value: node.value };
}
