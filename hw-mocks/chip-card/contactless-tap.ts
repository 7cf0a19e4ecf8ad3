/**
 * A minimal contactless reader, for the twins: `tap(card, terminal)` runs
 * the reader's side of one tap over an `ApduCard` and says what a reader
 * would report — the outcome, and the data for the online request. It is a
 * twin helper written from EMV Contactless Books B, C-2 and C-3, not a
 * certified kernel and not production code; the virtual NEO 2 answers its
 * Activate Transaction (02-40) with it.
 *
 *   pre-processing (Book B §3.1.1)  amount ≥ transaction limit → try another interface;
 *                                   amount ≥ CVM limit → CVM required; amount > floor limit → online
 *   combination selection (B §3.3)  SELECT PPSE, the highest-priority entry whose kernel
 *                                   (9F2A, else the AID's RID) is 2 or 3, SELECT AID
 *   Kernel 3 (Book C-3)             GPO with the TTQ (9F66) in the PDOL data; 69 86 → see phone;
 *                                   the records; CID: ARQC → online request, TC → approved
 *                                   when fDDA verifies with the terminal's CA keys (else
 *                                   declined), AAC → declined; CVM from the CTQ (9F6C)
 *   Kernel 2 (Book C-2)             GPO; EMV mode when card (AIP byte 2 b8) and reader both do it:
 *                                   the records, CVM by the CVM list (8E) or on-device CVM, one
 *                                   GENERATE AC with CDOL1. Without CDA the reader cannot approve
 *                                   offline (TVR "ODA not performed"), so it asks for an ARQC.
 *                                   Mag-stripe mode otherwise: the records, COMPUTE CRYPTOGRAPHIC
 *                                   CHECKSUM with the UDOL, the dynamic Track 2 (S13.18–S13.19)
 *
 * Outcomes (Book A §6 names): `online-request`, `approved`, `declined`,
 * `try-another-interface` ("insert card"), `see-phone` (try again after the
 * phone), `end-application` (the card failed or is none we know).
 * CVM results 9F34 follow Book C-2 for Kernel 2 ('1F 03 02' no CVM
 * required, '01 00 02' on-device CVM, the rule's bytes and 00 for online PIN
 * or signature); Kernel 3 carries the CVM in the CTQ and this reader adds no 9F34.
 * POS entry mode 9F39: 07 contactless chip, 91 contactless mag-stripe.
 * The result's `tlv` is the online request's data objects (`RESULT_TAGS`).
 */
import { randomBytes } from 'node:crypto';
import { decode, encode, type TlvNode } from '../../src/emv/ber-tlv.js';
import { buildDolData, parseDol } from '../../src/emv/dol.js';
import { find, flatten } from '../../src/emv/tlv-query.js';
import type { Capk } from '../../src/emv/kernel/config.js';
import { recoverIccKey, recoverIssuerKey } from '../../src/emv/kernel/oda/certificates.js';
import { verifyDdaSignature } from '../../src/emv/kernel/oda/signatures.js';
import { isPosError } from '../../src/util/errors.js';
import type { ApduCard } from './apdu-card.js';
import { dynamicTrack2, numericUnpredictableNumber, track2Bytes, track2Text, unDigitCount, DEFAULT_UDOL, MAX_UN_DIGITS, type MagstripeLayout } from './contactless-magstripe.js';
import { PPSE_NAME, SW_CONDITIONS_OF_USE } from './contactless-card.js';
import { CTQ, TTQ } from './qvsdc-card.js';

export type TapOutcome = 'online-request' | 'approved' | 'declined' | 'try-another-interface' | 'see-phone' | 'end-application';
export type TapCvm = 'online-pin' | 'signature' | 'cdcvm' | 'no-cvm';

