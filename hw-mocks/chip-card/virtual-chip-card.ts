/**
 * The card side of an EMV contact transaction, with real cryptography
 * (EMV 4.4 Book 2 and Book 3):
 *
 * - card master key, option A (Book 2 A1.4.1) from the issuer master key, PAN and PSN;
 * - AC session key, EMV common session key derivation (A1.3.1) with R = ATC ‖ 00…;
 * - first GENERATE AC: the ATC counts up, the CVR says "ARQC returned", the
 *   ARQC is the MAC (ISO 9797-1 alg. 3, padding 2) over the data of
 *   `hw-mocks/host/arqc-data.ts` (the one definition the host simulator shares);
 * - second GENERATE AC: ARPC method 1 (Book 2 8.2.1) is checked under the AC
 *   session key, ARPC = TDES(SK, ARQC ⊕ (ARC ‖ 00…)), ARC = 8A; a good ARPC with an
 *   approving ARC gives a TC, anything else (no ARPC, wrong ARPC, host decline,
 *   the `declineAfterApproval` fault) an AAC. TC/AAC are computed over the same
 *   data with 8A appended.
 *
 * 9F10 (Visa-style layout): [06][DKI 01][CVN 0A][CVR: 03 b1 b2 b3].
 */
import { wipe } from '../../src/util/bytes.js';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1, generateArqc } from '../../src/crypto/emv/cryptogram.js';
import { deriveAcSessionKey } from '../../src/crypto/emv/session-key.js';
import { constantTimeEqual } from '../../src/util/bytes.js';
import type { DeckCard } from '../cards/deck.js';
import { ARQC_PADDING, requireArqcData } from './arqc-data.js';

/** Cryptogram Information Data (9F27), Book 3 Table 14. */
export const CID = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
/** CVR byte 2 (Visa VIS Appendix A): bits 8–7 type of AC returned in the 2nd GENERATE AC, 6–5 in the 1st. */
export const CVR_SECOND_AC_AAC = 0x00;
export const CVR_SECOND_AC_TC = 0x40;
export const CVR_FIRST_AC_ARQC = 0x20;
export const CVR_ISSUER_AUTH_FAILED = 0x04; // byte 3 bit 3 here: ARPC missing or wrong
/** Issuer Application Data prefix: length of the Visa part, DKI, CVN. */
const IAD_HEAD = [0x06, 0x01, 0x0a] as const;
const CVR_LENGTH = 0x03;
/** Application Interchange Profile: SDA not offered, cardholder verification and terminal risk management supported (Book 3 C1). */
export const DEFAULT_AIP = Buffer.from([0x18, 0x00]);
/** Response codes (8A) that approve. */
const APPROVING_ARC = new Set(['00', '08', '10', '11']);

export interface VirtualChipCardOptions {
  /** PAN sequence number, 2 digits; default `01`. */
  readonly psn?: string;
  /** The ATC of the card's next GENERATE AC; default 1. */
  readonly atc?: number;
  /** Service code on the chip and the stripe of this chip card; default the deck's with the first digit 2 (IC present). */
  readonly serviceCode?: string;
  /** CVM: whether the card asks for online PIN; default true. */
  readonly onlinePin?: boolean;
}

export interface FirstAcResult {
  /** The card's data for the online request (57, 5A, 5F24, 5F34, 82, 84, 9F10, 9F26, 9F27, 9F36 …). */
  readonly tags: Map<string, Buffer>;
}

export interface SecondAcInput {
  /** 8A as sent by the terminal (two ASCII characters). */
  readonly arc: Uint8Array;
  /** 91 Issuer Authentication Data: ARPC (8) ‖ ARC (2), when the host sent one. */
  readonly issuerAuthenticationData?: Uint8Array;
  /** The terminal's data (same as for the first AC). */
  readonly terminal: ReadonlyMap<string, Uint8Array>;
}

export class VirtualChipCard {
  readonly card: DeckCard;
  readonly psn: string;
  readonly serviceCode: string;
  readonly onlinePin: boolean;
  readonly #imk: Buffer;
  #atc: number;
  /** Set between the first and second GENERATE AC. */
  #session: { sk: Buffer; arqc: Buffer; atc: Buffer; cvr: Buffer } | undefined;
  /** Fault: the card declines (AAC) even after a good ARPC and an approval. */
  declineAfterApproval = false;

  constructor(card: DeckCard, issuerMasterKey: Uint8Array, options: VirtualChipCardOptions = {}) {
    this.card = card;
    this.#imk = Buffer.from(issuerMasterKey);
    this.psn = options.psn ?? '01';
    this.#atc = options.atc ?? 1;
    this.serviceCode = options.serviceCode ?? `2${card.serviceCode.slice(1)}`;
    this.onlinePin = options.onlinePin ?? true;
  }

  /** The ATC the next GENERATE AC will use. */
  get atc(): number {
    return this.#atc;
  }

