/**
 * The cryptogram versions of the virtual chip cards, contact and
 * contactless: how a card lays out its
 * Card Verification Results and Issuer Application Data (9F10), which
 * session key it computes its application cryptograms under, and which data
 * they cover. The card (`emv-chip-card.ts`) computes by these rules and the
 * bank-host simulator verifies by them, telling the versions apart by 9F10
 * alone, as an issuer does.
 *
 * Both cover the data of EMV 4.4 Book 2 §8.1.1 (`arqc-data.ts`: 9F02 9F03
 * 9F1A 95 5F2A 9A 9C 9F37 82 9F36) followed by the CVR, with ISO 9797-1 MAC
 * algorithm 3, padding method 2, under a card master key derived from the
 * deck card's issuer master key (Book 2 A1.4.1, option A). A TC or AAC of
 * the second GENERATE AC also covers the ARC (8A) last. The issuer answers
 * with ARPC method 1 (Book 2 §8.2.1) under the same session key.
 *
 * visa-cvn10 (after Visa VIS, IAD format 0/1):
 *   9F10 = 06 ‖ DKI ‖ CVN 0A ‖ CVR (03 ‖ 3 bytes) — 7 bytes; the AC covers
 *   the CVR with its length byte. Session key: EMV common session key
 *   derivation (Book 2 A1.3.1), R = ATC ‖ 00…00.
 *   CVR byte 2: b8–7 2nd AC (00 AAC, 01 TC, 10 not requested), b6–5 1st AC
 *               (00 AAC, 01 TC, 10 ARQC), b4 issuer authentication performed and
 *               failed, b1 unable to go online
 *   CVR byte 3: b8 last online transaction not completed, b6 velocity counters
 *               exceeded, b5 new card, b4 issuer authentication failed on the
 *               last online transaction, b3 issuer authentication not performed
 *               after online authorisation
 *   CVR byte 4: b8–5 issuer script commands processed, b4 script processing
 *               failed, b2 DDA performed
 *
 * mastercard (after M/Chip 4, CVN 10 hex):
 *   9F10 = KDI ‖ CVN 10 ‖ CVR (6) ‖ DAC/ICC dynamic number (2) ‖ counters (8) — 18 bytes;
 *   the AC covers the 6 CVR bytes. Session key: Mastercard session key
 *   derivation, R = ATC ‖ 00 00 ‖ UN (9F37).
 *   CVR byte 1: b8–7 2nd AC, b6–5 1st AC (coded as Visa's)
 *   CVR byte 2: b8 DDA returned, b7 CDA in the 1st AC, b6 CDA in the 2nd AC,
 *               b5 issuer authentication performed
 *   CVR byte 3: b8–5 script counter, b4–1 PIN try counter
 *   CVR byte 4: b8 last online transaction not completed, b7 unable to go
 *               online, b3 international, b2 domestic
 *   CVR byte 5: b8 lower consecutive offline limit exceeded, b7 upper
 *               consecutive offline limit exceeded, b3 issuer authentication
 *               failed, b2 script received, b1 script failed
 *   CVR byte 6: 00
 *
 * The contactless versions (docs/protocols/contactless-cards.md):
 *
 * visa-cvn17 (after Visa qVSDC, cryptogram version 17 = 11 hex, IAD format 0):
 *   9F10 = 06 ‖ DKI ‖ CVN 11 ‖ CVR (03 ‖ 3 bytes), coded as visa-cvn10's;
 *   the AC covers only 9F02 ‖ 9F37 ‖ 9F36 ‖ IAD byte 5 (CVR byte 2, the AC
 *   types), MAC padding method 1 (zeros), under the card master key itself
 *   (no session key). No ARPC: the card has left the field when the answer
 *   comes, and this version defines none.
 *
 * mastercard-cvn15 (after M/Chip, CVN 15 hex read bit by bit as jPOS's
 * MChipCryptogram does: b3–2 = 10 EMV common session key, b1 = 1 counters
 * in the AC):
 *   9F10 = KDI ‖ CVN 15 ‖ CVR (6, coded as mastercard's) ‖ DAC/IDN (2) ‖
 *   counters (8) ‖ last online ATC (2) — 20 bytes, the M/Chip Advance
 *   length with its last online ATC; the AC covers the CVR and the counters.
 *   Session key: EMV common session key (Book 2 A1.3.1), R = ATC ‖ 00…00.
 *   Counters on these cards: bytes 1–2 the offline transactions since the
 *   last online one (ATC − 9F13), the rest zeros. ARPC method 1 under the
 *   session key.
 */
