/**
 * How the simulated issuer answers a purchase, as pure rules over a deck card
 * (ISO 8583:1987 DE 39 response codes). Checked in this order, the first
 * that applies wins:
 * - 14 invalid card number: no deck entry, status `not-issued`, or a PAN
 *   failing the Luhn check (no issuer ever issues one);
 * - 05 do not honour: status `blocked`;
 * - 54 expired card: the clock is past the end of the card's expiry month;
 * - 62 restricted card: the service code does not allow goods and services
 *   (third digit 3 ATM only, 4 cash only, or a reserved digit);
 * - 51 not sufficient funds: the amount exceeds the balance;
 * - 00 approved.
 * The issuer judges its own record (the deck), not what the terminal sent.
 */
import { isExpired, parseExpiry } from '../../src/card/expiry.js';
import { luhnValid } from '../../src/card/luhn.js';
import { allowsService, interpretServiceCode } from '../../src/card/service-code.js';
import type { DeckCard } from '../cards/deck.js';

export const RESPONSE_CODES = {
  approved: '00',
  doNotHonour: '05',
  invalidTransaction: '12',
  invalidCardNumber: '14',
  formatError: '30',
  insufficientFunds: '51',
  expiredCard: '54',
  restrictedCard: '62',
} as const;

export type ResponseCode = (typeof RESPONSE_CODES)[keyof typeof RESPONSE_CODES];

export interface PurchaseCheck {
  readonly card: DeckCard | undefined;
  readonly pan: string;
  readonly amountMinor: number;
  /** The account's balance now (the deck's opening balance less approvals so far). */
  readonly balance: number;
  readonly now: Date;
}

export function decidePurchase(check: PurchaseCheck): ResponseCode {
  const { card } = check;
  if (card === undefined || card.status === 'not-issued' || !luhnValid(check.pan)) return RESPONSE_CODES.invalidCardNumber;
  if (card.status === 'blocked') return RESPONSE_CODES.doNotHonour;
  if (isExpired(parseExpiry(card.expiry), check.now)) return RESPONSE_CODES.expiredCard;
  if (!allowsService(interpretServiceCode(card.serviceCode), 'purchase')) return RESPONSE_CODES.restrictedCard;
  if (check.amountMinor > check.balance) return RESPONSE_CODES.insufficientFunds;
  return RESPONSE_CODES.approved;
}