export interface TapTerminal {
  readonly amountMinor: number;
  readonly otherAmountMinor?: number;
  /** ISO 4217 numeric, e.g. '978'. */
  readonly currency: string;
  /** ISO 3166 numeric, e.g. '826'. */
  readonly country: string;
  readonly at: Date;
  /** 9C; default 00 (purchase). */
  readonly transactionType?: number;
  /** The reader's contactless limits for the AID, in minor units (Book B §3.1.1). */
  readonly limits: { readonly transaction?: number; readonly cvm: number; readonly floor: number };
  /** What the reader supports; default all of it. */
  readonly supports?: {
    readonly onlinePin?: boolean;
    readonly signature?: boolean;
    /** Consumer-device CVM (a phone's). */
    readonly cdcvm?: boolean;
    /** A contact interface to send the card to. */
    readonly contact?: boolean;
    /** Kernel 2's EMV mode and mag-stripe mode. */
    readonly emvMode?: boolean;
    readonly magstripeMode?: boolean;
  };
  /** The CA public keys for fDDA (Book C-3); without the card's, an offline approval is declined. */
  readonly capks?: readonly Capk[];
  /** 9F7C Merchant Custom Data for Kernel 2's CDOL1 (20 bytes); default zeros. */
  readonly merchantCustomData?: Buffer;
  /** Randomness for 9F37 and the numeric UN; default node:crypto. */
  readonly random?: (bytes: number) => Buffer;
}

export interface TapResult {
  readonly outcome: TapOutcome;
  readonly kernel?: 'kernel-2' | 'kernel-3';
  readonly entryMode?: 'contactless' | 'contactless-magstripe';
  /** The CVM the transaction needs (online PIN is the terminal's to collect). */
  readonly cvm?: TapCvm;
  /** BER-TLV primitives for the online request or the record: the card's (57/5A included) and the reader's (`RESULT_TAGS`). */
  readonly tlv: Buffer;
  /** Mag-stripe mode: track 2 as the host receives it (`PAN=YYMMSSSDD…`), with the dynamic CVC3. */
  readonly track2?: string;
  /** What ended the tap early, in words (no card data). */
  readonly reason?: string;
}

const KERNEL_BY_RID: Readonly<Record<string, 'kernel-2' | 'kernel-3'>> = { A000000004: 'kernel-2', A000000003: 'kernel-3' };
const KERNEL_BY_ID: Readonly<Record<string, 'kernel-2' | 'kernel-3'>> = { '02': 'kernel-2', '03': 'kernel-3' };
const SW_OK = 0x9000;
const SW_CONDITIONS_NOT_SATISFIED = 0x6985;
const SW_SELECTED_FILE_INVALIDATED = 0x6984;
/** 9F35: attended, online with offline capability, merchant (Book 4 Annex A1). */
const TERMINAL_TYPE = 0x22;
const CID_TYPE_MASK = 0xc0;
const CID = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
/** AIP (Book 3 Annex C1; Book C-2 A.1.6). */
const AIP = { byte1: { dda: 0x20, cardholderVerification: 0x10, onDeviceCvm: 0x02, cda: 0x01 }, byte2: { emvMode: 0x80 } } as const;
/** TVR (Book 3 Annex C5). */
const TVR = { byte1: { odaNotPerformed: 0x80 }, byte3: { cvmFailed: 0x80 }, byte4: { floorLimitExceeded: 0x80 } } as const;
const POS_ENTRY_MODE = { chip: Buffer.from([0x07]), magstripe: Buffer.from([0x91]) } as const;

class TapEnded extends Error {
  constructor(readonly outcome: TapOutcome, readonly reason: string) {
    super(reason);
  }
}

interface Reader {
  readonly terminal: TapTerminal;
  readonly card: ApduCard;
  readonly store: Map<string, Buffer>;
  readonly cvmRequired: boolean;
  readonly onlineRequired: boolean;
  readonly random: (bytes: number) => Buffer;
  /** The records the AFL marks for offline data authentication, as Book 3 §10.3 hashes them. */
  readonly staticData: Buffer[];
}

