/**
 * A virtual EMV contact card that speaks APDUs (`ApduCard`), personalised
 * from a profile (`personalise.ts`), written from EMV 4.4 Book 1 §11–12,
 * Book 2 §5–6 and §8–9, Book 3 §6.5 and Annex C, never from our kernel.
 *
 *   command                  C-APDU                        answers
 *   SELECT                   00 A4 04 00|02 Lc name 00     PSE or application FCI (6F) 9000; 6283 blocked application;
 *                                                          6A82 not found / no next occurrence; 6A81 card blocked
 *   READ RECORD              00 B2 rec (SFI<<3|4) 00       70 template 9000; 6A83 no record; 6A82 no SFI
 *   GET PROCESSING OPTIONS   80 A8 00 00 Lc 83 L pdol 00   80 (AIP ‖ AFL) or 77 [82 94] 9000; 6985 refused; 6700 PDOL data length
 *   GET DATA                 80 CA tag(2) 00               9F36 ATC, 9F13 last online ATC, 9F17 PIN try counter; 6A88 other tags
 *   INTERNAL AUTHENTICATE    00 88 00 00 Lc ddol-data 00   80 SDAD or 77 [9F4B] (Book 2 §6.5); 6D00 without DDA; 6700 not the 9F49 length
 *   GENERATE AC              80 AE P1 00 Lc cdol-data 00   80 (CID ‖ ATC ‖ AC ‖ IAD) or 77 [9F27 9F36 9F26 9F10];
 *                                                          with CDA (P1 bit 5) for a TC or ARQC: 77 [9F27 9F36 9F4B 9F10] (Book 2 §6.6.1)
 *   EXTERNAL AUTHENTICATE    00 82 00 00 Lc ARPC ‖ ARC     9000, or 6300 when the ARPC is wrong; 6985 out of turn or twice
 *   GET CHALLENGE            00 84 00 00 00                8 random bytes
 *   issuer script commands   84 1E / 84 18 / 84 16 / 04 DA `issuer-script.ts`: 9000; 6988 bad MAC; 6985 without an ARQC
 *
 * Anything else: 6E00 (class not supported), 6D00 (instruction not
 * supported), 6A86 (P1 P2), 6700 (length), 6985 (out of order). A byte
 * string of any kind gets a status word, never an exception.
 *
 * Counters persist for the card's life (ATC, last online ATC, blocks, PUT
 * DATA changes, script counts); everything about one transaction — the
 * selection, the session key, a pending GENERATE AC — ends at power off,
 * reset, or the next SELECT. The ATC counts at GET PROCESSING OPTIONS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { generateArpcMethod1, generateArqc } from '../../src/crypto/emv/cryptogram.js';
import { encode, encodeOne, type TlvInput } from '../../src/emv/ber-tlv.js';
import { constantTimeEqual, wipe } from '../../src/util/bytes.js';
import type { ApduCard } from './apdu-card.js';
import { firstAcDecision, offlineLimits, secondAcDecision, unableToGoOnline, APPROVING_ARCS, type LimitsExceeded } from './card-risk.js';
import { answerCommand, commandTemplateValue, dolLength, dolValues, type CardCommand } from './command-apdu.js';
import { acInput, acSessionKey, CID_OF, type AcType, type CardVerificationFacts } from './cryptogram-versions.js';
import { PUT_DATA_TAGS, SCRIPT_COMMAND_CODES, scriptMacValid, SCRIPT_MAC_BYTES, smiSessionKey } from './issuer-script.js';
import { personalise, recordBytes, type ApplicationImage, type CardImage, type PersonaliseOptions } from './personalise.js';
import { signDynamicData } from './simulation-ca.js';

/** Status words the card answers (ISO/IEC 7816-4 §5.1.3, EMV 4.4 Book 3 §6.3.5 and Annex A). */
export const CARD_SW = {
  OK: 0x9000,
  APPLICATION_BLOCKED: 0x6283,
  ISSUER_AUTHENTICATION_FAILED: 0x6300,
  WRONG_LENGTH: 0x6700,
  SECURE_MESSAGING_INCORRECT: 0x6988,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  CARD_BLOCKED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  WRONG_P1_P2: 0x6a86,
  DATA_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** The payment system environment's DF name (Book 1 §12.2.2). */
export const PSE_NAME = Buffer.from('1PAY.SYS.DDF01', 'latin1');

const CLA = { interindustry: 0x00, emv: 0x80 } as const;
const INS = { select: 0xa4, readRecord: 0xb2, gpo: 0xa8, getData: 0xca, internalAuthenticate: 0x88, externalAuthenticate: 0x82, generateAc: 0xae, getChallenge: 0x84 } as const;
/** GENERATE AC P1 (Book 3 §6.5.5.2 Table 13): b8–7 the AC type, b5 CDA requested, the rest RFU. */
const P1_AC_TYPE_MASK = 0xc0;
const P1_CDA_REQUESTED = 0x10;
const P1_RFU_MASK = 0x2f;
const AC_TYPE_BY_P1: ReadonlyMap<number, AcType> = new Map([
  [0x00, 'AAC'],
  [0x40, 'TC'],
  [0x80, 'ARQC'],
]);
/** AIP byte 1 (Book 3 Annex C1). */
const AIP_DDA = 0x20;
const AIP_ISSUER_AUTHENTICATION = 0x04;
const AIP_CDA = 0x01;
const ICC_DYNAMIC_NUMBER_BYTES = 8;
const CHALLENGE_BYTES = 8;
const ARPC_BYTES = 8;
const ARC_BYTES = 2;
const MAX_SCRIPT_COUNT = 15;

export interface EmvChipCardOptions {
  /** ICC dynamic numbers and GET CHALLENGE; default node:crypto. */
  readonly random?: (bytes: number) => Buffer;
}

/** What a card keeps of an application across transactions. */
interface ApplicationState {
  readonly image: ApplicationImage;
  /** The application's data objects; PUT DATA changes them. */
  readonly data: Map<string, Buffer>;
  nextAtc: number;
  lastOnlineAtc: number;
  blocked: boolean;
  scriptCommands: number;
  scriptFailed: boolean;
  lastIssuerAuthenticationFailed: boolean;
  /** An ARQC went out and no second GENERATE AC followed yet. */
  onlinePending: boolean;
}

interface FirstAc {
  readonly type: AcType;
  readonly cdol1Data: Buffer;
  readonly terminal: ReadonlyMap<string, Buffer>;
  readonly sessionKey: Buffer;
  readonly ac: Buffer;
  readonly limits: LimitsExceeded;
}

type Stage = 'selected' | 'initiated' | 'first-ac' | 'completed';

interface Session {
  selected: { readonly kind: 'pse' } | { readonly kind: 'application'; readonly index: number } | undefined;
  lastSelect: { readonly name: Buffer; readonly index: number } | undefined;
  stage: Stage;
  atc: Buffer | undefined;
  pdolData: Buffer;
  lastOnlineNotCompleted: boolean;
  ddaPerformed: boolean;
  cdaFirst: boolean;
  first: FirstAc | undefined;
  externalAuthentication: { readonly result: 'passed' | 'failed'; readonly arc: Buffer } | undefined;
  scriptReceived: boolean;
}

/** Application-level state a test may look at. */
export interface ApplicationSnapshot {
  readonly aid: string;
  readonly nextAtc: number;
  readonly lastOnlineAtc: number;
  readonly blocked: boolean;
  readonly scriptCommands: number;
  readonly scriptFailed: boolean;
  /** A data object's value as hex, by tag. */
  dataObject(tag: string): string | undefined;
}

export class EmvChipCard implements ApduCard {
  readonly atr: Buffer;
  readonly image: CardImage;
  /** Fault: the card answers AAC to the second GENERATE AC even after a good ARPC and an approval. */
  declineAfterApproval = false;
  readonly #apps: ApplicationState[];
  readonly #random: (bytes: number) => Buffer;
  #cardBlocked = false;
  #powered = false;
  #session: Session = emptySession();

  constructor(image: CardImage, options: EmvChipCardOptions = {}) {
    this.image = image;
    this.atr = Buffer.from(image.atr);
    this.#random = options.random ?? ((n) => randomBytes(n));
    this.#apps = image.applications.map((app) => ({
      image: app,
      data: new Map([...app.data].map(([tag, value]) => [tag, Buffer.from(value)])),
      nextAtc: app.profile.atc,
      lastOnlineAtc: app.profile.lastOnlineAtc,
      blocked: app.profile.blocked,
      scriptCommands: 0,
      scriptFailed: false,
      lastIssuerAuthenticationFailed: false,
      onlinePending: false,
    }));
  }

  /** The ATC the first application's next transaction will use. */
  get atc(): number {
    return (this.#apps[0] as ApplicationState).nextAtc;
  }

  /** One application's counters and data, by index in the profile. */
  application(index = 0): ApplicationSnapshot {
    const app = this.#apps[index];
    if (app === undefined) throw new RangeError(`no application ${index}`);
    return {
      aid: app.image.aid.toString('hex').toUpperCase(),
      nextAtc: app.nextAtc,
      lastOnlineAtc: app.lastOnlineAtc,
      blocked: app.blocked,
      scriptCommands: app.scriptCommands,
      scriptFailed: app.scriptFailed,
      dataObject: (tag) => app.data.get(tag)?.toString('hex').toUpperCase(),
    };
  }

  get cardBlocked(): boolean {
    return this.#cardBlocked;
  }

  powerOn(): void {
    this.#endSession();
    this.#powered = true;
  }

  reset(): void {
    this.powerOn();
  }

  powerOff(): void {
    this.#endSession();
    this.#powered = false;
  }

  /** Wipes the card's keys; the card answers nothing useful afterwards. */
  destroy(): void {
    this.#endSession();
    for (const app of this.#apps) wipe(app.image.masterKey, app.image.smiMasterKey);
  }

  /** A command APDU → its response (a reader powers a card before its first command; so does this). */
  transmit(command: Buffer): Buffer {
    if (!this.#powered) this.powerOn();
    return answerCommand(command, (c) => this.#dispatch(c));
  }

  #dispatch(c: CardCommand): Buffer {
    if (c.cla === CLA.interindustry) {
      switch (c.ins) {
        case INS.select:
          return this.#select(c);
        case INS.readRecord:
          return this.#readRecord(c);
        case INS.internalAuthenticate:
          return this.#internalAuthenticate(c);
        case INS.externalAuthenticate:
          return this.#externalAuthenticate(c);
        case INS.getChallenge:
          return c.p1 === 0 && c.p2 === 0 ? ok(this.#random(CHALLENGE_BYTES)) : sw(CARD_SW.WRONG_P1_P2);
        default:
          return sw(CARD_SW.INS_NOT_SUPPORTED);
      }
    }
    if (c.cla === CLA.emv) {
      switch (c.ins) {
        case INS.gpo:
          return this.#getProcessingOptions(c);
        case INS.getData:
          return this.#getData(c);
        case INS.generateAc:
          return this.#generateAc(c);
        default:
          return sw(CARD_SW.INS_NOT_SUPPORTED);
      }
    }
    if (c.cla === SCRIPT_COMMAND_CODES.applicationBlock.cla) {
      if (c.ins === SCRIPT_COMMAND_CODES.applicationBlock.ins || c.ins === SCRIPT_COMMAND_CODES.applicationUnblock.ins || c.ins === SCRIPT_COMMAND_CODES.cardBlock.ins) return this.#script(c);
      return sw(CARD_SW.INS_NOT_SUPPORTED);
    }
    if (c.cla === SCRIPT_COMMAND_CODES.putData.cla) return c.ins === SCRIPT_COMMAND_CODES.putData.ins ? this.#script(c) : sw(CARD_SW.INS_NOT_SUPPORTED);
    return sw(CARD_SW.CLA_NOT_SUPPORTED);
  }

  // ── selection (Book 1 §12) ──────────────────────────────────────────

  #select(c: CardCommand): Buffer {
    if (c.p1 !== 0x04 || (c.p2 !== 0x00 && c.p2 !== 0x02)) return sw(CARD_SW.WRONG_P1_P2);
    if (c.data.length === 0 || c.data.length > 16) return sw(CARD_SW.WRONG_LENGTH);
    if (this.#cardBlocked) return sw(CARD_SW.CARD_BLOCKED);
    const name = Buffer.from(c.data);
    if (name.equals(PSE_NAME)) {
      const pse = this.image.profile.pse;
      if (pse === undefined) return sw(CARD_SW.FILE_NOT_FOUND);
      this.#startSession({ kind: 'pse' }, undefined);
      return ok(encodeOne({ tag: '6F', children: [{ tag: '84', value: PSE_NAME }, { tag: 'A5', children: [{ tag: '88', value: Buffer.from([pse.sfi]) }] }] }));
    }
    const matches = this.#apps.flatMap((app, index) => (app.image.aid.subarray(0, name.length).equals(name) && app.image.aid.length >= name.length ? [index] : []));
    let pick: number | undefined;
    if (c.p2 === 0x00) pick = matches[0];
    else {
      const last = this.#session.lastSelect;
      const from = last !== undefined && last.name.equals(name) ? matches.indexOf(last.index) : -1;
      pick = matches[from + 1];
    }
    if (pick === undefined) return sw(CARD_SW.FILE_NOT_FOUND);
    const app = this.#apps[pick] as ApplicationState;
    this.#startSession({ kind: 'application', index: pick }, { name, index: pick });
    const fci = applicationFci(app);
    return Buffer.concat([fci, swBytes(app.blocked ? CARD_SW.APPLICATION_BLOCKED : CARD_SW.OK)]);
  }

  #readRecord(c: CardCommand): Buffer {
    const sfi = c.p2 >> 3;
    if (c.p1 === 0 || (c.p2 & 0x07) !== 0x04 || sfi === 0) return sw(CARD_SW.WRONG_P1_P2);
    const selected = this.#session.selected;
    if (selected === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    if (selected.kind === 'pse') {
      if (sfi !== this.image.profile.pse?.sfi) return sw(CARD_SW.FILE_NOT_FOUND);
      const app = this.#apps[c.p1 - 1];
      return app === undefined ? sw(CARD_SW.RECORD_NOT_FOUND) : ok(encodeOne({ tag: '70', children: [directoryEntry(app)] }));
    }
    const app = this.#apps[selected.index] as ApplicationState;
    const inSfi = app.image.profile.records.filter((r) => r.sfi === sfi);
    if (inSfi.length === 0) return sw(CARD_SW.FILE_NOT_FOUND);
    const record = inSfi.find((r) => r.record === c.p1);
    return record === undefined ? sw(CARD_SW.RECORD_NOT_FOUND) : ok(recordBytes(record.tags, app.data));
  }

  // ── initiate application processing (Book 3 §6.5.8, §10.1) ───────────

  #getProcessingOptions(c: CardCommand): Buffer {
    if (c.p1 !== 0 || c.p2 !== 0) return sw(CARD_SW.WRONG_P1_P2);
    const app = this.#selectedApplication();
    if (app === undefined || this.#session.stage !== 'selected') return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const pdolLength = dolLength(app.image.pdol);
    const pdolData = commandTemplateValue(c.data);
    if (pdolData?.length !== pdolLength) return sw(CARD_SW.WRONG_LENGTH);
    if (app.blocked || app.image.profile.gpo.refuse || app.nextAtc > 0xffff) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const session = this.#session;
    session.atc = Buffer.from([app.nextAtc >> 8, app.nextAtc & 0xff]);
    app.nextAtc++;
    session.pdolData = Buffer.from(pdolData);
    session.lastOnlineNotCompleted = app.onlinePending;
    app.onlinePending = false;
    session.stage = 'initiated';
    const aip = app.data.get('82') as Buffer;
    const afl = app.data.get('94') as Buffer;
    if (app.image.profile.gpo.format === 1) return ok(encodeOne({ tag: '80', value: Buffer.concat([aip, afl]) }));
    return ok(encodeOne({ tag: '77', children: [{ tag: '82', value: aip }, { tag: '94', value: afl }] }));
  }

  #getData(c: CardCommand): Buffer {
    const app = this.#selectedApplication();
    if (app === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const tag = Buffer.from(c.p1 === 0 ? [c.p2] : [c.p1, c.p2])
      .toString('hex')
      .toUpperCase();
    let value: Buffer | undefined;
    if (tag === '9F36') value = this.#session.atc ?? twoBytes(app.nextAtc - 1);
    else if (tag === '9F13') value = twoBytes(app.lastOnlineAtc);
    else if (tag === '9F17') value = Buffer.from([app.image.profile.pinTryCounter]);
    return value === undefined ? sw(CARD_SW.DATA_NOT_FOUND) : ok(encodeOne({ tag, value }));
  }

  // ── offline data authentication (Book 2 §6.5) ───────────────────────

  #internalAuthenticate(c: CardCommand): Buffer {
    if (c.p1 !== 0 || c.p2 !== 0) return sw(CARD_SW.WRONG_P1_P2);
    const app = this.#selectedApplication();
    if (app === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const key = app.image.iccKey;
    if (key === undefined || (aipByte1(app) & AIP_DDA) === 0) return sw(CARD_SW.INS_NOT_SUPPORTED);
    if (this.#session.stage !== 'initiated') return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const ddol = app.image.ddol;
    if (c.data.length === 0 || (ddol !== undefined && c.data.length !== dolLength(ddol))) return sw(CARD_SW.WRONG_LENGTH);
    const iccDynamicData = Buffer.concat([Buffer.from([ICC_DYNAMIC_NUMBER_BYTES]), this.#random(ICC_DYNAMIC_NUMBER_BYTES)]);
    const sdad = signDynamicData(key, iccDynamicData, c.data);
    this.#session.ddaPerformed = true;
    if (app.image.profile.gpo.format === 1) return ok(encodeOne({ tag: '80', value: sdad }));
    return ok(encodeOne({ tag: '77', children: [{ tag: '9F4B', value: sdad }] }));
  }

  // ── GENERATE AC (Book 3 §6.5.5, Book 2 §6.6 and §8.1) ───────────────

  #generateAc(c: CardCommand): Buffer {
    const requested = AC_TYPE_BY_P1.get(c.p1 & P1_AC_TYPE_MASK);
    if (c.p2 !== 0 || (c.p1 & P1_RFU_MASK) !== 0 || requested === undefined) return sw(CARD_SW.WRONG_P1_P2);
    const app = this.#selectedApplication();
    const session = this.#session;
    if (app === undefined || session.atc === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const cda = (c.p1 & P1_CDA_REQUESTED) !== 0 && (aipByte1(app) & AIP_CDA) !== 0 && app.image.iccKey !== undefined;
    if (session.stage === 'initiated') return this.#firstGenerateAc(app, session.atc, requested, cda, c.data);
    if (session.stage === 'first-ac' && session.first?.type === 'ARQC' && requested !== 'ARQC') return this.#secondGenerateAc(app, session.atc, session.first, requested, cda, c.data);
    return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
  }

  #firstGenerateAc(app: ApplicationState, atc: Buffer, requested: AcType, cda: boolean, data: Buffer): Buffer {
    const { image } = app;
    if (data.length !== dolLength(image.cdol1)) return sw(CARD_SW.WRONG_LENGTH);
    const terminal = dolValues(image.cdol1, data);
    const limits = offlineLimits({ atc: atc.readUInt16BE(), lastOnlineAtc: app.lastOnlineAtc, lowerLimit: oneByte(app.data.get('9F14')), upperLimit: oneByte(app.data.get('9F23')) });
    const type = firstAcDecision({ requested, risk: image.profile.risk, blocked: app.blocked, limits });
    const signs = cda && type !== 'AAC';
    const session = this.#session;
    session.cdaFirst = signs;
    const facts = this.#facts(app, terminal, limits, { firstAc: type });
    const iad = image.version.issuerApplicationData(image.version.cvr(facts), image.profile.derivationKeyIndex);
    const sessionKey = acSessionKey(image.version, image.masterKey, atc, terminal.get('9F37'));
    const ac = this.#cryptogram(app, sessionKey, new Map([...terminal, ['9F36', atc], ['9F10', iad]]));
    session.first = { type, cdol1Data: Buffer.from(data), terminal, sessionKey, ac, limits };
    if (type === 'ARQC') {
      session.stage = 'first-ac';
      app.onlinePending = true;
    } else session.stage = 'completed';
    return this.#acResponse(app, { type, atc, ac, iad, signedOver: signs ? [session.pdolData, data] : undefined, unpredictableNumber: terminal.get('9F37') });
  }

  #secondGenerateAc(app: ApplicationState, atc: Buffer, first: FirstAc, requested: 'TC' | 'AAC', cda: boolean, data: Buffer): Buffer {
    const { image } = app;
    if (data.length !== dolLength(image.cdol2)) return sw(CARD_SW.WRONG_LENGTH);
    const values = dolValues(image.cdol2, data);
    const arcBytes = values.get('8A');
    const arc = arcBytes?.toString('latin1');
    const issuerAuthentication = this.#issuerAuthentication(app, first, values.get('91'), arcBytes);
    const online = arc !== undefined && !unableToGoOnline(arc);
    const decision = secondAcDecision({ requested, arc, issuerAuthentication, risk: image.profile.risk, blocked: app.blocked, limits: first.limits, declineAfterApproval: this.declineAfterApproval });
    if (issuerAuthentication === 'passed') app.lastOnlineAtc = atc.readUInt16BE();
    if (issuerAuthentication !== 'not-performed') app.lastIssuerAuthenticationFailed = issuerAuthentication === 'failed';
    app.onlinePending = false;
    const terminal = new Map([...first.terminal, ...values]);
    const signs = cda && decision === 'TC';
    const facts = this.#facts(app, terminal, first.limits, {
      firstAc: first.type,
      secondAc: decision,
      issuerAuthentication,
      issuerAuthenticationMissing: online && APPROVING_ARCS.has(arc) && issuerAuthentication === 'not-performed',
      unableToGoOnline: unableToGoOnline(arc),
      cdaSecond: signs,
    });
    const iad = image.version.issuerApplicationData(image.version.cvr(facts), image.profile.derivationKeyIndex);
    const ac = this.#cryptogram(app, first.sessionKey, new Map([...terminal, ['9F36', atc], ['9F10', iad]]), arcBytes ?? Buffer.alloc(ARC_BYTES));
    this.#session.stage = 'completed';
    return this.#acResponse(app, { type: decision, atc, ac, iad, signedOver: signs ? [this.#session.pdolData, first.cdol1Data, data] : undefined, unpredictableNumber: terminal.get('9F37') });
  }

  /** Book 3 §10.9: by EXTERNAL AUTHENTICATE earlier, else 91 in the CDOL2 data; the ARPC's ARC must be the one in 8A. */
  #issuerAuthentication(app: ApplicationState, first: FirstAc, fromCdol2: Buffer | undefined, arc: Buffer | undefined): 'not-performed' | 'passed' | 'failed' {
    const external = this.#session.externalAuthentication;
    if (external !== undefined) return external.result === 'passed' && arc !== undefined && external.arc.equals(arc) ? 'passed' : 'failed';
    if (fromCdol2 === undefined || fromCdol2.every((b) => b === 0)) return 'not-performed';
    const arpcArc = fromCdol2.subarray(ARPC_BYTES, ARPC_BYTES + ARC_BYTES);
    if (arpcArc.length !== ARC_BYTES || arc === undefined || !arpcArc.equals(arc)) return 'failed';
    return arpcValid(first, fromCdol2) ? 'passed' : 'failed';
  }

  /** The MAC of Book 2 §8.1 under the transaction's session key over the version's data (with the ARC at the second AC). */
  #cryptogram(app: ApplicationState, sessionKey: Buffer, data: Map<string, Buffer>, arc?: Buffer): Buffer {
    data.set('82', app.data.get('82') as Buffer);
    const input = acInput(app.image.version, data, arc);
    if (input === undefined) throw new RangeError('cryptogram data incomplete');
    return generateArqc(sessionKey, input, 2);
  }

  #acResponse(app: ApplicationState, r: { type: AcType; atc: Buffer; ac: Buffer; iad: Buffer; signedOver: Buffer[] | undefined; unpredictableNumber: Buffer | undefined }): Buffer {
    const cid = Buffer.from([CID_OF[r.type]]);
    const key = app.image.iccKey;
    if (r.signedOver !== undefined && key !== undefined) {
      // Book 2 §6.6.1: the transaction data hash code covers the PDOL data, the CDOL data and
      // the response's other objects in order; the AC travels inside the signature.
      const others: TlvInput[] = [
        { tag: '9F27', value: cid },
        { tag: '9F36', value: r.atc },
        { tag: '9F10', value: r.iad },
      ];
      const hash = createHash('sha1');
      for (const part of r.signedOver) hash.update(part);
      hash.update(encode(others));
      const iccDynamicData = Buffer.concat([Buffer.from([ICC_DYNAMIC_NUMBER_BYTES]), this.#random(ICC_DYNAMIC_NUMBER_BYTES), cid, r.ac, hash.digest()]);
      const sdad = signDynamicData(key, iccDynamicData, r.unpredictableNumber ?? Buffer.alloc(4));
      return ok(encodeOne({ tag: '77', children: [others[0] as TlvInput, others[1] as TlvInput, { tag: '9F4B', value: sdad }, others[2] as TlvInput] }));
    }
    if (app.image.profile.gpo.format === 1) return ok(encodeOne({ tag: '80', value: Buffer.concat([cid, r.atc, r.ac, r.iad]) }));
    return ok(
      encodeOne({
        tag: '77',
        children: [
          { tag: '9F27', value: cid },
          { tag: '9F36', value: r.atc },
          { tag: '9F26', value: r.ac },
          { tag: '9F10', value: r.iad },
        ],
      }),
    );
  }

  #facts(app: ApplicationState, terminal: ReadonlyMap<string, Buffer>, limits: LimitsExceeded, current: Partial<CardVerificationFacts> & { firstAc: AcType }): CardVerificationFacts {
    const session = this.#session;
    const country = terminal.get('9F1A');
    const issuerCountry = app.data.get('5F28');
    return {
      issuerAuthentication: 'not-performed',
      issuerAuthenticationMissing: false,
      lastIssuerAuthenticationFailed: app.lastIssuerAuthenticationFailed,
      lastOnlineNotCompleted: session.lastOnlineNotCompleted,
      unableToGoOnline: false,
      lowerOfflineLimitExceeded: limits.lower,
      upperOfflineLimitExceeded: limits.upper,
      newCard: app.lastOnlineAtc === 0,
      ddaPerformed: session.ddaPerformed,
      cdaFirst: session.cdaFirst,
      cdaSecond: false,
      scriptCommands: app.scriptCommands,
      scriptReceived: session.scriptReceived,
      scriptFailed: app.scriptFailed,
      domestic: country === undefined || issuerCountry === undefined ? undefined : country.equals(issuerCountry),
      pinTryCounter: app.image.profile.pinTryCounter,
      ...current,
    };
  }

  // ── online processing (Book 3 §6.5.4, §10.9, §10.10) ────────────────

  #externalAuthenticate(c: CardCommand): Buffer {
    if (c.p1 !== 0 || c.p2 !== 0) return sw(CARD_SW.WRONG_P1_P2);
    if (c.data.length < ARPC_BYTES || c.data.length > 16) return sw(CARD_SW.WRONG_LENGTH);
    const app = this.#selectedApplication();
    if (app === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    if ((aipByte1(app) & AIP_ISSUER_AUTHENTICATION) === 0) return sw(CARD_SW.INS_NOT_SUPPORTED);
    const session = this.#session;
    const first = session.first;
    if (session.stage !== 'first-ac' || first?.type !== 'ARQC' || session.externalAuthentication !== undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const passed = arpcValid(first, c.data);
    session.externalAuthentication = { result: passed ? 'passed' : 'failed', arc: Buffer.from(c.data.subarray(ARPC_BYTES, ARPC_BYTES + ARC_BYTES)) };
    return sw(passed ? CARD_SW.OK : CARD_SW.ISSUER_AUTHENTICATION_FAILED);
  }

  /** An issuer script command (`issuer-script.ts`): the MAC under this transaction's SK_SMI, then its effect. */
  #script(c: CardCommand): Buffer {
    const putData = c.cla === SCRIPT_COMMAND_CODES.putData.cla;
    if (!putData && (c.p1 !== 0 || c.p2 !== 0)) return sw(CARD_SW.WRONG_P1_P2);
    const app = this.#selectedApplication();
    const session = this.#session;
    const first = session.first;
    if (app === undefined || first?.type !== 'ARQC' || session.atc === undefined) return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    session.scriptReceived = true;
    if (c.data.length < SCRIPT_MAC_BYTES + (putData ? 1 : 0)) {
      app.scriptFailed = true;
      return sw(CARD_SW.WRONG_LENGTH);
    }
    const key = smiSessionKey(app.image.smiMasterKey, first.ac);
    const valid = scriptMacValid(key, c, session.atc, first.ac, c.data);
    wipe(key);
    if (!valid) {
      app.scriptFailed = true;
      return sw(CARD_SW.SECURE_MESSAGING_INCORRECT);
    }
    if (putData) {
      const tag = Buffer.from([c.p1, c.p2]).toString('hex').toUpperCase();
      if (!PUT_DATA_TAGS.has(tag)) {
        app.scriptFailed = true;
        return sw(CARD_SW.DATA_NOT_FOUND);
      }
      app.data.set(tag, Buffer.from(c.data.subarray(0, c.data.length - SCRIPT_MAC_BYTES)));
    } else if (c.ins === SCRIPT_COMMAND_CODES.applicationBlock.ins) app.blocked = true;
    else if (c.ins === SCRIPT_COMMAND_CODES.applicationUnblock.ins) app.blocked = false;
    else this.#cardBlocked = true;
    app.scriptCommands = Math.min(MAX_SCRIPT_COUNT, app.scriptCommands + 1);
    return sw(CARD_SW.OK);
  }

  // ── session ─────────────────────────────────────────────────────────

  #selectedApplication(): ApplicationState | undefined {
    const selected = this.#session.selected;
    return selected?.kind === 'application' ? this.#apps[selected.index] : undefined;
  }

  #startSession(selected: Session['selected'], lastSelect: Session['lastSelect']): void {
    this.#endSession();
    this.#session.selected = selected;
    this.#session.lastSelect = lastSelect;
  }

  #endSession(): void {
    const first = this.#session.first;
    if (first !== undefined) wipe(first.sessionKey);
    this.#session = emptySession();
  }
}

