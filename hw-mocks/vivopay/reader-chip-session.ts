/**
 * The virtual ViVOpay reader's own EMV contact sequence against an inserted
 * chip (an `EmvChipCard` spoken to in APDUs), the minimum a reader that runs
 * EMV itself needs for its online request (EMV 4.4 Book 1 §12, Book 3 §10):
 *
 *   SELECT by the reader's AIDs (partial selection)  →  GET PROCESSING OPTIONS (PDOL data)
 *   →  READ RECORD along the AFL  →  CVM: the first rule of 8E the reader supports (9F34)
 *   →  GENERATE AC asking an ARQC (CDOL1 data)
 *   completion: EXTERNAL AUTHENTICATE when the AIP offers it  →  GENERATE AC asking a TC
 *   (or an AAC when the host declined) with the CDOL2 data (8A, 91 …)
 *
 * No offline data authentication, risk management or action analysis: the
 * reader always goes online (issue 14 reworks this flow). Any status word
 * other than 9000 on the way is a chip that cannot be read.
 */
import { decode, encodeOne, type TlvNode } from '../../src/emv/ber-tlv.js';
import { buildDolData } from '../../src/emv/dol.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { APPROVING_ARCS, ARC_UNABLE_ONLINE_APPROVED } from '../chip-card/card-risk.js';
import type { EmvChipCard } from '../chip-card/emv-chip-card.js';

/** The reader's AIDs, tried in order with partial selection: Visa, Mastercard, Amex, Discover. */
export const READER_AIDS: readonly Buffer[] = ['A000000003', 'A000000004', 'A000000025', 'A000000152'].map((h) => Buffer.from(h, 'hex'));
/** The card's data objects the online request carries (the rest stays with the reader). */
const CARD_TAGS_FOR_HOST = ['57', '5A', '5F24', '5F34', '82', '84'] as const;
/** CVM codes this reader performs (Book 3 Annex C3): enciphered PIN online, signature, no CVM. */
const SUPPORTED_CVMS: ReadonlySet<number> = new Set([0x02, 0x1e, 0x1f]);
const CVM_ALWAYS = 0x00;
const CVM_IF_TERMINAL_SUPPORTS = 0x03;
const CVM_RESULT_UNKNOWN = 0x00;
const CVM_RESULT_SUCCESSFUL = 0x02;
const CVM_NO_CVM = 0x1f;
const AIP_ISSUER_AUTHENTICATION = 0x04;
const P1_ARQC = 0x80;
const P1_TC = 0x40;
const P1_AAC = 0x00;

export type ChipReadOutcome = { readonly ok: true; readonly session: ReaderChipSession; readonly tags: Map<string, Buffer> } | { readonly ok: false };

/** A chip read up to its ARQC; `complete` finishes it with the host's answer. */
export class ReaderChipSession {
  readonly #card: EmvChipCard;
  readonly #terminal: Map<string, Buffer>;
  readonly #data: Map<string, Buffer>;

  private constructor(card: EmvChipCard, terminal: Map<string, Buffer>, data: Map<string, Buffer>) {
    this.#card = card;
    this.#terminal = terminal;
    this.#data = data;
  }

  /** Powers the card and runs the sequence to the first GENERATE AC. `terminal` gains 9F34. */
  static start(card: EmvChipCard, terminal: Map<string, Buffer>): ChipReadOutcome {
    card.powerOn();
    const data = new Map<string, Buffer>();
    const fci = select(card);
    if (fci === undefined) return { ok: false };
    merge(data, fci);
    const pdol = data.get('9F38');
    const gpo = send(card, 0x80, 0xa8, 0, 0, encodeOne({ tag: '83', value: pdol === undefined ? Buffer.alloc(0) : buildDolData(pdol, terminal) }));
    if (gpo === undefined) return { ok: false };
    const [gpoNode] = decode(gpo);
    if (gpoNode?.tag === '80') {
      data.set('82', Buffer.from(gpoNode.value.subarray(0, 2)));
      data.set('94', Buffer.from(gpoNode.value.subarray(2)));
    } else merge(data, gpo);
    const afl = data.get('94') ?? Buffer.alloc(0);
    for (let i = 0; i + 3 < afl.length; i += 4) {
      const sfi = (afl[i] as number) >> 3;
      for (let n = afl[i + 1] as number; n <= (afl[i + 2] as number); n++) {
        const record = send(card, 0x00, 0xb2, n, (sfi << 3) | 4);
        if (record === undefined) return { ok: false };
        merge(data, record);
      }
    }
    terminal.set('9F34', cvmResults(data.get('8E')));
    const ac = generateAc(card, P1_ARQC, data.get('8C'), terminal);
    if (ac === undefined) return { ok: false };
    const tags = new Map<string, Buffer>();
    for (const tag of CARD_TAGS_FOR_HOST) {
      const value = data.get(tag);
      if (value !== undefined) tags.set(tag, value);
    }
    for (const [tag, value] of ac) tags.set(tag, value);
    return { ok: true, session: new ReaderChipSession(card, terminal, data), tags };
  }