/** One tap: what the reader reports. Never throws for anything the card answers. */
export async function tap(card: ApduCard, terminal: TapTerminal): Promise<TapResult> {
  const limits = terminal.limits;
  if (limits.transaction !== undefined && terminal.amountMinor >= limits.transaction) return { outcome: 'try-another-interface', tlv: Buffer.alloc(0), reason: 'amount at or above the contactless transaction limit' };
  const reader: Reader = {
    terminal,
    card,
    store: terminalData(terminal),
    cvmRequired: terminal.amountMinor >= limits.cvm,
    onlineRequired: terminal.amountMinor > limits.floor,
    random: terminal.random ?? ((n) => randomBytes(n)),
    staticData: [],
  };
  reader.store.set('9F37', reader.random(4));
  card.powerOn();
  try {
    const kernel = await selectCombination(reader);
    return kernel === 'kernel-3' ? await kernel3(reader) : await kernel2(reader);
  } catch (err) {
    if (err instanceof TapEnded) return { outcome: err.outcome, tlv: Buffer.alloc(0), reason: err.reason };
    if (isPosError(err)) return { outcome: 'end-application', tlv: Buffer.alloc(0), reason: `card data: ${err.code}` };
    throw err;
  } finally {
    card.powerOff();
  }
}

/** Book B §3.3: PPSE, the best entry of a kernel this reader has, its final SELECT. */
async function selectCombination(r: Reader): Promise<'kernel-2' | 'kernel-3'> {
  const ppse = await exchange(r, Buffer.concat([Buffer.from([0x00, 0xa4, 0x04, 0x00, PPSE_NAME.length]), PPSE_NAME, Buffer.from([0x00])]));
  if (ppse.sw !== SW_OK) throw new TapEnded('end-application', `SELECT PPSE answered ${hexSw(ppse.sw)}`);
  const directory = find(decode(ppse.data), 'BF0C');
  const entries = (directory?.children ?? [])
    .filter((n) => n.tag === '61')
    .flatMap((entry) => {
      const fields = flatten(entry.children ?? []);
      const aid = fields.get('4F');
      if (aid === undefined) return [];
      const id = fields.get('9F2A');
      const kernel = id !== undefined ? KERNEL_BY_ID[hex(id.subarray(0, 1))] : KERNEL_BY_RID[hex(aid.subarray(0, 5))];
      const priority = (fields.get('87')?.[0] ?? 0x0f) & 0x0f;
      return kernel === undefined ? [] : [{ aid: Buffer.from(aid), kernel, priority: priority === 0 ? 0x10 : priority }];
    })
    .sort((a, b) => a.priority - b.priority);
  const chosen = entries[0];
  if (chosen === undefined) throw new TapEnded('end-application', 'no application of kernel 2 or 3 in the PPSE');
  const select = await exchange(r, Buffer.concat([Buffer.from([0x00, 0xa4, 0x04, 0x00, chosen.aid.length]), chosen.aid, Buffer.from([0x00])]));
  if (select.sw !== SW_OK) throw new TapEnded('end-application', `SELECT AID answered ${hexSw(select.sw)}`);
  const pdol = find(decode(select.data), '9F38');
  if (pdol !== undefined) r.store.set('9F38', Buffer.from(pdol.value));
  r.store.set('84', chosen.aid);
  r.store.set('4F', chosen.aid);
  return chosen.kernel;
}

// ── Kernel 3 ────────────────────────────────────────────────────────────

