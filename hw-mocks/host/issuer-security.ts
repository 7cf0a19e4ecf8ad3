/**
 * The simulated issuer's cryptographic checks:
 *
 * PIN (ANSI X9.24-1 2009 DUKPT, ISO 9564-1 format 0): the PIN key is derived
 * from the shared TDES BDK and DE 53's KSN (PIN variant), DE 52 decrypted and
 * decoded with the PAN, and the PIN compared with the deck's. Consecutive
 * wrong PINs are counted per card: 55 for the first two, 75 at the third and
 * for every PIN after it (the card's PIN is blocked until
 * `resetPinTries`); a right PIN before the third resets the count.
 *
 * ARQC (EMV 4.4 Book 2), by the cryptogram version 9F10 names
 * (`hw-mocks/chip-card/cryptogram-versions.ts`; any other 9F10 fails): the
 * card master key from the issuer master key, option A over PAN and PAN
 * sequence number (5F34, 00 when absent); the session key of the version —
 * visa-cvn10: EMV common session key with R = ATC (9F36); mastercard: R =
 * ATC ‖ 00 00 ‖ UN (9F37); visa-cvn17: none, the card master key itself;
 * mastercard-cvn15: EMV common session key — and the ARQC (9F26)
 * recomputed over the version's data (Book 2 §8.1.1 list and its CVR, or
 * qVSDC's shorter list) with MAC algorithm 3 and the version's padding.
 * The answer's ARPC is method 1 where the version has one: TDES(session
 * key, ARQC ⊕ ARC‖00…), sent as 91 = ARPC ‖ ARC, with ARC the two ASCII
 * characters of DE 39; visa-cvn17 has none (the tapped card is gone).
 *
 * Issuer scripts (`hw-mocks/chip-card/issuer-script.ts`): a script queued
 * for a card goes out once, with the first answer that carries an ARPC for
 * it, as 71 or 72 in DE 55 after 91; its commands are MAC'd under the
 * card's secure messaging session key for this ARQC and ATC.
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1, verifyArqc } from '../../src/crypto/emv/cryptogram.js';
import { decryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { encode } from '../../src/emv/ber-tlv.js';
import { chipDataMap, ISSUER_AUTHENTICATION_DATA_TAG } from '../../src/host/messages/chip-data.js';
import { RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { ascii, constantTimeEqual, wipe } from '../../src/util/bytes.js';
import type { DeckCard } from '../cards/deck.js';
import { acInput, acSessionKey, cryptogramVersionOf, type CryptogramVersionName } from '../chip-card/cryptogram-versions.js';
import { issuerScriptTemplate, scriptCommandApdu, smiMasterKey, smiSessionKey, type ScriptCommand } from '../chip-card/issuer-script.js';
import type { IssuerContext } from './issuer-context.js';

export const MAX_PIN_TRIES = 3;
const PSN_TAG = '5F34';
const ATC_TAG = '9F36';
const ARQC_TAG = '9F26';
const IAD_TAG = '9F10';
const UN_TAG = '9F37';
const DEFAULT_PSN = '00';

export type PinOutcome = typeof RESPONSE_CODES.approved | typeof RESPONSE_CODES.incorrectPin | typeof RESPONSE_CODES.pinTriesExceeded;

export function verifyPin(ctx: IssuerContext, card: DeckCard, pan: string, pinBlock: Buffer, ksn: Buffer): PinOutcome {
  const tries = ctx.pinTries.get(card.id) ?? 0;
  if (tries >= MAX_PIN_TRIES) return RESPONSE_CODES.pinTriesExceeded;
  let right = false;
  let key: Buffer | undefined;
  try {
    key = ctx.keyRing.pinKey(ksn);
    const pin = decryptPinBlock(key, pinBlock, 0, pan);
    right = constantTimeEqual(ascii(pin), ascii(card.pin));
  } catch {
    right = false; // a block that does not decrypt to a format 0 block is a wrong PIN
  } finally {
    wipe(key);
  }
  if (right) {
    ctx.pinTries.set(card.id, 0);
    return RESPONSE_CODES.approved;
  }
  ctx.pinTries.set(card.id, tries + 1);
  return tries + 1 >= MAX_PIN_TRIES ? RESPONSE_CODES.pinTriesExceeded : RESPONSE_CODES.incorrectPin;
}

/** A verified ARQC and the session key to answer it with (the caller wipes the key via `arpcTlv`). */
export interface VerifiedCryptogram {
  readonly sessionKey: Buffer;
  readonly arqc: Buffer;
  readonly atc: Buffer;
  readonly psn: string;
  readonly version: CryptogramVersionName;
  /** Whether the version answers with an ARPC. */
  readonly arpc: 'method-1' | 'none';
}

