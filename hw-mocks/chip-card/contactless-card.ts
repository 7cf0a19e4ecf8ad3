/**
 * What the virtual contactless cards share (`QvsdcCard`, `MchipContactlessCard`):
 * an `ApduCard` personalised by `personaliseContactless`, answering the
 * commands every contactless kernel sends before its own (EMV Contactless
 * Book B §3.3 and Book 1 §11–12):
 *
 *   command                  C-APDU                          answers
 *   SELECT PPSE              00 A4 04 00 0E 2PAY.SYS.DDF01 00  6F [84 name] [A5 [BF0C [61 [4F] [50] [87] [9F2A]]]] 9000
 *   SELECT AID               00 A4 04 00 Lc AID 00            6F [84 AID] [A5 [50] [87] [9F38 PDOL] [5F2D]] 9000; 6A82 not found
 *   READ RECORD              00 B2 rec (SFI<<3|4) 00          70 template 9000; 6A83 no record; 6A82 no SFI
 *   GET DATA                 80 CA tag(2) 00                  9F36 ATC, 9F13 last online ATC; 6A88 other tags
 *
 * and hands anything else to its kernel's commands. A byte string of any
 * kind gets a status word, never an exception; the ATC counts at GET
 * PROCESSING OPTIONS; a transaction's state ends at power off (the card
 * leaves the field), reset or the next SELECT.
 *
 * The ATR is the one a PC/SC reader makes up for an ISO/IEC 14443-4 card
 * without historical bytes (PC/SC Part 3 §3.1.3.2.3): 3B 80 80 01 01.
 */
import { randomBytes } from 'node:crypto';
import { generateArqc } from '../../src/crypto/emv/cryptogram.js';
import { encodeOne, type TlvInput } from '../../src/emv/ber-tlv.js';
import { wipe } from '../../src/util/bytes.js';
import type { ApduCard } from './apdu-card.js';
import { offlineLimits, type LimitsExceeded } from './card-risk.js';
import { answerCommand, commandTemplateValue, dolLength, dolValues, type CardCommand } from './command-apdu.js';
import type { ContactlessImage } from './contactless-personalise.js';
import { acInput, acSessionKey, CID_OF, type AcType, type CardVerificationFacts } from './cryptogram-versions.js';
import { CARD_SW } from './emv-chip-card.js';
import { recordBytes } from './personalise.js';

/** The proximity payment system environment's DF name (Book B §3.3.2). */
export const PPSE_NAME = Buffer.from('2PAY.SYS.DDF01', 'latin1');
export const CONTACTLESS_ATR = Buffer.from('3B80800101', 'hex');
/** ISO/IEC 7816-4: conditions of use not satisfied — a phone's "see phone" (Book C-3 GPO 69 86). */
export const SW_CONDITIONS_OF_USE = 0x6986;

export const CLA = { interindustry: 0x00, emv: 0x80 } as const;
export const INS = { select: 0xa4, readRecord: 0xb2, gpo: 0xa8, getData: 0xca, generateAc: 0xae, computeCryptographicChecksum: 0x2a } as const;

export interface ContactlessCardOptions {
  /** Randomness a card needs (none today beyond node:crypto's default); injectable for tests. */
  readonly random?: (bytes: number) => Buffer;
}

/** A contactless card's counters and data, as a test may look at them. */
export interface ContactlessSnapshot {
  readonly aid: string;
  readonly nextAtc: number;
  readonly lastOnlineAtc: number;
  dataObject(tag: string): string | undefined;
}

export abstract class ContactlessCard implements ApduCard {
  readonly atr: Buffer = Buffer.from(CONTACTLESS_ATR);
  readonly image: ContactlessImage;
  protected readonly random: (bytes: number) => Buffer;
  protected nextAtc: number;
  protected lastOnlineAtc: number;
  /** The running transaction: selected application, its ATC and the PDOL's values. */
  protected session: { selected: 'ppse' | 'application' | undefined; initiated: boolean; finished: boolean; atc: Buffer | undefined; pdolValues: Map<string, Buffer> };
  #powered = false;

  constructor(image: ContactlessImage, options: ContactlessCardOptions = {}) {
    this.image = image;
    this.random = options.random ?? ((n) => randomBytes(n));
    this.nextAtc = image.profile.atc;
    this.lastOnlineAtc = image.profile.lastOnlineAtc;
    this.session = emptySession();
  }

  snapshot(): ContactlessSnapshot {
    return {
      aid: this.image.aid.toString('hex').toUpperCase(),
      nextAtc: this.nextAtc,
      lastOnlineAtc: this.lastOnlineAtc,
      dataObject: (tag) => this.image.data.get(tag)?.toString('hex').toUpperCase(),
    };
  }