/** Builds a card from a profile: `personalise` and the card in one call. */
export function buildChipCard(options: PersonaliseOptions & EmvChipCardOptions): EmvChipCard {
  return new EmvChipCard(personalise(options), options.random === undefined ? {} : { random: options.random });
}

function emptySession(): Session {
  return {
    selected: undefined,
    lastSelect: undefined,
    stage: 'selected',
    atc: undefined,
    pdolData: Buffer.alloc(0),
    lastOnlineNotCompleted: false,
    ddaPerformed: false,
    cdaFirst: false,
    first: undefined,
    externalAuthentication: undefined,
    scriptReceived: false,
  };
}

/** ARPC method 1 (Book 2 §8.2.1) under the first AC's session key: `auth` = ARPC ‖ ARC. */
function arpcValid(first: FirstAc, auth: Buffer): boolean {
  if (auth.length < ARPC_BYTES + ARC_BYTES) return false;
  const expected = generateArpcMethod1(first.sessionKey, first.ac, auth.subarray(ARPC_BYTES, ARPC_BYTES + ARC_BYTES));
  try {
    return constantTimeEqual(expected, auth.subarray(0, ARPC_BYTES));
  } finally {
    wipe(expected);
  }
}

/** Book 1 §11.3.4 Table 43: 6F [84 AID] [A5 [50] [87] [9F38] [5F2D] [9F12]]. */
function applicationFci(app: ApplicationState): Buffer {
  const p = app.image.profile;
  const proprietary: TlvInput[] = [{ tag: '50', value: Buffer.from(p.label, 'latin1') }];
  const priority = priorityIndicator(app);
  if (priority !== undefined) proprietary.push({ tag: '87', value: priority });
  const pdol = app.image.data.get('9F38');
  if (pdol !== undefined) proprietary.push({ tag: '9F38', value: pdol });
  if (p.languagePreference !== undefined) proprietary.push({ tag: '5F2D', value: Buffer.from(p.languagePreference, 'latin1') });
  if (p.preferredName !== undefined) proprietary.push({ tag: '9F12', value: Buffer.from(p.preferredName, 'latin1') });
  return encodeOne({ tag: '6F', children: [{ tag: '84', value: app.image.aid }, { tag: 'A5', children: proprietary }] });
}

