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
 * ARQC (EMV 4.4 Book 2): the card master key from the issuer master key,
 * option A over PAN and PAN sequence number (5F34, 00 when absent); the EMV
 * common session key with R = ATC (9F36); the ARQC (9F26) recomputed over
 * `arqc-data.ts`'s list with MAC algorithm 3, padding 2. The answer's ARPC is
 * method 1: TDES(session key, ARQC ⊕ ARC‖00…), sent as 91 = ARPC ‖ ARC, with
 * ARC the two ASCII characters of DE 39.
 */
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1, verifyArqc } from '../../src/crypto/emv/cryptogram.js';
import { deriveAcSessionKey } from '../../src/crypto/emv/session-key.js';
import { decryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { encode } from '../../src/emv/ber-tlv.js';
import { chipDataMap, ISSUER_AUTHENTICATION_DATA_TAG } from '../../src/host/messages/chip-data.js';
import { RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { ascii, constantTimeEqual, wipe } from '../../src/util/bytes.js';
import type { DeckCard } from '../cards/deck.js';
import { ARQC_PADDING, arqcData } from '../chip-card/arqc-data.js';
import type { IssuerContext } from './issuer-context.js';

export const MAX_PIN_TRIES = 3;
const PSN_TAG = '5F34';
const ATC_TAG = '9F36';
const ARQC_TAG = '9F26';
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
}

/** Verifies DE 55's ARQC; undefined when it is missing, malformed or wrong, or the card has no issuer master key. */
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
  const input = arqcData(data);
  if (arqc?.length !== 8 || atc?.length !== 2 || input === undefined) return undefined;
  const psn = psnByte?.length === 1 ? Buffer.from(psnByte).toString('hex') : DEFAULT_PSN;
  let masterKey: Buffer | undefined;
  let sessionKey: Buffer | undefined;
  try {
    masterKey = deriveCardMasterKey(imk, pan, psn, 'A');
    sessionKey = deriveAcSessionKey('emv', masterKey, atc);
    if (!verifyArqc(sessionKey, input, arqc, ARQC_PADDING)) {
      wipe(sessionKey);
      return undefined;
    }
    return { sessionKey, arqc: Buffer.from(arqc) };
  } catch {
    wipe(sessionKey);
    return undefined;
  } finally {
    wipe(masterKey);
  }
}

/** DE 55 of the answer: 91 = ARPC (method 1) ‖ ARC. Wipes the session key. */
export function arpcTlv(verified: VerifiedCryptogram, responseCode: string): Buffer {
  const arc = ascii(responseCode);
  try {
    const arpc = generateArpcMethod1(verified.sessionKey, verified.arqc, arc);
    return encode([{ tag: ISSUER_AUTHENTICATION_DATA_TAG, value: Buffer.concat([arpc, arc]) }]);
  } finally {
    wipe(verified.sessionKey);
  }
}