async function kernel3(r: Reader): Promise<TapResult> {
  const supports = supportsOf(r.terminal);
  const ttq = Buffer.from([
    TTQ.byte1.qvsdc | (supports.contact ? TTQ.byte1.contactChip : 0) | (supports.onlinePin ? TTQ.byte1.onlinePin : 0) | (supports.signature ? TTQ.byte1.signature : 0),
    (r.onlineRequired ? TTQ.byte2.onlineCryptogramRequired : 0) | (r.cvmRequired ? TTQ.byte2.cvmRequired : 0),
    supports.cdcvm ? TTQ.byte3.consumerDeviceCvm : 0,
    0x00,
  ]);
  r.store.set('9F66', ttq);
  const gpo = await getProcessingOptions(r);
  if (gpo.sw === SW_CONDITIONS_OF_USE) return { outcome: 'see-phone', kernel: 'kernel-3', tlv: Buffer.alloc(0), reason: 'the phone asks its holder to verify' };
  if (gpo.sw === SW_CONDITIONS_NOT_SATISFIED || gpo.sw === SW_SELECTED_FILE_INVALIDATED) return ended('try-another-interface', `GPO answered ${hexSw(gpo.sw)}`, 'kernel-3');
  if (gpo.sw !== SW_OK) return ended('end-application', `GPO answered ${hexSw(gpo.sw)}`, 'kernel-3');
  const card = flatten(decode(gpo.data));
  await readRecords(r, card);
  for (const tag of ['57', '9F10', '9F26', '9F27', '9F36', '82']) if (!card.has(tag)) return ended('end-application', `the card gave no ${tag}`, 'kernel-3');
  const cid = (card.get('9F27') as Buffer)[0] as number;
  const tlv = resultTlv(r, card, POS_ENTRY_MODE.chip);
  const base = { kernel: 'kernel-3' as const, entryMode: 'contactless' as const, tlv };
  if ((cid & CID_TYPE_MASK) === CID.AAC) return { outcome: 'declined', ...base, reason: 'the card declined (AAC)' };
  const offline = (cid & CID_TYPE_MASK) === CID.TC;
  if (!offline && (cid & CID_TYPE_MASK) !== CID.ARQC) return ended('end-application', 'the card gave an unknown cryptogram type', 'kernel-3');
  if (offline) {
    const failed = fddaFailure(r, card);
    if (failed !== undefined) return { outcome: 'declined', ...base, reason: `offline approval without a good fDDA: ${failed}` };
  }
  const cvm = kernel3Cvm(r, card.get('9F6C'));
  if (cvm === undefined || (offline && cvm === 'online-pin')) return { outcome: supports.contact ? 'try-another-interface' : 'declined', ...base, reason: 'the CVM the card asks for is not one the reader has' };
  return { outcome: offline ? 'approved' : 'online-request', ...base, cvm };
}

/**
 * Book C-3 fDDA: the issuer key from 90 with the CA key 8F names, the ICC key
 * from 9F46 over the static data (the ODA records, and 82 when 9F4A lists
 * it), then 9F4B over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69. What failed, or undefined.
 */
function fddaFailure(r: Reader, card: ReadonlyMap<string, Uint8Array>): string | undefined {
  const aip = card.get('82');
  if (aip === undefined || ((aip[0] as number) & AIP.byte1.dda) === 0) return 'the card does not do fDDA';
  const aid = r.store.get('84') as Buffer;
  const index = card.get('8F')?.[0];
  const capk = (r.terminal.capks ?? []).find((k) => k.rid.equals(aid.subarray(0, 5)) && k.index === index);
  if (capk === undefined) return 'no CA public key for the card';
  const [pan, issuerCertificate, issuerExponent, iccCertificate, iccExponent, sdad, cardData] = ['5A', '90', '9F32', '9F46', '9F47', '9F4B', '9F69'].map((t) => card.get(t));
  if (pan === undefined || issuerCertificate === undefined || issuerExponent === undefined || iccCertificate === undefined || iccExponent === undefined || sdad === undefined || cardData === undefined) return 'fDDA data missing';
  const tagList = card.get('9F4A');
  if (tagList !== undefined && hex(tagList) !== '82') return 'the static data tag list names more than the AIP';
  const now = r.terminal.at;
  const issuer = recoverIssuerKey({ certificate: issuerCertificate, remainder: card.get('92'), exponent: issuerExponent, now, capk: { modulus: capk.modulus, exponent: capk.exponent }, pan, isRevoked: () => false });
  if (!issuer.ok) return `issuer certificate: ${issuer.reason}`;
  const staticData = Buffer.concat([...r.staticData, tagList === undefined ? Buffer.alloc(0) : aip]);
  const icc = recoverIccKey({ certificate: iccCertificate, remainder: card.get('9F48'), exponent: iccExponent, now, issuerKey: issuer.key, pan, staticData });
  if (!icc.ok) return `ICC certificate: ${icc.reason}`;
  const store = r.store;
  const terminalDynamicData = Buffer.concat([store.get('9F37') as Buffer, store.get('9F02') as Buffer, store.get('5F2A') as Buffer, cardData]);
  const signature = verifyDdaSignature(icc.key, sdad, terminalDynamicData);
  return signature.ok ? undefined : `signature: ${signature.reason}`;
}

