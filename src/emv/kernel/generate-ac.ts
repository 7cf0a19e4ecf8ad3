/**
 * GENERATE AC, EMV 4.4 Book 3 §6.5.5 (the command and its two response
 * formats), §9.3 (what the terminal may ask for and what the card may answer)
 * and §10.8 (card action analysis); the TC hash of §9.2.2 / §5.4; and, when
 * the ODA method is CDA, the signature the card returns with it (Book 2 §6.6).
 *
 *   command:   80 AE P1 00 Lc [CDOL1 or CDOL2 related data] 00
 *              P1 b8–b7 cryptogram asked for (00 AAC, 01 TC, 10 ARQC), b5 CDA signature requested
 *   format 1:  80 L [CID 1][ATC 2][AC 8][IAD 0–32]
 *   format 2:  77 L { 9F27 CID, 9F36 ATC, 9F26 AC | 9F4B SDAD, [9F10 IAD], … }
 *
 * The first GENERATE AC answered 9000 sets the TSI's "card risk management
 * was performed" (card action analysis, Book 3 §10.8, Annex C6): the card
 * did it while answering. The CDOL1 data it was sent carries the TSI from
 * before.
 *
 * The card may answer a lower cryptogram than asked (AAC < TC < ARQC) but
 * never a higher one: that, a status word other than 9000, or a response this
 * module cannot read ends the transaction with a `PosError`. A CDA signature
 * that is missing or does not verify sets TVR "CDA failed" and the terminal
 * treats the answer as an AAC (Book 2 §6.6.2): `type` is then 'AAC' whatever
 * the card's CID said.
 */
import { createHash } from 'node:crypto';
import { decode, type TlvNode } from '../ber-tlv.js';
import { parseDol, type DolEntry } from '../dol.js';
import { isPosError, PosError } from '../../util/errors.js';
import { CLA_EMV, exchange, INS, SW, swHex } from './apdu.js';
import type { CryptogramType } from './action-analysis.js';
import type { KernelContext } from './context.js';
import { sentPdolData } from './initiate.js';
import { verifyCdaSignature, type OdaResult } from './oda/index.js';
import { buildKernelDol } from './terminal-data.js';

export type { CryptogramType } from './action-analysis.js';

/** Book 2 §6.6.2: recovers the SDAD (9F4B) and checks its hash, CID and transaction data hash code. */
export type CdaVerifier = typeof verifyCdaSignature;

export interface GenerateAcResult {
  /** 9F27 as the card sent it, 'advice required' and reason bits included. */
  readonly cid: number;
  /** The cryptogram the terminal acts on: CID b8–b7, or AAC when CDA failed. */
  readonly type: CryptogramType;
  /** 9F26 (from the SDAD under CDA); empty when CDA failed and the card gave none in clear. */
  readonly cryptogram: Buffer;
  /** 9F36. */
  readonly atc: Buffer;
  /** 9F10, when the card sent it. */
  readonly issuerApplicationData?: Buffer;
  /** Set when a CDA signature had to be verified: whether it did. */
  readonly cdaVerified?: boolean;
  /** CID b4: the card asks for an advice (Book 3 Table 14). */
  readonly adviceRequired: boolean;
  /** CID b3–b1: 0 no information, 1 service not allowed, 2 PIN try limit exceeded, 3 issuer authentication failed. */
  readonly reasonCode: number;
}

export interface GenerateAcOptions {
  /** Verifies a CDA signature; the ODA module's `verifyCdaSignature` by default (tests inject their own). */
  readonly verifyCda?: CdaVerifier;
}

/** P1 and CID b8–b7 (Book 3 Tables 12 and 14). */
const CRYPTOGRAM_BITS = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const satisfies Record<CryptogramType, number>;
const CRYPTOGRAM_MASK = 0xc0;
/** The order §9.3 ranks cryptograms in: the card may go down, never up. */
const CRYPTOGRAM_RANK = { AAC: 0, TC: 1, ARQC: 2 } as const satisfies Record<CryptogramType, number>;
const P1_CDA_REQUESTED = 0x10; // b5
const CID_ADVICE_REQUIRED = 0x08; // b4
const CID_REASON_MASK = 0x07; // b3–b1

const FORMAT_1_TAG = '80';
const FORMAT_2_TAG = '77';
const CID_BYTES = 1;
const ATC_BYTES = 2;
const AC_BYTES = 8;
const MAX_IAD_BYTES = 32;
const FORMAT_1_MIN_BYTES = CID_BYTES + ATC_BYTES + AC_BYTES;
const MAX_COMMAND_DATA_BYTES = 255;
/** TC Hash Value (98): SHA-1 over the TDOL related data (Book 3 §9.2.2). */
const TC_HASH_TAG = '98';