  /** The card's static data objects (what READ RECORD would give the terminal). */
  records(): Map<string, Buffer> {
    const pan = this.card.pan;
    const t2 = `${pan}D${this.card.expiry}${this.serviceCode}${this.card.discretionary}`;
    const lastDay = new Date(Date.UTC(2000 + Number(this.card.expiry.slice(0, 2)), Number(this.card.expiry.slice(2)), 0)).getUTCDate();
    return new Map<string, Buffer>([
      ['57', Buffer.from(t2.length % 2 === 0 ? t2 : `${t2}F`, 'hex')],
      ['5A', Buffer.from(pan.length % 2 === 0 ? pan : `${pan}F`, 'hex')],
      ['5F24', Buffer.from(`${this.card.expiry}${String(lastDay).padStart(2, '0')}`, 'hex')],
      ['5F34', Buffer.from(this.psn, 'hex')],
      ['82', Buffer.from(DEFAULT_AIP)],
      ['84', Buffer.from(aidFor(pan), 'hex')],
      ['9F34', Buffer.from(this.onlinePin ? [0x42, 0x03, 0x00] : [0x1f, 0x00, 0x02])],
    ]);
  }

  /** First GENERATE AC asking for an ARQC. `terminal` holds the terminal's data (9F02 … 9F37). */
  firstGenerateAc(terminal: ReadonlyMap<string, Uint8Array>): FirstAcResult {
    this.#endSession();
    const atc = Buffer.alloc(2);
    atc.writeUInt16BE(this.#atc & 0xffff);
    this.#atc++;
    const cvr = Buffer.from([CVR_LENGTH, CVR_SECOND_AC_AAC | CVR_FIRST_AC_ARQC, 0x00, 0x00]);
    const iad = Buffer.from([...IAD_HEAD, ...cvr]);
    const records = this.records();
    const data = new Map<string, Uint8Array>([...terminal, ['82', records.get('82') as Buffer], ['9F36', atc], ['9F10', iad]]);
    const mk = deriveCardMasterKey(this.#imk, this.card.pan, this.psn, 'A');
    const sk = deriveAcSessionKey('emv', mk, atc);
    wipe(mk);
    const arqc = generateArqc(sk, requireArqcData(data), ARQC_PADDING);
    this.#session = { sk, arqc, atc, cvr };
    const tags = new Map<string, Buffer>([...records, ['9F36', atc], ['9F10', iad], ['9F26', Buffer.from(arqc)], ['9F27', Buffer.from([CID.ARQC])]]);
    return { tags };
  }

  /** Second GENERATE AC: TC or AAC, with 9F26, 9F27, 9F10, 9F36. */
  secondGenerateAc(input: SecondAcInput): { decision: 'approved' | 'declined'; tags: Map<string, Buffer> } {
    const session = this.#session;
    if (session === undefined) throw new Error('second GENERATE AC without a first');
    const arcText = Buffer.from(input.arc).toString('latin1');
    const authData = input.issuerAuthenticationData;
    let arpcOk = false;
    if (authData !== undefined && authData.length >= 10) {
      const expected = generateArpcMethod1(session.sk, session.arqc, authData.subarray(8, 10));
      arpcOk = constantTimeEqual(expected, authData.subarray(0, 8)) && Buffer.from(authData.subarray(8, 10)).equals(Buffer.from(input.arc));
      wipe(expected);
    }
    const approve = arpcOk && APPROVING_ARC.has(arcText) && !this.declineAfterApproval;
    const cvr = Buffer.from(session.cvr);
    cvr[1] = (approve ? CVR_SECOND_AC_TC : CVR_SECOND_AC_AAC) | CVR_FIRST_AC_ARQC;
    if (!arpcOk) cvr[3] = (cvr[3] as number) | CVR_ISSUER_AUTH_FAILED;
    const iad = Buffer.from([...IAD_HEAD, ...cvr]);
    const data = new Map<string, Uint8Array>([...input.terminal, ['82', DEFAULT_AIP], ['9F36', session.atc], ['9F10', iad]]);
    const ac = generateArqc(session.sk, Buffer.concat([requireArqcData(data), input.arc]), ARQC_PADDING);
    const tags = new Map<string, Buffer>([
      ['9F26', ac],
      ['9F27', Buffer.from([approve ? CID.TC : CID.AAC])],
      ['9F36', Buffer.from(session.atc)],
      ['9F10', iad],
    ]);
    this.#endSession();
    return { decision: approve ? 'approved' : 'declined', tags };
  }

  /** Power off: forget the session key. */
  #endSession(): void {
    if (this.#session !== undefined) wipe(this.#session.sk);
    this.#session = undefined;
  }

  destroy(): void {
    this.#endSession();
    wipe(this.#imk);
  }
}

/** Application identifier by brand, from the PAN's first digit (Visa credit/debit, Mastercard, Amex, Discover). */
function aidFor(pan: string): string {
  switch (pan[0]) {
    case '4':
      return 'A0000000031010';
    case '5':
    case '2':
      return 'A0000000041010';
    case '3':
      return 'A00000002501';
    default:
      return 'A0000001523010';
  }
}
