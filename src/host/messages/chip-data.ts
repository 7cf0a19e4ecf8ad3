/**
 * DE 55, ICC system related data (ISO 8583:1987 as used by EMV 4.4 Book 4
 * §12 and the schemes): the chip's online-request data as BER-TLV (EMV Book 3
 * Annex B), forwarded to the host without the objects the EMV dictionary
 * marks sensitive — 57 track 2 equivalent, 5A PAN, 5F20 cardholder name,
 * 9F0B, 9F1F/9F20 track discretionary data, 56/9F6B track data, CVC3s, PIN
 * data. The PAN travels in DE 2 and DE 35 only.
 *
 * In the answer, DE 55 carries the issuer's data for the card: 91 issuer
 * authentication data (ARPC ‖ ARC for ARPC method 1), 71/72 issuer scripts.
 */
import { decode, encode, type TlvInput, type TlvNode } from '../../emv/ber-tlv.js';
import { isSensitiveTag } from '../../emv/tag-dictionary.js';
import { flatten } from '../../emv/tlv-query.js';
import type { Sensitive } from '../../util/sensitive.js';

export const ISSUER_AUTHENTICATION_DATA_TAG = '91';
export const ISSUER_SCRIPT_TAGS = ['71', '72'] as const;

function strip(nodes: readonly TlvNode[]): TlvInput[] {
  const out: TlvInput[] = [];
  for (const node of nodes) {
    if (isSensitiveTag(node.tag)) continue;
    out.push(node.children === undefined ? { tag: node.tag, value: node.value } : { tag: node.tag, children: strip(node.children) });
  }
  return out;
}

/**
 * The DE 55 value for a chip read: its TLV with every sensitive object
 * removed, at any depth. Throws the TLV codec's `PosError` when the chip data
 * does not decode (a reader fault: nothing has been sent).
 */
export function chipDataForHost(tlv: Sensitive): Buffer {
  return encode(strip(decode(tlv.reveal())));
}

/** Tag → value of the issuer data in an answer's DE 55 (only 91, 71 and 72 are handed to the card). */
export function issuerDataForCard(de55: Uint8Array): Buffer {
  const keep = new Set<string>([ISSUER_AUTHENTICATION_DATA_TAG, ...ISSUER_SCRIPT_TAGS]);
  const nodes = decode(de55).filter((n) => keep.has(n.tag));
  return encode(nodes.map((n) => ({ tag: n.tag, value: n.value })));
}

/** The primitives of a DE 55 as tag → value (first occurrence wins). */
export function chipDataMap(de55: Uint8Array): Map<string, Uint8Array> {
  return flatten(decode(de55));
}