/** Book C-3 CVM processing from the CTQ: online PIN, then consumer-device CVM, then signature. */
function kernel3Cvm(r: Reader, ctq: Uint8Array | undefined): TapCvm | undefined {
  if (!r.cvmRequired) return 'no-cvm';
  const supports = supportsOf(r.terminal);
  const [c1, c2] = [ctq?.[0] ?? 0, ctq?.[1] ?? 0];
  if ((c1 & CTQ.byte1.onlinePinRequired) !== 0 && supports.onlinePin) return 'online-pin';
  if ((c2 & CTQ.byte2.consumerDeviceCvmPerformed) !== 0 && supports.cdcvm) return 'cdcvm';
  if ((c1 & CTQ.byte1.signatureRequired) !== 0 && supports.signature) return 'signature';
  return undefined;
}

// ── Kernel 2 ────────────────────────────────────────────────────────────

async function kernel2(r: Reader): Promise<TapResult> {
  const supports = supportsOf(r.terminal);
  const gpo = await getProcessingOptions(r);
  if (gpo.sw !== SW_OK) return ended(gpo.sw === SW_CONDITIONS_NOT_SATISFIED ? 'try-another-interface' : 'end-application', `GPO answered ${hexSw(gpo.sw)}`, 'kernel-2');
  const card = flatten(decode(gpo.data));
  const aip = card.get('82');
  if (aip?.length !== 2 || !card.has('94')) return ended('end-application', 'the card gave no AIP and AFL', 'kernel-2');
  await readRecords(r, card);
  const emvMode = ((aip[1] as number) & AIP.byte2.emvMode) !== 0 && supports.emvMode;
  if (emvMode) return kernel2Emv(r, card, aip);
  if (supports.magstripeMode) return kernel2Magstripe(r, card);
  return ended('try-another-interface', 'the card does only mag-stripe mode, which the reader does not', 'kernel-2');
}

async function kernel2Emv(r: Reader, card: Map<string, Uint8Array>, aip: Uint8Array): Promise<TapResult> {
  const cdol1 = card.get('8C');
  if (cdol1 === undefined || !card.has('57')) return ended('end-application', 'the card gave no CDOL1 or track 2 equivalent data', 'kernel-2');
  const tvr = Buffer.alloc(5);
  if (r.onlineRequired) tvr[3] = TVR.byte4.floorLimitExceeded;
  if (((aip[0] as number) & AIP.byte1.cda) === 0) tvr[0] = TVR.byte1.odaNotPerformed;
  const cvm = kernel2Cvm(r, card, aip);
  if (cvm.failed) tvr[2] = TVR.byte3.cvmFailed;
  r.store.set('95', tvr);
  r.store.set('9F34', cvm.results);
  // Book C-2 terminal action analysis, as Mastercard's default TACs do it: no ODA or beyond the floor limit → online.
  const p1 = tvr.some((b) => b !== 0) ? CID.ARQC : CID.TC;
  const data = buildDolData(cdol1, (tag) => r.store.get(tag));
  const answer = await exchange(r, Buffer.concat([Buffer.from([0x80, 0xae, p1, 0x00, data.length]), data, Buffer.from([0x00])]));
  if (answer.sw !== SW_OK) return ended('end-application', `GENERATE AC answered ${hexSw(answer.sw)}`, 'kernel-2');
  for (const [tag, value] of flatten(decode(answer.data))) card.set(tag, value);
  const cid = card.get('9F27')?.[0];
  if (cid === undefined || !card.has('9F26') || !card.has('9F10')) return ended('end-application', 'GENERATE AC gave no cryptogram', 'kernel-2');
  const base = { kernel: 'kernel-2' as const, entryMode: 'contactless' as const, tlv: resultTlv(r, card, POS_ENTRY_MODE.chip), cvm: cvm.cvm };
  if ((cid & CID_TYPE_MASK) === CID.ARQC) return { outcome: 'online-request', ...base };
  if ((cid & CID_TYPE_MASK) === CID.TC) return { outcome: 'approved', ...base };
  return { outcome: 'declined', ...base, reason: 'the card declined (AAC)' };
}

