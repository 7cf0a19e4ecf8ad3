/**
 * The File Control Information a card returns to SELECT, EMV 4.4 Book 1
 * §11.3.4 (Table 8 for the PSE, Table 9 for an ADF), and the SELECT
 * command itself (§11.3.2):
 *
 *   6F FCI template
 *      84 DF name (mandatory)
 *      A5 FCI proprietary template (mandatory)
 *         88 SFI of the directory EF (the PSE's, mandatory there)
 *         50 Application Label, 87 Application Priority Indicator,
 *         9F38 PDOL, 5F2D Language Preference, 9F11 Issuer Code Table
 *         Index, 9F12 Application Preferred Name, BF0C discretionary data
 *
 * An FCI that is not that shape, or names a primitive twice, is a format
 * error: `parseFci` answers undefined and selection treats it as the book
 * says for the step (fall back to the list of AIDs, skip the AID, or take
 * the candidate off the list).
 */
import { isPosError } from '../../../util/errors.js';
import { decode, type TlvNode } from '../../ber-tlv.js';
import { CLA_INTERINDUSTRY, INS, exchange, type ResponseApdu, type Transmit } from '../apdu.js';
import { primitivesOf } from '../initiate.js';

/** SELECT P1: select by DF name (Book 1 §11.3.2). */
const P1_BY_NAME = 0x04;
/** SELECT P2: first or only occurrence, next occurrence. */
const P2_FIRST = 0x00;
const P2_NEXT = 0x02;

export type Occurrence = 'first' | 'next';

/** SELECT by DF name, Le 00. */
export async function selectByName(transmit: Transmit, name: Uint8Array, occurrence: Occurrence): Promise<ResponseApdu> {
  return exchange(transmit, { cla: CLA_INTERINDUSTRY, ins: INS.SELECT, p1: P1_BY_NAME, p2: occurrence === 'first' ? P2_FIRST : P2_NEXT, data: name, le: 0 });
}

export interface Fci {
  /** The value of the 6F template, a copy. */
  readonly value: Buffer;
  /** 84. */
  readonly dfName: Buffer;
  /** The children of A5. */
  readonly proprietary: readonly TlvNode[];
}

/** The DF name of a payment application: an AID, 5–16 bytes (Book 1 §12.2.1). */
export const MIN_AID_BYTES = 5;
export const MAX_AID_BYTES = 16;

/** The card's bytes as TLV, or undefined where they are not (a card's malformed answer is no crash). */
export function decodeOrUndefined(data: Uint8Array): TlvNode[] | undefined {
  try {
    return decode(data);
  } catch (error) {
    if (isPosError(error)) return undefined;
    throw error;
  }
}

export function parseFci(data: Uint8Array): Fci | undefined {
  const nodes = decodeOrUndefined(data);
  if (nodes === undefined) return undefined;
  const template = nodes[0];
  if (nodes.length !== 1 || template === undefined || template.tag !== '6F' || template.children === undefined) return undefined;
  const dfName = template.children.find((node) => node.tag === '84');
  const proprietary = template.children.find((node) => node.tag === 'A5');
  if (dfName === undefined || dfName.children !== undefined || proprietary?.children === undefined) return undefined;
  if (dfName.value.length < 1 || dfName.value.length > MAX_AID_BYTES) return undefined;
  const tags = primitivesOf(template.children).map((p) => p.tag);
  if (new Set(tags).size !== tags.length) return undefined;
  return { value: Buffer.from(template.value), dfName: Buffer.from(dfName.value), proprietary: proprietary.children };
}

/** A primitive directly in the A5 template (not in BF0C), if present. */
export function proprietaryValue(fci: Fci, tag: string): Uint8Array | undefined {
  return primitiveChild(fci.proprietary, tag);
}

/** A primitive among `nodes` (one level, not below), if present. */
export function primitiveChild(nodes: readonly TlvNode[], tag: string): Uint8Array | undefined {
  const node = nodes.find((n) => n.tag === tag);
  return node === undefined || node.children !== undefined ? undefined : node.value;
}