import { deriveAcSessionKey } from '../../src/crypto/emv/session-key.js';
import type { PaddingMethod } from '../../src/crypto/mac/padding.js';
import { ARQC_DATA_TAGS } from './arqc-data.js';

export const CRYPTOGRAM_VERSION_NAMES = ['visa-cvn10', 'mastercard', 'visa-cvn17', 'mastercard-cvn15'] as const;
export type CryptogramVersionName = (typeof CRYPTOGRAM_VERSION_NAMES)[number];

export type AcType = 'AAC' | 'TC' | 'ARQC';

/** Cryptogram Information Data (9F27) bits 8–7 by AC type (Book 3 §6.5.5.4 Table 14). */
export const CID_OF: Readonly<Record<AcType, number>> = { AAC: 0x00, TC: 0x40, ARQC: 0x80 };

/** What the card knows when it answers a GENERATE AC; each version codes it in its own CVR. */
export interface CardVerificationFacts {
  readonly firstAc: AcType;
  /** Absent until the second GENERATE AC. */
  readonly secondAc?: 'AAC' | 'TC';
  readonly issuerAuthentication: 'not-performed' | 'passed' | 'failed';
  /** An online authorisation came back without issuer authentication. */
  readonly issuerAuthenticationMissing: boolean;
  readonly lastIssuerAuthenticationFailed: boolean;
  readonly lastOnlineNotCompleted: boolean;
  readonly unableToGoOnline: boolean;
  readonly lowerOfflineLimitExceeded: boolean;
  readonly upperOfflineLimitExceeded: boolean;
  readonly newCard: boolean;
  readonly ddaPerformed: boolean;
  readonly cdaFirst: boolean;
  readonly cdaSecond: boolean;
  /** Issuer script commands with secure messaging processed (0–15). */
  readonly scriptCommands: number;
  readonly scriptReceived: boolean;
  readonly scriptFailed: boolean;
  /** Terminal country equals the issuer country; undefined when unknown. */
  readonly domestic: boolean | undefined;
  readonly pinTryCounter: number;
}

/** What a version's 9F10 may carry beyond the CVR (mastercard-cvn15). */
export interface IadCounters {
  /** Offline transactions since the last online one (ATC − 9F13). */
  readonly offlineSinceOnline: number;
  /** 9F13. */
  readonly lastOnlineAtc: number;
}

export interface CryptogramVersion {
  readonly name: CryptogramVersionName;
  /** Cryptogram version number as 9F10 carries it. */
  readonly cvn: number;
  /** `none`: the AC is computed under the card master key itself. */
  readonly sessionKeyMethod: 'none' | 'emv' | 'mastercard';
  /** The data objects the AC covers, in order, before the part of 9F10 it covers. */
  readonly dataTags: readonly string[];
  /** ISO 9797-1 padding method of the AC's MAC. */
  readonly padding: PaddingMethod;
  /** How the issuer answers a verified ARQC: ARPC method 1 (Book 2 §8.2.1), or not at all. */
  readonly arpc: 'method-1' | 'none';
  cvr(facts: CardVerificationFacts): Buffer;
  issuerApplicationData(cvr: Buffer, derivationKeyIndex: number, counters?: IadCounters): Buffer;
  /** The part of 9F10 the AC covers (the CVR, and for some versions more); undefined when 9F10 is not this version's. */
  cvrOfIad(iad: Uint8Array): Buffer | undefined;
}

const FIRST_AC_BITS: Readonly<Record<AcType, number>> = { AAC: 0x00, TC: 0x10, ARQC: 0x20 };
const SECOND_AC_BITS = { AAC: 0x00, TC: 0x40, notRequested: 0x80 } as const;

function acTypeBits(facts: CardVerificationFacts): number {
  return (facts.secondAc === undefined ? SECOND_AC_BITS.notRequested : SECOND_AC_BITS[facts.secondAc]) | FIRST_AC_BITS[facts.firstAc];
}

function bit(on: boolean, mask: number): number {
  return on ? mask : 0;
}

const VISA_IAD_LENGTH_BYTE = 0x06;
const VISA_CVN = 0x0a;
const VISA_CVR_LENGTH = 0x03;
/** 9F10 bytes 4–7: the CVR with its length byte. */
const VISA_CVR_OFFSET = 3;
const VISA_CVR_BYTES = 4;