/**
 * Kernel 2 CVM selection: on-device CVM when card (AIP byte 1 b2) and reader
 * do it and a CVM is required; else the card's CVM list with the reader's
 * capability for the amount — above the CVM limit online PIN (02) and
 * signature (1E), at or below it only "No CVM required" (1F).
 */
function kernel2Cvm(r: Reader, card: ReadonlyMap<string, Uint8Array>, aip: Uint8Array): { readonly cvm: TapCvm; readonly results: Buffer; readonly failed: boolean } {
  const supports = supportsOf(r.terminal);
  if (r.cvmRequired && ((aip[0] as number) & AIP.byte1.onDeviceCvm) !== 0 && supports.cdcvm) return { cvm: 'cdcvm', results: Buffer.from('010002', 'hex'), failed: false };
  const list = card.get('8E');
  const noCvm = { cvm: 'no-cvm' as const, results: Buffer.from('3F0000', 'hex'), failed: false };
  if (((aip[0] as number) & AIP.byte1.cardholderVerification) === 0 || list === undefined || list.length < 8) return noCvm;
  for (let pos = 8; pos + 2 <= list.length; pos += 2) {
    const [rule, condition] = [list[pos] as number, list[pos + 1] as number];
    if (condition !== 0x00 && condition !== 0x03) continue;
    const code = rule & 0x3f;
    const result = (value: number): Buffer => Buffer.from([rule, condition, value]);
    if (code === 0x02 && r.cvmRequired && supports.onlinePin) return { cvm: 'online-pin', results: result(0x00), failed: false };
    if (code === 0x1e && r.cvmRequired && supports.signature) return { cvm: 'signature', results: result(0x00), failed: false };
    if (code === 0x1f && !r.cvmRequired) return { cvm: 'no-cvm', results: result(0x02), failed: false };
  }
  return { cvm: 'no-cvm', results: Buffer.from('3F0001', 'hex'), failed: true };
}