/** Book 1 §12.2.3 Table 47: an ADF directory entry 61 [4F] [50] [9F12] [87]. */
function directoryEntry(app: ApplicationState): TlvInput {
  const p = app.image.profile;
  const children: TlvInput[] = [
    { tag: '4F', value: app.image.aid },
    { tag: '50', value: Buffer.from(p.label, 'latin1') },
  ];
  if (p.preferredName !== undefined) children.push({ tag: '9F12', value: Buffer.from(p.preferredName, 'latin1') });
  const priority = priorityIndicator(app);
  if (priority !== undefined) children.push({ tag: '87', value: priority });
  return { tag: '61', children };
}

/** 87: b8 cardholder confirmation required, b4–1 priority (Book 1 Table 48). */
function priorityIndicator(app: ApplicationState): Buffer | undefined {
  const p = app.image.profile;
  if (p.priority === undefined && !p.confirmationRequired) return undefined;
  return Buffer.from([(p.confirmationRequired ? 0x80 : 0) | (p.priority ?? 0)]);
}


function aipByte1(app: ApplicationState): number {
  return (app.data.get('82') as Buffer)[0] as number;
}

function oneByte(value: Buffer | undefined): number | undefined {
  return value?.length === 1 ? (value[0]) : undefined;
}

function twoBytes(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function swBytes(word: number): Buffer {
  return Buffer.from([word >> 8, word & 0xff]);
}

function sw(word: number): Buffer {
  return swBytes(word);
}

function ok(data: Buffer): Buffer {
  return Buffer.concat([data, swBytes(CARD_SW.OK)]);
}