const STEP = 'generate-ac';

/** The CDOL1 data sent in the first GENERATE AC, kept for the CDA hash of the second (Book 2 §6.6.2). */
const firstCdolData = new WeakMap<KernelContext, Buffer>();
/**
 * Builds CDOL1 (8C) or CDOL2 (8D) data with the current TVR/TSI (and the TC
 * hash 98 when the CDOL asks for it), sends GENERATE AC and reads its answer;
 * stores 9F27, 9F36, 9F26 and 9F10 as card data.
 */
export async function generateAc(
  ctx: KernelContext,
  request: CryptogramType,
  which: 'first' | 'second',
  oda: OdaResult,
  options: GenerateAcOptions = {},
): Promise<GenerateAcResult> {
  if (which === 'second' && request === 'ARQC') {
    throw new PosError('EMV_KERNEL_STATE', 'The second GENERATE AC asks for a TC or an AAC', { step: STEP, request });
  }
  const dolTag = which === 'first' ? '8C' : '8D';
  const dol = ctx.data.get(dolTag);
  if (dol === undefined) throw new PosError('EMV_CARD_DATA_MISSING', `The card has no ${which === 'first' ? 'CDOL1' : 'CDOL2'}`, { step: STEP, tag: dolTag });
  const entries = parseCardDol(dol, dolTag);
  if (entries.some((entry) => entry.tag === TC_HASH_TAG)) setTcHashValue(ctx);
  const cdolData = buildKernelDol(ctx, dol);
  if (cdolData.length === 0 || cdolData.length > MAX_COMMAND_DATA_BYTES) {
    throw new PosError('EMV_CARD_DATA_INVALID', 'The CDOL asks for no data or more than a command carries', { step: STEP, tag: dolTag, length: cdolData.length });
  }

  const cdaRequested = oda.method === 'cda' && request !== 'AAC' && !ctx.tvr.has('cdaFailed');
  const p1 = CRYPTOGRAM_BITS[request] | (cdaRequested ? P1_CDA_REQUESTED : 0);
  const response = await exchange(ctx.env.transmit, { cla: CLA_EMV, ins: INS.GENERATE_AC, p1, p2: 0x00, data: cdolData, le: 0 });
  if (response.sw !== SW.OK) {
    throw new PosError('EMV_CARD_STATUS', `GENERATE AC answered ${swHex(response.sw)}`, { step: STEP, command: 'GENERATE AC', sw: swHex(response.sw) });
  }
  // Book 3 §10.8: the card performed its risk management in answering the first GENERATE AC (TSI byte 1 b6).
  if (which === 'first') ctx.tsi.set('cardRiskManagementPerformed');
  const answer = parseResponse(response.data);
  const cardType = cryptogramTypeOf(answer.cid);
  if (CRYPTOGRAM_RANK[cardType] > CRYPTOGRAM_RANK[request]) {
    throw new PosError('EMV_CARD_DATA_INVALID', `The card answered ${cardType} to a request for ${request}`, { step: STEP, tag: '9F27', requested: request, returned: cardType });
  }

  const cdolHistory = which === 'first' ? cdolData : Buffer.concat([firstCdolData.get(ctx) ?? Buffer.alloc(0), cdolData]);
  if (which === 'first') firstCdolData.set(ctx, Buffer.from(cdolData));
  else firstCdolData.delete(ctx);

  let type = cardType;
  let cryptogram = answer.cryptogram;
  let cdaVerified: boolean | undefined;
  let iccDynamicNumber: Buffer | undefined;
  const mustVerify = cdaRequested && (cardType !== 'AAC' || (answer.sdad !== undefined && answer.cryptogram === undefined));
  if (mustVerify) {
    ctx.tsi.set('odaPerformed');
    const verified = verifySignature(ctx, oda, answer, cdolHistory, options.verifyCda ?? verifyCdaSignature);
    cdaVerified = verified !== undefined;
    if (verified === undefined) {
      ctx.tvr.set('cdaFailed');
      type = 'AAC';
    } else {
      cryptogram = verified.applicationCryptogram;
      iccDynamicNumber = verified.iccDynamicNumber;
    }
  } else if (cryptogram === undefined) {
    throw new PosError('EMV_CARD_DATA_MISSING', 'GENERATE AC gave no Application Cryptogram', { step: STEP, tag: '9F26' });
  }

  ctx.data.set('9F27', Buffer.from([answer.cid]), 'card');
  ctx.data.set('9F36', answer.atc, 'card');
  if (cryptogram !== undefined && cdaVerified !== false) ctx.data.set('9F26', cryptogram, 'card');
  if (answer.issuerApplicationData !== undefined) ctx.data.set('9F10', answer.issuerApplicationData, 'card');
  if (iccDynamicNumber !== undefined) ctx.data.set('9F4C', iccDynamicNumber, 'card');

  return {
    cid: answer.cid,
    type,
    cryptogram: Buffer.from(cdaVerified === false ? Buffer.alloc(0) : (cryptogram ?? Buffer.alloc(0))),
    atc: Buffer.from(answer.atc),
    ...(answer.issuerApplicationData === undefined ? {} : { issuerApplicationData: Buffer.from(answer.issuerApplicationData) }),
    ...(cdaVerified === undefined ? {} : { cdaVerified }),
    adviceRequired: (answer.cid & CID_ADVICE_REQUIRED) !== 0,
    reasonCode: answer.cid & CID_REASON_MASK,
  };
}

