/**
 * The simulated issuer's check of a contactless mag-stripe read (DE 22
 * 91x): the dynamic CVC3 in DE 35's track 2 (`hw-mocks/chip-card/
 * contactless-magstripe.ts`, EMV Contactless Book C-2 v2.11 mag-stripe mode).
 *
 *   track   read with the simulation's `TRACK2_LAYOUT`: CVC3, UN and ATC digits and
 *           nUN in the last digit; anything else fails
 *   ATC     the track holds only its low NATC digits: the issuer takes the smallest
 *           ATC above the last one it accepted for the card with those digits, so a
 *           replayed track (the same ATC) fails
 *   UN      its nUN digits, BCD with zeros to the left (Book C-2 A.1.172)
 *   CVC3    KD_CVC3 (the card's issuer master key's CVC3 variant, PAN, PSN 00),
 *           IVCVC3 over the track as personalised (dynamic digits zero), then
 *           CVC3; its low q digits must be the track's
 *
 * A track that fails answers 05, as an ARQC that does not verify does.
 */
import { wipe } from '../../src/util/bytes.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { DeckCard } from '../cards/deck.js';
import { computeCvc3, cvc3Key, ivCvc3, numericUnpredictableNumber, readDynamicTrack2, track2Bytes, TRACK2_LAYOUT } from '../chip-card/contactless-magstripe.js';
import { textField, type IssuerContext } from './issuer-context.js';

/** DE 22's first two digits for a contactless mag-stripe read. */
export const CONTACTLESS_MAGSTRIPE_ENTRY = '91';
const MAGSTRIPE_PSN = '00';
const MAX_ATC = 0xffff;

/** Whether DE 22 says the card was read in contactless mag-stripe mode. */
export function isContactlessMagstripe(request: Iso8583Message): boolean {
  return textField(request, 22)?.startsWith(CONTACTLESS_MAGSTRIPE_ENTRY) === true;
}

/** Verifies DE 35's dynamic CVC3 for `card`; records the ATC it accepts. */
export function verifyContactlessMagstripe(ctx: IssuerContext, card: DeckCard, pan: string, request: Iso8583Message): boolean {
  const track = textField(request, 35);
  const parts = track === undefined ? undefined : readDynamicTrack2(track, TRACK2_LAYOUT);
  const imk = ctx.keys.issuerMasterKey(card.id);
  if (parts === undefined || imk === undefined || !parts.template.startsWith(`${pan}D`)) return false;
  const atc = nextAtc(ctx.magstripeAtcs.get(card.id) ?? 0, parts.atcDigits);
  if (atc === undefined) return false;
  const key = cvc3Key(imk, pan, MAGSTRIPE_PSN);
  try {
    const iv = ivCvc3(key, track2Bytes(parts.template));
    const cvc3 = computeCvc3(key, iv, numericUnpredictableNumber(parts.unDigits), Buffer.from([atc >> 8, atc & 0xff]));
    const q = parts.cvc3Digits.length;
    if (String(cvc3).padStart(q, '0').slice(-q) !== parts.cvc3Digits) return false;
    ctx.magstripeAtcs.set(card.id, atc);
    return true;
  } finally {
    wipe(key);
  }
}

/** The smallest ATC above `last` whose low decimal digits are `digits`; undefined past 65535. */
function nextAtc(last: number, digits: string): number | undefined {
  const modulus = 10 ** digits.length;
  const low = Number(digits);
  const from = last + 1;
  const atc = from + ((low - (from % modulus) + modulus) % modulus);
  return atc > MAX_ATC ? undefined : atc;
}
