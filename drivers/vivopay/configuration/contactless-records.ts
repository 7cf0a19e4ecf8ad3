/**
 * The data of the contactless configuration commands (NEO 2 guide §8.3):
 * plain BER-TLV runs. A group or AID command starts with the group number
 * (DFEE2D); an AID's second TLV is the AID (9F06, §8.3.1 p151). The "get
 * all" answers (03-05 p158, 03-07) are one run in which each AID or group
 * begins with its group number TLV — which is how they are split here.
 *
 *   group  [DFEE2D 01 nn][TLV…]
 *   AID    [DFEE2D 01 nn][9F06 len AID][DFEE4C 01 flow][TLV…]
 */
import { encode } from '../../../src/emv/ber-tlv.js';
import { toHex } from '../../../src/util/hex.js';
import { CONTACTLESS_TAGS, type ConfigurationOperation } from './commands.js';
import { AID_MAX_BYTES, AID_MIN_BYTES, decodeTlvs, malformed, type TlvItem } from './contact-records.js';

export interface ContactlessGroup {
  readonly group: number;
  /** Every TLV but the group number. */
  readonly tlvs: readonly TlvItem[];
}

export interface ContactlessAid {
  readonly aid: Buffer;
  readonly group: number;
  /** Every TLV but the group number and the AID. */
  readonly tlvs: readonly TlvItem[];
}

export function groupNumberTlv(group: number): TlvItem {
  return { tag: CONTACTLESS_TAGS.groupNumber, value: Buffer.from([group]) };
}

export function aidTlv(aid: Uint8Array): TlvItem {
  return { tag: CONTACTLESS_TAGS.aid, value: Buffer.from(aid) };
}

export function encodeGroup({ group, tlvs }: ContactlessGroup): Buffer {
  return encode([groupNumberTlv(group), ...tlvs]);
}

export function encodeContactlessAid({ aid, group, tlvs }: ContactlessAid): Buffer {
  return encode([groupNumberTlv(group), aidTlv(aid), ...tlvs]);
}

/** Splits a run at each group number TLV: the runs of 03-05 and 03-07, or one group or AID. */
export function splitAtGroupNumbers(operation: ConfigurationOperation, data: Uint8Array): TlvItem[][] {
  const tlvs = decodeTlvs(operation, data);
  const runs: TlvItem[][] = [];
  for (const tlv of tlvs) {
    if (tlv.tag === CONTACTLESS_TAGS.groupNumber) runs.push([tlv]);
    else if (runs.length === 0) throw malformed(operation, 0, `${tlv.tag} before the first group number`);
    else (runs[runs.length - 1] as TlvItem[]).push(tlv);
  }
  return runs;
}

export function decodeGroups(operation: ConfigurationOperation, data: Uint8Array): ContactlessGroup[] {
  return splitAtGroupNumbers(operation, data).map((run) => ({ group: groupOf(operation, run), tlvs: run.slice(1) }));
}

export function decodeContactlessAids(operation: ConfigurationOperation, data: Uint8Array): ContactlessAid[] {
  return splitAtGroupNumbers(operation, data).map((run) => {
    const group = groupOf(operation, run);
    const aid = run.find((t) => t.tag === CONTACTLESS_TAGS.aid)?.value;
    if (aid === undefined || aid.length < AID_MIN_BYTES || aid.length > AID_MAX_BYTES) throw malformed(operation, 0, `group ${groupName(group)}'s run has no AID of 5 to 16 bytes`);
    return { aid, group, tlvs: run.slice(1).filter((t) => t.tag !== CONTACTLESS_TAGS.aid) };
  });
}

function groupOf(operation: ConfigurationOperation, run: readonly TlvItem[]): number {
  const value = run[0]?.value;
  if (value?.length !== 1) throw malformed(operation, 0, 'a group number that is not one byte');
  return value[0] as number;
}

/** `40`: how logs, changes and errors name a group. */
export function groupName(group: number): string {
  return group.toString(16).toUpperCase().padStart(2, '0');
}

export function aidName(aid: Uint8Array): string {
  return toHex(aid);
}
