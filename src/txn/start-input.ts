/**
 * What the register may start, and the checks made before anything is
 * recorded: a purchase (with a tip or cashback where the terminal is
 * configured for them), a refund (referenced to an earlier purchase, or
 * unreferenced where allowed) and a pre-authorization.
 */
import { PosError } from '../util/errors.js';
import type { TransactionResult } from './result.js';

/** DE 4 is n12: the largest amount the request can carry. */
export const MAX_AMOUNT_MINOR = 999_999_999_999;

interface StartCommon {
  /** Minor units: the goods, the refund, or the amount to hold. */
  readonly amount: number;
  readonly currency: string;
  /** The register's idempotency key: starting again with the same one returns the same transaction. */
  readonly reference?: string;
}

export interface PurchaseInput extends StartCommon {
  readonly type: 'purchase';
  readonly tip?: number | undefined;
  readonly cashback?: number | undefined;
}

export interface RefundInput extends StartCommon {
  readonly type: 'refund';
  /** The purchase (or completion) refunded; absent: an unreferenced refund. */
  readonly originalId?: string | undefined;
}

export interface PreauthInput extends StartCommon {
  readonly type: 'preauth';
}

export type StartInput = PurchaseInput | RefundInput | PreauthInput;

/** The config's `transactions` section, as the engine reads it. */
export interface TransactionPolicy {
  /** A refund that names no purchase (the card is credited on the merchant's word). */
  readonly unreferencedRefunds: boolean;
  /** Tips on purchases, given at the start or adjusted before the batch closes. */
  readonly tips: boolean;
  /** The most cash a purchase may give out; 0: no cashback. */
  readonly cashbackLimit: number;
  /** A pre-authorization's hold may be raised (the acquirer's dialect takes it). */
  readonly incrementalAuthorization: boolean;
  /** Who gives a purchase's tip when the register sends none: nobody, or the cardholder on the PIN pad. */
  readonly tipEntry: 'register' | 'pinpad';
  /** The largest tip the cardholder may key, in percent of the goods. */
  readonly tipLimitPercent: number;
}

export const NO_EXTRAS: TransactionPolicy = { unreferencedRefunds: false, tips: false, cashbackLimit: 0, incrementalAuthorization: false, tipEntry: 'register', tipLimitPercent: 100 };

/** The most a cardholder may key as the tip on `amount` of goods: the policy's share, never past what DE 4 can carry with the rest. */
export function tipLimit(policy: TransactionPolicy, amount: number, cashback = 0): number {
  return Math.max(0, Math.min(Math.floor((amount * policy.tipLimitPercent) / 100), MAX_AMOUNT_MINOR - amount - cashback));
}

/** The amounts of a start, checked: the whole amount is what the card is charged or credited. */
export interface StartAmounts {
  readonly amount: number;
  readonly tip: number;
  readonly cashback: number;
  readonly total: number;
}

export function validateAmount(amount: number, field = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT_MINOR) {
    throw new PosError('TXN_AMOUNT_INVALID', `${field} must be a positive whole number of minor units`, { field, max: MAX_AMOUNT_MINOR });
  }
}

function validatePart(value: number | undefined, field: 'tip' | 'cashback'): number {
  if (value === undefined || value === 0) return 0;
  validateAmount(value, field);
  return value;
}

/** The amounts of `input`, or the typed refusal the register gets before anything is recorded. */
export function startAmounts(input: StartInput, policy: TransactionPolicy): StartAmounts {
  validateAmount(input.amount);
  const tip = input.type === 'purchase' ? validatePart(input.tip, 'tip') : 0;
  const cashback = input.type === 'purchase' ? validatePart(input.cashback, 'cashback') : 0;
  if (tip > 0 && !policy.tips) throw new PosError('TXN_TYPE_NOT_ALLOWED', 'This terminal takes no tips', { field: 'tip' });
  if (cashback > 0 && policy.cashbackLimit === 0) throw new PosError('TXN_TYPE_NOT_ALLOWED', 'This terminal gives no cashback', { field: 'cashback' });
  if (cashback > policy.cashbackLimit) {
    throw new PosError('TXN_CASHBACK_OVER_LIMIT', `Cashback is limited to ${policy.cashbackLimit} minor units`, { limit: policy.cashbackLimit });
  }
  if (input.type === 'refund' && input.originalId === undefined && !policy.unreferencedRefunds) {
    throw new PosError('TXN_TYPE_NOT_ALLOWED', 'A refund must name the purchase it refunds (originalId)', { field: 'originalId' });
  }
  const total = input.amount + tip + cashback;
  validateAmount(total, 'total');
  return { amount: input.amount, tip, cashback, total };
}

/**
 * What is left to refund of `original`: its whole amount less the refunds
 * that name it and may have moved money (`movedMoney`: one running, or
 * failed with its reversal not yet acknowledged, counts — money is never
 * given back twice). Refuses an original that is no approved purchase or
 * completion in `currency`.
 */
export function refundable(original: TransactionResult, refunds: readonly TransactionResult[], currency: string, reversed: (id: string) => boolean = () => false): number {
  if ((original.type !== 'purchase' && original.type !== 'completion') || original.status !== 'approved' || original.currency !== currency) {
    throw new PosError('TXN_ORIGINAL_INVALID', `The original is a ${original.status ?? original.state} ${original.type}`, {
      originalId: original.id,
      type: original.type,
      status: original.status ?? original.state,
    });
  }
  const given = refunds
    .filter((r) => r.type === 'refund' && movedMoney(r, reversed))
    .reduce((sum, r) => sum + r.total, 0);
  return original.total - given;
}

/**
 * Whether a transaction may stand at the host: not declined, cancelled or
 * voided, and not failed before anything was sent or with its reversal
 * acknowledged.
 */
export function movedMoney(result: TransactionResult, reversed: (id: string) => boolean): boolean {
  if (result.status === 'declined' || result.status === 'cancelled' || result.status === 'voided') return false;
  if (result.status === 'failed') return result.stan !== null && !reversed(result.id);
  return true;
}
