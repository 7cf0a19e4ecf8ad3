/**
 * From the TLVs a NEO 2 reports (guide 8.4.19 p189, 8.4.20) to what the
 * engine keeps: the data for the host without the reader's own tags (its
 * proprietary `DF…` objects: MSR data, PIN KSN, script result byte), and the
 * kernel's account of the transaction (`EmvSummary`) as the reader gives it
 * — AID, label, TVR, TSI, CVM results, the last cryptogram — with the
 * offline data authentication method read from TVR byte 1 and the AIP
 * (EMV Book 3 Annex C1, C5).
 */
import type { EmvSummary } from '../../src/devices/card-reader.js';
import { encode, type TlvInput, type TlvNode } from '../../src/emv/ber-tlv.js';
import { CID_AAC, CID_ARQC, CID_TC, CID_TYPE_MASK } from './protocol.js';

/** Reader-proprietary tags start DF (private class, primitive): kept from DE 55. */
export function isReaderTag(tag: string): boolean {
  return tag.startsWith('DF');
}

/** The TLVs without the reader's own tags, re-encoded: what goes towards DE 55. */
export function withoutReaderTags(nodes: readonly TlvNode[]): Buffer {
  return encode(nodes.filter((n) => !isReaderTag(n.tag)).map(toInput));
}

function toInput(node: TlvNode): TlvInput {
  return node.children === undefined ? { tag: node.tag, value: node.value } : { tag: node.tag, children: node.children.map(toInput) };
}

/** TVR byte 1 b8: offline data authentication was not performed (Book 3 Annex C5). */
const TVR_ODA_NOT_PERFORMED = 0x80;
/** AIP byte 1 (Book 3 Annex C1): SDA, DDA, CDA supported. */
const AIP_SDA = 0x40;
const AIP_DDA = 0x20;
const AIP_CDA = 0x01;

function hex(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value).toString('hex').toUpperCase();
}

function odaMethod(tvr: Uint8Array | undefined, aip: Uint8Array | undefined): EmvSummary['odaMethod'] {
  if (tvr === undefined || aip === undefined || ((tvr[0] ?? TVR_ODA_NOT_PERFORMED) & TVR_ODA_NOT_PERFORMED) !== 0) return 'none';
  const b1 = aip[0] ?? 0;
  if ((b1 & AIP_CDA) !== 0) return 'cda';
  if ((b1 & AIP_DDA) !== 0) return 'dda';
  if ((b1 & AIP_SDA) !== 0) return 'sda';
  return 'none';
}

function cryptogramType(cid: Uint8Array | undefined): EmvSummary['cryptogramType'] {
  if (cid?.length !== 1) return undefined;
  switch ((cid[0] as number) & CID_TYPE_MASK) {
    case CID_TC:
      return 'TC';
    case CID_ARQC:
      return 'ARQC';
    case CID_AAC:
      return 'AAC';
    default:
      return undefined;
  }
}

/** The reader's account of the transaction, or undefined when it named no application. No card data. */
export function emvSummaryOf(tags: ReadonlyMap<string, Uint8Array>): EmvSummary | undefined {
  const aid = hex(tags.get('4F') ?? tags.get('84'));
  if (aid === undefined) return undefined;
  const label = tags.get('9F12') ?? tags.get('50');
  const cvmResults = hex(tags.get('9F34'));
  const cryptogram = hex(tags.get('9F26'));
  const type = cryptogramType(tags.get('9F27'));
  const atc = hex(tags.get('9F36'));
  return {
    aid,
    ...(label === undefined ? {} : { applicationLabel: Buffer.from(label).toString('latin1') }),
    tvr: hex(tags.get('95')) ?? '0000000000',
    tsi: hex(tags.get('9B')) ?? '0000',
    ...(cvmResults === undefined ? {} : { cvmResults }),
    odaMethod: odaMethod(tags.get('95'), tags.get('82')),
    ...(cryptogram === undefined ? {} : { cryptogram }),
    ...(type === undefined ? {} : { cryptogramType: type }),
    ...(atc === undefined ? {} : { atc }),
  };
}