  /**
   * Issuer authentication and the second GENERATE AC, asking a TC when the
   * ARC approves (or is Y3, approved offline) and an AAC otherwise: 9F26,
   * 9F27, 9F36, 9F10 — or undefined when the chip fails.
   */
  complete(arc: Buffer, issuerAuthenticationData: Buffer | undefined): Map<string, Buffer> | undefined {
    const approved = APPROVING_ARCS.has(arc.toString('latin1')) || arc.toString('latin1') === ARC_UNABLE_ONLINE_APPROVED;
    const aip = this.#data.get('82');
    if (issuerAuthenticationData !== undefined && aip !== undefined && ((aip[0] as number) & AIP_ISSUER_AUTHENTICATION) !== 0) {
      // 63 00 (issuer authentication failed) is an answer too: the card declines at the second GENERATE AC.
      this.#card.transmit(Buffer.from([0x00, 0x82, 0x00, 0x00, issuerAuthenticationData.length, ...issuerAuthenticationData]));
    }
    const values = new Map([...this.#terminal, ['8A', arc]]);
    if (issuerAuthenticationData !== undefined) values.set('91', issuerAuthenticationData);
    return generateAc(this.#card, approved ? P1_TC : P1_AAC, this.#data.get('8D'), values);
  }
}

function select(card: EmvChipCard): TlvNode[] | undefined {
  for (const aid of READER_AIDS) {
    const answer = card.transmit(Buffer.from([0x00, 0xa4, 0x04, 0x00, aid.length, ...aid, 0x00]));
    if (sw(answer) === 0x9000) return decode(answer.subarray(0, answer.length - 2));
  }
  return undefined;
}

function generateAc(card: EmvChipCard, p1: number, cdol: Buffer | undefined, values: Map<string, Buffer>): Map<string, Buffer> | undefined {
  const data = cdol === undefined ? Buffer.alloc(0) : buildDolData(cdol, values);
  const answer = send(card, 0x80, 0xae, p1, 0, data);
  if (answer === undefined) return undefined;
  const [node] = decode(answer);
  if (node?.tag !== '80') return new Map([...flatten(decode(answer))].map(([tag, value]) => [tag, Buffer.from(value)]));
  const v = Buffer.from(node.value);
  return new Map([
    ['9F27', v.subarray(0, 1)],
    ['9F36', v.subarray(1, 3)],
    ['9F26', v.subarray(3, 11)],
    ['9F10', v.subarray(11)],
  ]);
}

/** Book 3 §10.5 reduced to this reader: the first rule it supports whose condition is "always" or "if the terminal supports the CVM". */
function cvmResults(cvmList: Buffer | undefined): Buffer {
  const rules = cvmList?.subarray(8) ?? Buffer.alloc(0);
  for (let i = 0; i + 1 < rules.length; i += 2) {
    const code = (rules[i] as number) & 0x3f;
    const condition = rules[i + 1] as number;
    if (SUPPORTED_CVMS.has(code) && (condition === CVM_ALWAYS || condition === CVM_IF_TERMINAL_SUPPORTS)) {
      return Buffer.from([rules[i] as number, condition, code === CVM_NO_CVM ? CVM_RESULT_SUCCESSFUL : CVM_RESULT_UNKNOWN]);
    }
  }
  return Buffer.from([CVM_NO_CVM, CVM_ALWAYS, CVM_RESULT_SUCCESSFUL]);
}

/** One command; its data on 9000, undefined on any other status word. */
function send(card: EmvChipCard, cla: number, ins: number, p1: number, p2: number, data?: Buffer): Buffer | undefined {
  const command = Buffer.from([cla, ins, p1, p2, ...(data === undefined ? [] : [data.length, ...data]), 0x00]);
  const answer = card.transmit(command);
  return sw(answer) === 0x9000 ? answer.subarray(0, answer.length - 2) : undefined;
}

function merge(into: Map<string, Buffer>, source: Buffer | TlvNode[]): void {
  const nodes = Buffer.isBuffer(source) ? decode(source) : source;
  for (const [tag, value] of flatten(nodes)) if (!into.has(tag)) into.set(tag, Buffer.from(value));
}

function sw(answer: Buffer): number {
  return answer.length < 2 ? 0 : answer.readUInt16BE(answer.length - 2);
}
