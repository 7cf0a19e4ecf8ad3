/**
 * From a reader's online-request TLV to what the engine needs: whether the
 * card chose online PIN (CVM Results 9F34 byte 1, EMV Book 3 Annex C3: CVM
 * code 000010 = enciphered PIN verified online), and the TLV without the
 * reader's proprietary tags. The card itself comes from tag 57
 * (`drivers/shared/track2-equivalent.ts`).
 */
import { encode, type TlvNode } from '../../src/emv/ber-tlv.js';

export const CVM_CODE_MASK = 0x3f; // 9F34 byte 1, b6–b1
export const CVM_ONLINE_PIN = 0x02; // enciphered PIN verified online

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