async function kernel2Magstripe(r: Reader, card: Map<string, Uint8Array>): Promise<TapResult> {
  const [track2Data, pcvc3, punatc, natc] = [card.get('9F6B'), card.get('9F65'), card.get('9F66'), card.get('9F67')];
  if (track2Data === undefined || pcvc3?.length !== 2 || punatc?.length !== 2 || natc?.length !== 1) return ended('end-application', 'the card lacks its mag-stripe data (9F6B, 9F65, 9F66, 9F67)', 'kernel-2');
  const layout: MagstripeLayout = { pcvc3: Buffer.from(pcvc3).readUInt16BE(), punatc: Buffer.from(punatc).readUInt16BE(), natc: natc[0] as number };
  const nUn = unDigitCount(layout);
  if (nUn < 0 || nUn > MAX_UN_DIGITS) return ended('end-application', 'the card’s PUNATC and NATC leave no valid UN size', 'kernel-2');
  const unDigits = [...r.random(nUn)].map((b) => String(b % 10)).join('');
  r.store.set('9F6A', numericUnpredictableNumber(unDigits));
  const udol = card.get('9F69') ?? DEFAULT_UDOL;
  const data = buildDolData(parseDol(udol), (tag) => r.store.get(tag));
  const answer = await exchange(r, Buffer.concat([Buffer.from([0x80, 0x2a, 0x8e, 0x80, data.length]), data, Buffer.from([0x00])]));
  if (answer.sw !== SW_OK) return ended('end-application', `COMPUTE CRYPTOGRAPHIC CHECKSUM answered ${hexSw(answer.sw)}`, 'kernel-2');
  const checksum = flatten(decode(answer.data));
  const cvc3 = checksum.get('9F61');
  const atc = checksum.get('9F36');
  if (cvc3?.length !== 2 || atc?.length !== 2) return ended('end-application', 'the checksum answer lacks CVC3 or ATC', 'kernel-2');
  const dynamic = dynamicTrack2(track2Text(track2Data), layout, { cvc3: Buffer.from(cvc3).readUInt16BE(), unDigits, atc: Buffer.from(atc).readUInt16BE() });
  const track2 = dynamic.replace('D', '=');
  card.set('9F6B', track2Bytes(dynamic));
  card.set('9F36', atc);
  const supports = supportsOf(r.terminal);
  const cvm: TapCvm | undefined = !r.cvmRequired ? 'no-cvm' : supports.onlinePin ? 'online-pin' : supports.signature ? 'signature' : undefined;
  const base = { kernel: 'kernel-2' as const, entryMode: 'contactless-magstripe' as const, tlv: resultTlv(r, card, POS_ENTRY_MODE.magstripe), track2 };
  if (cvm === undefined) return { outcome: supports.contact ? 'try-another-interface' : 'declined', ...base, reason: 'a CVM is required and the reader has none for mag-stripe mode' };
  return { outcome: 'online-request', ...base, cvm };
}

// ── shared steps ────────────────────────────────────────────────────────

async function getProcessingOptions(r: Reader): Promise<{ readonly sw: number; readonly data: Buffer }> {
  const pdol = r.store.get('9F38');
  const pdolData = pdol === undefined ? Buffer.alloc(0) : buildDolData(pdol, (tag) => r.store.get(tag));
  const template = encode([{ tag: '83', value: pdolData }]);
  return exchange(r, Buffer.concat([Buffer.from([0x80, 0xa8, 0x00, 0x00, template.length]), template, Buffer.from([0x00])]));
}

/** READ RECORD for each record the AFL (94) names; their primitives join `card`. */
async function readRecords(r: Reader, card: Map<string, Uint8Array>): Promise<void> {
  const afl = card.get('94') ?? new Uint8Array(0);
  if (afl.length % 4 !== 0) throw new TapEnded('end-application', 'the AFL is not whole 4-byte entries');
  for (let pos = 0; pos < afl.length; pos += 4) {
    const sfi = (afl[pos] as number) >> 3;
    const [first, last] = [afl[pos + 1] as number, afl[pos + 2] as number];
    if (sfi < 1 || sfi > 30 || first < 1 || last < first) throw new TapEnded('end-application', 'the AFL names no valid records');
    const odaRecords = afl[pos + 3] as number;
    for (let n = first; n <= last; n++) {
      const record = await exchange(r, Buffer.from([0x00, 0xb2, n, (sfi << 3) | 0x04, 0x00]));
      if (record.sw !== SW_OK) throw new TapEnded('end-application', `READ RECORD ${sfi}/${n} answered ${hexSw(record.sw)}`);
      const template = decode(record.data).find((node: TlvNode) => node.tag === '70');
      if (template === undefined) throw new TapEnded('end-application', `record ${sfi}/${n} is not a 70 template`);
      if (n < first + odaRecords) r.staticData.push(Buffer.from(sfi <= 10 ? template.value : record.data));
      for (const [tag, value] of flatten(template.children ?? [])) if (!card.has(tag)) card.set(tag, value);
    }
  }
}