/** The GENERATE AC answer, read but not yet judged. */
interface ParsedAnswer {
  readonly cid: number;
  readonly atc: Buffer;
  readonly cryptogram?: Buffer;
  readonly issuerApplicationData?: Buffer;
  /** 9F4B, format 2 only. */
  readonly sdad?: Buffer;
  /** Format 2: every data object of the template as the card coded it, in its order, without 9F4B (Book 2 §6.6.2 step 10). */
  readonly signedObjects: Buffer;
}

function parseResponse(data: Buffer): ParsedAnswer {
  let nodes: TlvNode[];
  try {
    nodes = decode(data);
  } catch (error) {
    throw invalid('GENERATE AC answered a malformed template', { reason: isPosError(error) ? error.code : 'unreadable' }, error);
  }
  const [template, ...rest] = nodes;
  if (template === undefined || rest.length > 0) throw invalid('GENERATE AC must answer with exactly one template', { objects: nodes.length });
  if (template.tag === FORMAT_1_TAG && !template.constructed) return parseFormat1(Buffer.from(template.value));
  if (template.tag === FORMAT_2_TAG && template.children !== undefined) return parseFormat2(data, template.children);
  throw invalid('GENERATE AC answered neither format 1 nor format 2', { tag: template.tag });
}

/** Format 1: [CID 1][ATC 2][AC 8][IAD 0–32]. */
function parseFormat1(value: Buffer): ParsedAnswer {
  if (value.length < FORMAT_1_MIN_BYTES || value.length > FORMAT_1_MIN_BYTES + MAX_IAD_BYTES) {
    throw invalid('GENERATE AC format 1 has the wrong length', { tag: FORMAT_1_TAG, length: value.length });
  }
  const iad = value.subarray(FORMAT_1_MIN_BYTES);
  return {
    cid: value[0] as number,
    atc: value.subarray(CID_BYTES, CID_BYTES + ATC_BYTES),
    cryptogram: value.subarray(CID_BYTES + ATC_BYTES, FORMAT_1_MIN_BYTES),
    ...(iad.length === 0 ? {} : { issuerApplicationData: iad }),
    signedObjects: Buffer.alloc(0),
  };
}

/** Format 2: the data objects of template 77, each at most once. */
function parseFormat2(data: Buffer, children: readonly TlvNode[]): ParsedAnswer {
  const byTag = new Map<string, Buffer>();
  const signed: Buffer[] = [];
  for (const child of children) {
    if (byTag.has(child.tag)) throw invalid('GENERATE AC format 2 repeats a data object', { tag: child.tag });
    byTag.set(child.tag, Buffer.from(child.value));
    if (child.tag !== '9F4B') signed.push(rawObject(data, child));
  }
  const cid = fixedLength(byTag, '9F27', CID_BYTES);
  const atc = fixedLength(byTag, '9F36', ATC_BYTES);
  if (cid === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'GENERATE AC gave no Cryptogram Information Data', { step: STEP, tag: '9F27' });
  if (atc === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'GENERATE AC gave no Application Transaction Counter', { step: STEP, tag: '9F36' });
  const cryptogram = fixedLength(byTag, '9F26', AC_BYTES);
  const iad = byTag.get('9F10');
  if (iad !== undefined && iad.length > MAX_IAD_BYTES) throw invalid('Issuer Application Data is longer than 32 bytes', { tag: '9F10', length: iad.length });
  const sdad = byTag.get('9F4B');
  return {
    cid: cid[0] as number,
    atc,
    ...(cryptogram === undefined ? {} : { cryptogram }),
    ...(iad === undefined ? {} : { issuerApplicationData: iad }),
    ...(sdad === undefined || sdad.length === 0 ? {} : { sdad }),
    signedObjects: Buffer.concat(signed),
  };
}