export const VISA_CVN10: CryptogramVersion = {
  name: 'visa-cvn10',
  cvn: VISA_CVN,
  sessionKeyMethod: 'emv',
  dataTags: ARQC_DATA_TAGS,
  padding: 2,
  arpc: 'method-1',
  cvr(f) {
    const byte2 = acTypeBits(f) | bit(f.issuerAuthentication === 'failed', 0x08) | bit(f.unableToGoOnline, 0x01);
    const byte3 =
      bit(f.lastOnlineNotCompleted, 0x80) |
      bit(f.lowerOfflineLimitExceeded || f.upperOfflineLimitExceeded, 0x20) |
      bit(f.newCard, 0x10) |
      bit(f.lastIssuerAuthenticationFailed, 0x08) |
      bit(f.issuerAuthenticationMissing, 0x04);
    const byte4 = ((Math.min(f.scriptCommands, 15) & 0x0f) << 4) | bit(f.scriptFailed, 0x08) | bit(f.ddaPerformed || f.cdaFirst || f.cdaSecond, 0x02);
    return Buffer.from([VISA_CVR_LENGTH, byte2, byte3, byte4]);
  },
  issuerApplicationData(cvr, dki) {
    return Buffer.concat([Buffer.from([VISA_IAD_LENGTH_BYTE, dki, VISA_CVN]), cvr]);
  },
  cvrOfIad(iad) {
    if (iad.length < VISA_CVR_OFFSET + VISA_CVR_BYTES || iad[0] !== VISA_IAD_LENGTH_BYTE || iad[2] !== VISA_CVN || iad[3] !== VISA_CVR_LENGTH) return undefined;
    return Buffer.from(iad.subarray(VISA_CVR_OFFSET, VISA_CVR_OFFSET + VISA_CVR_BYTES));
  },
};

const MASTERCARD_CVN = 0x10;
const MASTERCARD_IAD_BYTES = 18;
const MASTERCARD_CVR_OFFSET = 2;
const MASTERCARD_CVR_BYTES = 6;
/** DAC / ICC dynamic number (2) and the plaintext counters (8): zeros on these cards. */
const MASTERCARD_IAD_TAIL = 10;

export const MASTERCARD: CryptogramVersion = {
  name: 'mastercard',
  cvn: MASTERCARD_CVN,
  sessionKeyMethod: 'mastercard',
  dataTags: ARQC_DATA_TAGS,
  padding: 2,
  arpc: 'method-1',
  cvr(f) {
    const byte1 = acTypeBits(f);
    const byte2 = bit(f.ddaPerformed, 0x80) | bit(f.cdaFirst, 0x40) | bit(f.cdaSecond, 0x20) | bit(f.issuerAuthentication !== 'not-performed', 0x10);
    const byte3 = ((Math.min(f.scriptCommands, 15) & 0x0f) << 4) | (f.pinTryCounter & 0x0f);
    const byte4 = bit(f.lastOnlineNotCompleted, 0x80) | bit(f.unableToGoOnline, 0x40) | bit(f.domestic === false, 0x04) | bit(f.domestic === true, 0x02);
    const byte5 =
      bit(f.lowerOfflineLimitExceeded, 0x80) |
      bit(f.upperOfflineLimitExceeded, 0x40) |
      bit(f.issuerAuthentication === 'failed' || f.issuerAuthenticationMissing, 0x04) |
      bit(f.scriptReceived, 0x02) |
      bit(f.scriptFailed, 0x01);
    return Buffer.from([byte1, byte2, byte3, byte4, byte5, 0x00]);
  },
  issuerApplicationData(cvr, dki) {
    return Buffer.concat([Buffer.from([dki, MASTERCARD_CVN]), cvr, Buffer.alloc(MASTERCARD_IAD_TAIL)]);
  },
  cvrOfIad(iad) {
    if (iad.length !== MASTERCARD_IAD_BYTES || iad[1] !== MASTERCARD_CVN) return undefined;
    return Buffer.from(iad.subarray(MASTERCARD_CVR_OFFSET, MASTERCARD_CVR_OFFSET + MASTERCARD_CVR_BYTES));
  },
};

const VISA_CVN17 = 0x11;
/** IAD byte 5: CVR byte 2, the AC types. */
const VISA_CVN17_COVERED_OFFSET = 4;

