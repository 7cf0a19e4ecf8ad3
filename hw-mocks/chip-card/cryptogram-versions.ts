/**
 * The cryptogram versions of the virtual chip cards: how a card lays out its
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
 */
import { deriveAcSessionKey } from '../../src/crypto/emv/session-key.js';
import { ARQC_DATA_TAGS } from './arqc-data.js';

export const CRYPTOGRAM_VERSION_NAMES = ['visa-cvn10', 'mastercard'] as const;
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

export interface CryptogramVersion {
  readonly name: CryptogramVersionName;
  /** Cryptogram version number as 9F10 carries it. */
  readonly cvn: number;
  readonly sessionKeyMethod: 'emv' | 'mastercard';
  cvr(facts: CardVerificationFacts): Buffer;
  issuerApplicationData(cvr: Buffer, derivationKeyIndex: number): Buffer;
  /** The CVR bytes the AC covers, cut from 9F10; undefined when 9F10 is not this version's. */
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

export const CRYPTOGRAM_VERSIONS: Readonly<Record<CryptogramVersionName, CryptogramVersion>> = { 'visa-cvn10': VISA_CVN10, mastercard: MASTERCARD };

/** The version whose 9F10 layout this is; undefined for any other 9F10. */
export function cryptogramVersionOf(iad: Uint8Array): CryptogramVersion | undefined {
  return [VISA_CVN10, MASTERCARD].find((v) => v.cvrOfIad(iad) !== undefined);
}

/**
 * The data an AC covers: Book 2 §8.1.1's list from `data` (terminal data as
 * sent in the CDOL, and the card's 82 and 9F36), the CVR cut from 9F10, and
 * for the second GENERATE AC the ARC. Undefined when something is missing.
 */
export function acInput(version: CryptogramVersion, data: ReadonlyMap<string, Uint8Array>, arc?: Uint8Array): Buffer | undefined {
  const parts: Uint8Array[] = [];
  for (const tag of ARQC_DATA_TAGS) {
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

/** The AC session key of a version from the card master key, the ATC and (Mastercard) the unpredictable number. */
export function acSessionKey(version: CryptogramVersion, cardMasterKey: Uint8Array, atc: Uint8Array, unpredictableNumber: Uint8Array | undefined): Buffer {
  return deriveAcSessionKey(version.sessionKeyMethod, cardMasterKey, atc, version.sessionKeyMethod === 'mastercard' ? unpredictableNumber : undefined);
}