  powerOn(): void {
    this.session = emptySession();
    this.#powered = true;
  }

  reset(): void {
    this.powerOn();
  }

  powerOff(): void {
    this.session = emptySession();
    this.#powered = false;
  }

  /** Wipes the card's keys; it answers nothing useful afterwards. */
  destroy(): void {
    this.powerOff();
    wipe(this.image.masterKey, this.image.cvc3Key);
  }

  transmit(command: Buffer): Buffer {
    if (!this.#powered) this.powerOn();
    return answerCommand(command, (c) => this.#dispatch(c));
  }

  /** The kernel's own commands (GET PROCESSING OPTIONS and after); undefined: not one of them. */
  protected abstract kernelCommand(c: CardCommand): Buffer | undefined;

  #dispatch(c: CardCommand): Buffer {
    if (c.cla === CLA.interindustry && c.ins === INS.select) return this.#select(c);
    if (c.cla === CLA.interindustry && c.ins === INS.readRecord) return this.#readRecord(c);
    if (c.cla === CLA.emv && c.ins === INS.getData) return this.#getData(c);
    const answer = this.kernelCommand(c);
    if (answer !== undefined) return answer;
    return sw(c.cla === CLA.interindustry || c.cla === CLA.emv ? CARD_SW.INS_NOT_SUPPORTED : CARD_SW.CLA_NOT_SUPPORTED);
  }

  #select(c: CardCommand): Buffer {
    if (c.p1 !== 0x04 || c.p2 !== 0x00) return sw(CARD_SW.WRONG_P1_P2);
    if (c.data.length === 0 || c.data.length > 16) return sw(CARD_SW.WRONG_LENGTH);
    this.session = emptySession();
    const { image } = this;
    const p = image.profile;
    if (c.data.equals(PPSE_NAME)) {
      this.session.selected = 'ppse';
      const entry: TlvInput = {
        tag: '61',
        children: [
          { tag: '4F', value: image.aid },
          { tag: '50', value: Buffer.from(p.label, 'latin1') },
          { tag: '87', value: Buffer.from([p.priority]) },
          { tag: '9F2A', value: image.kernelId },
        ],
      };
      return ok(encodeOne({ tag: '6F', children: [{ tag: '84', value: PPSE_NAME }, { tag: 'A5', children: [{ tag: 'BF0C', children: [entry] }] }] }));
    }
    if (!image.aid.subarray(0, c.data.length).equals(c.data)) return sw(CARD_SW.FILE_NOT_FOUND);
    this.session.selected = 'application';
    const proprietary: TlvInput[] = [
      { tag: '50', value: Buffer.from(p.label, 'latin1') },
      { tag: '87', value: Buffer.from([p.priority]) },
    ];
    const pdol = image.data.get('9F38');
    if (pdol !== undefined) proprietary.push({ tag: '9F38', value: pdol });
    if (p.languagePreference !== undefined) proprietary.push({ tag: '5F2D', value: Buffer.from(p.languagePreference, 'latin1') });
    return ok(encodeOne({ tag: '6F', children: [{ tag: '84', value: image.aid }, { tag: 'A5', children: proprietary }] }));
  }