/** A data object's bytes (tag, length and value) exactly as the card sent them. */
function rawObject(data: Buffer, node: TlvNode): Buffer {
  const valueEnd = node.value.byteOffset - data.byteOffset + node.value.length;
  return data.subarray(node.offset, valueEnd);
}

function fixedLength(byTag: ReadonlyMap<string, Buffer>, tag: string, length: number): Buffer | undefined {
  const value = byTag.get(tag);
  if (value !== undefined && value.length !== length) throw invalid(`${tag} must be ${length} bytes`, { tag, length: value.length });
  return value;
}

function cryptogramTypeOf(cid: number): CryptogramType {
  switch (cid & CRYPTOGRAM_MASK) {
    case CRYPTOGRAM_BITS.AAC:
      return 'AAC';
    case CRYPTOGRAM_BITS.TC:
      return 'TC';
    case CRYPTOGRAM_BITS.ARQC:
      return 'ARQC';
    default:
      throw invalid('The Cryptogram Information Data names a reserved cryptogram type', { tag: '9F27' });
  }
}

/**
 * The CDA check (Book 2 §6.6.2): the transaction data hash input is the PDOL
 * related data exactly as GET PROCESSING OPTIONS sent it (never rebuilt: a
 * later step may have changed the data it came from), the CDOL1 (and for the
 * second GENERATE AC, CDOL2) related data as sent, then the response's data
 * objects except the SDAD. Undefined when the signature is missing or does
 * not verify.
 */
function verifySignature(
  ctx: KernelContext,
  oda: OdaResult,
  answer: ParsedAnswer,
  cdolHistory: Buffer,
  verify: CdaVerifier,
): { applicationCryptogram: Buffer; iccDynamicNumber: Buffer } | undefined {
  const unpredictableNumber = ctx.data.get('9F37');
  if (answer.sdad === undefined || oda.iccKey === undefined || unpredictableNumber === undefined) return undefined;
  // No GPO sent in this context: hashing no PDOL data can only fail a card that signed some.
  const hashInput = Buffer.concat([sentPdolData(ctx.data) ?? Buffer.alloc(0), cdolHistory, answer.signedObjects]);
  try {
    const outcome = verify(oda.iccKey, answer.sdad, unpredictableNumber, answer.cid, hashInput);
    if (!outcome.ok || outcome.applicationCryptogram.length !== AC_BYTES) return undefined;
    return { applicationCryptogram: Buffer.from(outcome.applicationCryptogram), iccDynamicNumber: Buffer.from(outcome.iccDynamicNumber) };
  } catch {
    // A verifier that throws on what the card sent has not verified it.
    return undefined;
  }
}

/**
 * TC Hash Value (98) for a CDOL that asks for it: SHA-1 over the TDOL related
 * data, from the card's TDOL (97) or else the terminal's default TDOL, which
 * sets TVR "Default TDOL used" (Book 3 §9.2.2, Annex C5 byte 5 b8).
 */
function setTcHashValue(ctx: KernelContext): void {
  const cardTdol = ctx.data.get('97');
  if (cardTdol === undefined) ctx.tvr.set('defaultTdolUsed');
  else parseCardDol(cardTdol, '97');
  const tdolData = buildKernelDol(ctx, cardTdol ?? ctx.aid.defaultTdol);
  ctx.data.set(TC_HASH_TAG, createHash('sha1').update(tdolData).digest(), 'terminal');
}

/** A DOL the card gave, parsed; a malformed one ends the transaction as invalid card data. */
function parseCardDol(dol: Buffer, tag: string): DolEntry[] {
  try {
    return parseDol(dol);
  } catch (error) {
    throw invalid('The card gave a malformed data object list', { tag, reason: isPosError(error) ? error.code : 'unreadable' }, error);
  }
}

function invalid(message: string, details: Record<string, string | number>, cause?: unknown): PosError {
  return new PosError('EMV_CARD_DATA_INVALID', message, { step: STEP, ...details }, cause === undefined ? undefined : { cause });
}