async function exchange(r: Reader, command: Buffer): Promise<{ readonly sw: number; readonly data: Buffer }> {
  const answer = await r.card.transmit(command);
  if (answer.length < 2) throw new TapEnded('end-application', 'the card answered less than a status word');
  return { sw: answer.readUInt16BE(answer.length - 2), data: answer.subarray(0, answer.length - 2) };
}

/** The reader's own data objects for a tap (Book 3 Annex A, Book C-2/C-3 Annex A). */
function terminalData(t: TapTerminal): Map<string, Buffer> {
  const at = t.at;
  const bcd = (digits: string): Buffer => Buffer.from(digits.length % 2 === 0 ? digits : `0${digits}`, 'hex');
  const two = (n: number): string => String(n).padStart(2, '0');
  return new Map<string, Buffer>([
    ['9F02', bcd(String(t.amountMinor).padStart(12, '0'))],
    ['9F03', bcd(String(t.otherAmountMinor ?? 0).padStart(12, '0'))],
    ['9F1A', bcd(t.country.padStart(4, '0'))],
    ['5F2A', bcd(t.currency.padStart(4, '0'))],
    ['9A', bcd(`${two(at.getFullYear() % 100)}${two(at.getMonth() + 1)}${two(at.getDate())}`)],
    ['9F21', bcd(`${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`)],
    ['9C', Buffer.from([t.transactionType ?? 0x00])],
    ['95', Buffer.alloc(5)],
    ['9F35', Buffer.from([TERMINAL_TYPE])],
    ['9F7C', t.merchantCustomData ?? Buffer.alloc(20)],
  ]);
}

/**
 * The online request's data objects (what a reader reports, and the
 * terminal's DE 55 source once the sensitive ones are stripped): the card's,
 * then the reader's, then 9F39. Mag-stripe mode reports its track and CVC3.
 */
const RESULT_TAGS = {
  chip: {
    card: ['57', '5A', '5F20', '5F24', '5F34', '82', '84', '9F10', '9F26', '9F27', '9F36', '9F6C', '9F6E'],
    reader: ['9F02', '9F03', '9F1A', '5F2A', '9A', '9C', '9F37', '95', '9F35', '9F34', '9F66'],
  },
  magstripe: { card: ['9F6B', '5F20', '84', '9F61', '9F36'], reader: ['9F02', '5F2A', '9A', '9C', '9F6A'] },
} as const;

function resultTlv(r: Reader, card: ReadonlyMap<string, Uint8Array>, entryMode: Buffer): Buffer {
  const set = entryMode.equals(POS_ENTRY_MODE.magstripe) ? RESULT_TAGS.magstripe : RESULT_TAGS.chip;
  const objects: { tag: string; value: Uint8Array }[] = [];
  for (const tag of set.card) {
    const value = card.get(tag) ?? (tag === '84' ? r.store.get(tag) : undefined);
    if (value !== undefined) objects.push({ tag, value });
  }
  for (const tag of set.reader) {
    const value = r.store.get(tag);
    if (value !== undefined) objects.push({ tag, value });
  }
  objects.push({ tag: '9F39', value: entryMode });
  return encode(objects);
}

function supportsOf(t: TapTerminal): Required<NonNullable<TapTerminal['supports']>> {
  const s = t.supports ?? {};
  return { onlinePin: s.onlinePin ?? true, signature: s.signature ?? true, cdcvm: s.cdcvm ?? true, contact: s.contact ?? true, emvMode: s.emvMode ?? true, magstripeMode: s.magstripeMode ?? true };
}

function ended(outcome: TapOutcome, reason: string, kernel: 'kernel-2' | 'kernel-3'): TapResult {
  return { outcome, kernel, tlv: Buffer.alloc(0), reason };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function hexSw(word: number): string {
  return word.toString(16).toUpperCase().padStart(4, '0');
}