/** Verifies DE 55's ARQC by its cryptogram version; undefined when it is missing, malformed, of an unknown version or wrong, or the card has no issuer master key. */
export function verifyCryptogram(ctx: IssuerContext, card: DeckCard, pan: string, de55: Buffer): VerifiedCryptogram | undefined {
  const imk = ctx.keyRing.issuerMasterKey(card.id);
  if (imk === undefined) return undefined;
  let data: Map<string, Uint8Array>;
  try {
    data = chipDataMap(de55);
  } catch {
    return undefined;
  }
  const arqc = data.get(ARQC_TAG);
  const atc = data.get(ATC_TAG);
  const psnByte = data.get(PSN_TAG);
  const iad = data.get(IAD_TAG);
  const version = iad === undefined ? undefined : cryptogramVersionOf(iad);
  const input = version === undefined ? undefined : acInput(version, data);
  if (arqc?.length !== 8 || atc?.length !== 2 || version === undefined || input === undefined) return undefined;
  const psn = psnByte?.length === 1 ? Buffer.from(psnByte).toString('hex') : DEFAULT_PSN;
  let masterKey: Buffer | undefined;
  let sessionKey: Buffer | undefined;
  try {
    masterKey = deriveCardMasterKey(imk, pan, psn, 'A');
    sessionKey = acSessionKey(version, masterKey, atc, data.get(UN_TAG));
    if (!verifyArqc(sessionKey, input, arqc, version.padding)) {
      wipe(sessionKey);
      return undefined;
    }
    return { sessionKey, arqc: Buffer.from(arqc), atc: Buffer.from(atc), psn, version: version.name, arpc: version.arpc };
  } catch {
    wipe(sessionKey);
    return undefined;
  } finally {
    wipe(masterKey);
  }
}

/** DE 55 of the answer: 91 = ARPC (method 1) ‖ ARC; undefined for a version without an ARPC. Wipes the session key. */
export function arpcTlv(verified: VerifiedCryptogram, responseCode: string): Buffer | undefined {
  const arc = ascii(responseCode);
  try {
    if (verified.arpc === 'none') return undefined;
    const arpc = generateArpcMethod1(verified.sessionKey, verified.arqc, arc);
    return encode([{ tag: ISSUER_AUTHENTICATION_DATA_TAG, value: Buffer.concat([arpc, arc]) }]);
  } finally {
    wipe(verified.sessionKey);
  }
}

/** A script an issuer has queued for a card: sent once, with the next answer carrying an ARPC. */
export interface PendingIssuerScript {
  /** 71: processed before the second GENERATE AC; 72: after it. */
  readonly template: '71' | '72';
  /** 9F18, 4 bytes. */
  readonly identifier: Buffer;
  readonly commands: readonly ScriptCommand[];
}

/** The queued script for a card as 71/72 TLV, MAC'd for this ARQC; undefined when none is queued or the card has no key. */
export function issuerScriptTlv(ctx: IssuerContext, card: DeckCard, pan: string, verified: VerifiedCryptogram): Buffer | undefined {
  const script = ctx.issuerScripts.get(card.id);
  const imk = ctx.keys.issuerMasterKey(card.id);
  if (script === undefined || imk === undefined) return undefined;
  ctx.issuerScripts.delete(card.id);
  const mkSmi = smiMasterKey(imk, pan, verified.psn);
  const sessionKey = smiSessionKey(mkSmi, verified.arqc);
  try {
    return issuerScriptTemplate(
      script.template,
      script.identifier,
      script.commands.map((command) => scriptCommandApdu(sessionKey, command, verified.atc, verified.arqc)),
    );
  } finally {
    wipe(mkSmi, sessionKey);
  }
}