  #readRecord(c: CardCommand): Buffer {
    const sfi = c.p2 >> 3;
    if (c.p1 === 0 || (c.p2 & 0x07) !== 0x04 || sfi === 0) return sw(CARD_SW.WRONG_P1_P2);
    if (this.session.selected !== 'application') return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const inSfi = this.image.profile.records.filter((r) => r.sfi === sfi);
    if (inSfi.length === 0) return sw(CARD_SW.FILE_NOT_FOUND);
    const record = inSfi.find((r) => r.record === c.p1);
    return record === undefined ? sw(CARD_SW.RECORD_NOT_FOUND) : ok(recordBytes(record.tags, this.image.data));
  }

  #getData(c: CardCommand): Buffer {
    if (this.session.selected !== 'application') return sw(CARD_SW.CONDITIONS_NOT_SATISFIED);
    const tag = Buffer.from([c.p1, c.p2]).toString('hex').toUpperCase();
    if (tag === '9F36') return ok(encodeOne({ tag, value: this.session.atc ?? twoBytes(this.nextAtc - 1) }));
    if (tag === '9F13') return ok(encodeOne({ tag, value: twoBytes(this.lastOnlineAtc) }));
    return sw(CARD_SW.DATA_NOT_FOUND);
  }

  /**
   * GET PROCESSING OPTIONS' common part: the PDOL's data in its command
   * template, the next ATC. A status word when the command cannot start a
   * transaction; else the PDOL's values (kept in the session).
   */
  protected initiate(c: CardCommand): { readonly sw: number } | { readonly values: Map<string, Buffer>; readonly atc: Buffer } {
    if (c.p1 !== 0 || c.p2 !== 0) return { sw: CARD_SW.WRONG_P1_P2 };
    if (this.session.selected !== 'application' || this.session.initiated) return { sw: CARD_SW.CONDITIONS_NOT_SATISFIED };
    const data = commandTemplateValue(c.data);
    if (data?.length !== dolLength(this.image.pdol)) return { sw: CARD_SW.WRONG_LENGTH };
    if (this.nextAtc > 0xffff) return { sw: CARD_SW.CONDITIONS_NOT_SATISFIED };
    const values = dolValues(this.image.pdol, data);
    return { values, atc: twoBytes(this.nextAtc) };
  }

  /** Counts the ATC and marks the transaction started: the GPO is answered. */
  protected started(values: Map<string, Buffer>, atc: Buffer): void {
    this.nextAtc++;
    this.session.initiated = true;
    this.session.atc = atc;
    this.session.pdolValues = values;
  }

  /** Consecutive offline transactions against 9F14 / 9F23 (the contact cards' rule, `card-risk.ts`). */
  protected limits(atc: Buffer): LimitsExceeded {
    return offlineLimits({ atc: atc.readUInt16BE(), lastOnlineAtc: this.lastOnlineAtc, lowerLimit: oneByte(this.image.data.get('9F14')), upperLimit: oneByte(this.image.data.get('9F23')) });
  }

  /** The card's first (and, contactless, only) decision: as asked or more cautious, AAC < ARQC < TC. */
  protected decide(requested: AcType, limits: LimitsExceeded): AcType {
    const risk = this.image.profile.risk;
    if (risk.declineAlways || requested === 'AAC') return 'AAC';
    if (requested === 'ARQC') return 'ARQC';
    return risk.approveOffline && !limits.lower ? 'TC' : 'ARQC';
  }

  /** 9F10 and the AC (9F26) of a decision over `terminal` (the DOL values) under the card's version. */
  protected cryptogram(type: AcType, atc: Buffer, terminal: ReadonlyMap<string, Buffer>, limits: LimitsExceeded): { readonly iad: Buffer; readonly ac: Buffer; readonly cid: Buffer } {
    const { version, masterKey } = this.image;
    if (version === undefined || masterKey === undefined) throw new RangeError('no cryptogram version');
    const facts = this.#facts(type, terminal, limits);
    const iad = version.issuerApplicationData(version.cvr(facts), this.image.profile.derivationKeyIndex, {
      offlineSinceOnline: atc.readUInt16BE() - this.lastOnlineAtc,
      lastOnlineAtc: this.lastOnlineAtc,
    });
    const input = acInput(version, new Map([...terminal, ['82', this.image.data.get('82') as Buffer], ['9F36', atc], ['9F10', iad]]));
    if (input === undefined) throw new RangeError('cryptogram data incomplete');
    const key = acSessionKey(version, masterKey, atc, terminal.get('9F37'));
    try {
      return { iad, ac: generateArqc(key, input, version.padding), cid: Buffer.from([CID_OF[type]]) };
    } finally {
      wipe(key);
    }
  }

  #facts(type: AcType, terminal: ReadonlyMap<string, Buffer>, limits: LimitsExceeded): CardVerificationFacts {
    const country = terminal.get('9F1A');
    const issuerCountry = this.image.data.get('5F28');
    return {
      firstAc: type,
      issuerAuthentication: 'not-performed',
      issuerAuthenticationMissing: false,
      lastIssuerAuthenticationFailed: false,
      lastOnlineNotCompleted: false,
      unableToGoOnline: false,
      lowerOfflineLimitExceeded: limits.lower,
      upperOfflineLimitExceeded: limits.upper,
      newCard: this.lastOnlineAtc === 0,
      ddaPerformed: false,
      cdaFirst: false,
      cdaSecond: false,
      scriptCommands: 0,
      scriptReceived: false,
      scriptFailed: false,
      domestic: country === undefined || issuerCountry === undefined ? undefined : country.equals(issuerCountry),
      pinTryCounter: 0,
    };
  }
}

function emptySession(): ContactlessCard['session'] {
  return { selected: undefined, initiated: false, finished: false, atc: undefined, pdolValues: new Map() };
}


export function twoBytes(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function oneByte(value: Buffer | undefined): number | undefined {
  return value?.length === 1 ? value[0] : undefined;
}

export function sw(word: number): Buffer {
  return Buffer.from([word >> 8, word & 0xff]);
}

export function ok(data: Buffer): Buffer {
  return Buffer.concat([data, sw(CARD_SW.OK)]);
}
