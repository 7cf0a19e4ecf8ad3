/**
 * The terminal's side of the virtual chip card tests, written here from the
 * Books (not from the kernel): APDUs by hand, the issuer's cryptogram checks
 * with src/crypto, and ODA recovery with the CA's public key.
 */
import { createHash } from 'node:crypto';
import { decode, encode, type TlvNode } from '../../../src/emv/ber-tlv.js';
import { buildDolData } from '../../../src/emv/dol.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { deriveCardMasterKey } from '../../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1, verifyArqc } from '../../../src/crypto/emv/cryptogram.js';
import { acInput, acSessionKey, cryptogramVersionOf } from '../../../hw-mocks/chip-card/cryptogram-versions.js';
import type { EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { issuerMasterKeyFor } from '../../../hw-mocks/chip-card/issuer-keys.js';
import { makeSimulationCa, rsaRecover, type SimulationCa } from '../../../hw-mocks/chip-card/simulation-ca.js';

export const VISA_RID = Buffer.from('A000000003', 'hex');
export const MASTERCARD_RID = Buffer.from('A000000004', 'hex');

let cas: SimulationCa[] | undefined;
/** One simulation CA per RID for the whole test file (key generation is the slow part). */
export function testCas(): SimulationCa[] {
  return (cas ??= [makeSimulationCa({ rid: VISA_RID, index: 0x99, modulusBits: 1408 }), makeSimulationCa({ rid: MASTERCARD_RID, index: 0xf1, modulusBits: 1152 })]);
}

export function caFor(rid: Buffer): SimulationCa {
  const ca = testCas().find((c) => c.rid.equals(rid));
  if (ca === undefined) throw new Error('no test CA');
  return ca;
}

export interface Answer {
  readonly data: Buffer;
  /** SW1 SW2 as four hex digits. */
  readonly sw: string;
}

export function tx(card: EmvChipCard, command: string | Buffer): Answer {
  const bytes = typeof command === 'string' ? Buffer.from(command.replace(/\s+/g, ''), 'hex') : command;
  const out = card.transmit(bytes);
  return { data: out.subarray(0, out.length - 2), sw: out.subarray(out.length - 2).toString('hex').toUpperCase() };
}

/** A command APDU from its parts (Lc from the data; Le 00 when `le`). */
export function apdu(header: string, data?: Buffer, le = true): Buffer {
  const head = Buffer.from(header.replace(/\s+/g, ''), 'hex');
  return Buffer.concat([head, data === undefined ? Buffer.alloc(0) : Buffer.from([data.length]), data ?? Buffer.alloc(0), le ? Buffer.from([0]) : Buffer.alloc(0)]);
}

export function selectAid(card: EmvChipCard, aid: string | Buffer, next = false): Answer {
  const name = typeof aid === 'string' ? Buffer.from(aid, 'hex') : aid;
  return tx(card, apdu(next ? '00A40402' : '00A40400', name));
}

/** The terminal's data (Book 4 Annex A, Book 3 Annex A) a test transaction uses. */
export function terminalData(overrides: Record<string, string> = {}): Map<string, Buffer> {
  const base: Record<string, string> = {
    '9F02': '000000001234',
    '9F03': '000000000000',
    '9F1A': '0826',
    '95': '0000000000',
    '5F2A': '0978',
    '9A': '260315',
    '9C': '00',
    '9F37': 'A1B2C3D4',
    '9F35': '22',
    '9F34': '420300',
    '9F45': '0000',
    '9F4C': '0000000000000000',
    '9F21': '101500',
    ...overrides,
  };
  return new Map(Object.entries(base).map(([t, v]) => [t, Buffer.from(v, 'hex')]));
}

/** GET PROCESSING OPTIONS with the PDOL from the FCI (83 00 without one); AIP and AFL from either format. */
export function gpo(card: EmvChipCard, fci: Buffer, terminal: Map<string, Buffer>): Answer & { aip?: Buffer; afl?: Buffer; pdolData: Buffer } {
  const pdol = flatten(decode(fci)).get('9F38');
  const pdolData = pdol === undefined ? Buffer.alloc(0) : buildDolData(pdol, terminal);
  const answer = tx(card, apdu('80A80000', encode([{ tag: '83', value: pdolData }])));
  if (answer.sw !== '9000') return { ...answer, pdolData };
  const [node] = decode(answer.data);
  if (node?.tag === '80') return { ...answer, aip: Buffer.from(node.value.subarray(0, 2)), afl: Buffer.from(node.value.subarray(2)), pdolData };
  const inner = flatten(decode(answer.data));
  return { ...answer, aip: Buffer.from(inner.get('82')!), afl: Buffer.from(inner.get('94')!), pdolData };
}

export interface ReadData {
  readonly data: Map<string, Buffer>;
  /** Book 3 §10.3: the records the AFL marks, then 9F4A's values. */
  readonly staticData: Buffer;
}

/** READ RECORD along the AFL (Book 3 §10.2). */
export function readAfl(card: EmvChipCard, afl: Buffer, aip: Buffer): ReadData {
  const data = new Map<string, Buffer>();
  const signed: Buffer[] = [];
  for (let i = 0; i < afl.length; i += 4) {
    const sfi = afl[i]! >> 3;
    for (let n = afl[i + 1]!; n <= afl[i + 2]!; n++) {
      const answer = tx(card, Buffer.from([0x00, 0xb2, n, (sfi << 3) | 4, 0x00]));
      if (answer.sw !== '9000') throw new Error(`READ RECORD ${sfi}/${n}: ${answer.sw}`);
      const [template] = decode(answer.data);
      if (template?.tag !== '70') throw new Error('not a 70 template');
      if (n < afl[i + 1]! + afl[i + 3]!) signed.push(sfi <= 10 ? Buffer.from(template.value) : answer.data);
      for (const [tag, value] of flatten(template.children ?? [])) data.set(tag, Buffer.from(value));
    }
  }
  if (data.get('9F4A')?.toString('hex') === '82') signed.push(aip);
  return { data, staticData: Buffer.concat(signed) };
}

export function dolData(dol: Buffer | undefined, values: Map<string, Buffer>): Buffer {
  return dol === undefined ? Buffer.alloc(0) : buildDolData(dol, values);
}

export interface AcAnswer {
  readonly cid: number;
  readonly atc: Buffer;
  /** Absent when CDA carries it inside 9F4B. */
  readonly ac: Buffer | undefined;
  readonly iad: Buffer;
  readonly sdad: Buffer | undefined;
  /** The response's objects other than 9F4B, as TLV, in order (CDA's hash input). */
  readonly othersTlv: Buffer;
}

/** A GENERATE AC response in format 1 (80) or 2 (77) (Book 3 §6.5.5.4). */
export function parseAc(data: Buffer): AcAnswer {
  const [node] = decode(data);
  if (node?.tag === '80') {
    const v = Buffer.from(node.value);
    return { cid: v[0]!, atc: v.subarray(1, 3), ac: v.subarray(3, 11), iad: v.subarray(11), sdad: undefined, othersTlv: Buffer.alloc(0) };
  }
  const children: readonly TlvNode[] = node?.children ?? [];
  const get = (tag: string): Buffer | undefined => {
    const hit = children.find((c) => c.tag === tag);
    return hit === undefined ? undefined : Buffer.from(hit.value);
  };
  const othersTlv = encode(children.filter((c) => c.tag !== '9F4B').map((c) => ({ tag: c.tag, value: c.value })));
  return { cid: get('9F27')![0]!, atc: get('9F36')!, ac: get('9F26'), iad: get('9F10')!, sdad: get('9F4B'), othersTlv };
}

/** The issuer's session key for a card's cryptogram (by the version 9F10 names). */
export function issuerSessionKey(deckCardId: string, pan: string, psn: string, iad: Buffer, atc: Buffer, un: Buffer): Buffer {
  const version = cryptogramVersionOf(iad);
  if (version === undefined) throw new Error('unknown 9F10');
  const mk = deriveCardMasterKey(issuerMasterKeyFor(deckCardId), pan, psn, 'A');
  return acSessionKey(version, mk, atc, un);
}

/** The issuer's check of an AC over the terminal data, the card's 82/9F36/9F10 (and the ARC for a second AC). */
export function acVerifies(sessionKey: Buffer, terminal: Map<string, Buffer>, aip: Buffer, answer: { atc: Buffer; iad: Buffer }, ac: Buffer, arc?: Buffer): boolean {
  const version = cryptogramVersionOf(answer.iad);
  if (version === undefined) return false;
  const input = acInput(version, new Map([...terminal, ['82', aip], ['9F36', answer.atc], ['9F10', answer.iad]]), arc);
  return input !== undefined && verifyArqc(sessionKey, input, ac, 2);
}

export function arpc(sessionKey: Buffer, arqc: Buffer, arc: string): Buffer {
  const arcBytes = Buffer.from(arc, 'latin1');
  return Buffer.concat([generateArpcMethod1(sessionKey, arqc, arcBytes), arcBytes]);
}

/** Book 2 §5.3 / §6.3 / §6.4: the ICC public key through the chain, CAPK → 90 (+92) → 9F46 (+9F48). */
export function recoverIccKey(ca: SimulationCa, data: Map<string, Buffer>): { modulus: Buffer; exponent: Buffer; issuerModulus: Buffer } {
  const issuerBlock = rsaRecover(ca.capk.modulus, ca.capk.exponent, data.get('90')!);
  const nI = issuerBlock[13]!;
  const issuerModulus = Buffer.concat([issuerBlock.subarray(15, issuerBlock.length - 21), data.get('92') ?? Buffer.alloc(0)]).subarray(0, nI);
  const iccBlock = rsaRecover(issuerModulus, data.get('9F32')!, data.get('9F46')!);
  const nIc = iccBlock[19]!;
  const modulus = Buffer.concat([iccBlock.subarray(21, iccBlock.length - 21), data.get('9F48') ?? Buffer.alloc(0)]).subarray(0, nIc);
  return { modulus, exponent: data.get('9F47')!, issuerModulus };
}

export function sha1(...parts: Buffer[]): Buffer {
  return createHash('sha1').update(Buffer.concat(parts)).digest();
}