export const VISA_QVSDC_CVN17: CryptogramVersion = {
  name: 'visa-cvn17',
  cvn: VISA_CVN17,
  sessionKeyMethod: 'none',
  dataTags: ['9F02', '9F37', '9F36'],
  padding: 1,
  arpc: 'none',
  cvr: (f) => VISA_CVN10.cvr(f),
  issuerApplicationData(cvr, dki) {
    return Buffer.concat([Buffer.from([VISA_IAD_LENGTH_BYTE, dki, VISA_CVN17]), cvr]);
  },
  cvrOfIad(iad) {
    if (iad.length < VISA_CVR_OFFSET + VISA_CVR_BYTES || iad[0] !== VISA_IAD_LENGTH_BYTE || iad[2] !== VISA_CVN17 || iad[3] !== VISA_CVR_LENGTH) return undefined;
    return Buffer.from(iad.subarray(VISA_CVN17_COVERED_OFFSET, VISA_CVN17_COVERED_OFFSET + 1));
  },
};

const MASTERCARD_CVN15 = 0x15;
const MASTERCARD_CVN15_IAD_BYTES = 20;
const MASTERCARD_DAC_BYTES = 2;
const MASTERCARD_COUNTERS_OFFSET = MASTERCARD_CVR_OFFSET + MASTERCARD_CVR_BYTES + MASTERCARD_DAC_BYTES;
const MASTERCARD_COUNTERS_BYTES = 8;

export const MASTERCARD_CVN15_VERSION: CryptogramVersion = {
  name: 'mastercard-cvn15',
  cvn: MASTERCARD_CVN15,
  sessionKeyMethod: 'emv',
  dataTags: ARQC_DATA_TAGS,
  padding: 2,
  arpc: 'method-1',
  cvr: (f) => MASTERCARD.cvr(f),
  issuerApplicationData(cvr, dki, counters) {
    const block = Buffer.alloc(MASTERCARD_COUNTERS_BYTES);
    block.writeUInt16BE(Math.min(0xffff, Math.max(0, counters?.offlineSinceOnline ?? 0)));
    const lastOnline = Buffer.alloc(2);
    lastOnline.writeUInt16BE((counters?.lastOnlineAtc ?? 0) & 0xffff);
    return Buffer.concat([Buffer.from([dki, MASTERCARD_CVN15]), cvr, Buffer.alloc(MASTERCARD_DAC_BYTES), block, lastOnline]);
  },
  cvrOfIad(iad) {
    if (iad.length !== MASTERCARD_CVN15_IAD_BYTES || iad[1] !== MASTERCARD_CVN15) return undefined;
    return Buffer.concat([
      iad.subarray(MASTERCARD_CVR_OFFSET, MASTERCARD_CVR_OFFSET + MASTERCARD_CVR_BYTES),
      iad.subarray(MASTERCARD_COUNTERS_OFFSET, MASTERCARD_COUNTERS_OFFSET + MASTERCARD_COUNTERS_BYTES),
    ]);
  },
};

export const CRYPTOGRAM_VERSIONS: Readonly<Record<CryptogramVersionName, CryptogramVersion>> = {
  'visa-cvn10': VISA_CVN10,
  mastercard: MASTERCARD,
  'visa-cvn17': VISA_QVSDC_CVN17,
  'mastercard-cvn15': MASTERCARD_CVN15_VERSION,
};

/** The version whose 9F10 layout this is; undefined for any other 9F10. */
export function cryptogramVersionOf(iad: Uint8Array): CryptogramVersion | undefined {
  return Object.values(CRYPTOGRAM_VERSIONS).find((v) => v.cvrOfIad(iad) !== undefined);
}

/**
 * The data an AC covers: the version's data objects from `data` (terminal
 * data as sent in the CDOL or PDOL, and the card's 82 and 9F36), the part
 * of 9F10 it covers, and for the second GENERATE AC the ARC. Undefined when
 * something is missing.
 */
export function acInput(version: CryptogramVersion, data: ReadonlyMap<string, Uint8Array>, arc?: Uint8Array): Buffer | undefined {
  const parts: Uint8Array[] = [];
  for (const tag of version.dataTags) {
    const value = data.get(tag);
    if (value === undefined) return undefined;
    parts.push(value);
  }
  const iad = data.get('9F10');
  const cvr = iad === undefined ? undefined : version.cvrOfIad(iad);
  if (cvr === undefined) return undefined;
  parts.push(cvr);
  if (arc !== undefined) parts.push(arc);
  return Buffer.concat(parts);
}

/** The AC session key of a version from the card master key, the ATC and (Mastercard) the unpredictable number; for `none` a copy of the master key. */
export function acSessionKey(version: CryptogramVersion, cardMasterKey: Uint8Array, atc: Uint8Array, unpredictableNumber: Uint8Array | undefined): Buffer {
  return deriveAcSessionKey(version.sessionKeyMethod, cardMasterKey, atc, version.sessionKeyMethod === 'mastercard' ? unpredictableNumber : undefined);
}
