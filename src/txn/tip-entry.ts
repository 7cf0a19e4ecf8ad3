/**
 * A purchase's tip keyed by the cardholder on the PIN pad, before the card is
 * read (`transactions.tipEntry: "pinpad"`): the amount the card is asked for
 * (9F02, DE 4) must be final before the card sees it. The pad's answer is
 * checked like any device's: whole minor units within the policy's limit.
 */
import type { PinPad } from '../devices/pin-pad.js';
import { PosError } from '../util/errors.js';
import { tipLimit, type TransactionPolicy } from './start-input.js';

/** How long the pad waits for each key of the tip. */
export const TIP_KEY_TIMEOUT_MS = 30_000;

/** Whether a purchase started without a tip asks the cardholder for one. */
export function asksForTip(policy: TransactionPolicy, pinpad: PinPad | undefined, input: { readonly type: string; readonly tip?: number | undefined }): boolean {
  return input.type === 'purchase' && input.tip === undefined && policy.tips && policy.tipEntry === 'pinpad' && pinpad?.takesAmounts === true;
}

/** The tip the cardholder keys for `goods` (0: none); rejects as `PinPad.enterAmount` does, or `TXN_AMOUNT_INVALID` for an answer out of bounds. */
export async function enterTip(pinpad: PinPad, policy: TransactionPolicy, goods: { readonly amount: number; readonly cashback: number }, signal: AbortSignal): Promise<number> {
  const maxMinor = tipLimit(policy, goods.amount, goods.cashback);
  // A cancel that came while the prompt was being shown: the pad is not asked at all.
  signal.throwIfAborted();
  const tip = await pinpad.enterAmount({ purpose: 'tip', maxMinor, keyTimeoutMs: TIP_KEY_TIMEOUT_MS }, signal);
  if (!Number.isSafeInteger(tip) || tip < 0 || tip > maxMinor) {
    throw new PosError('TXN_AMOUNT_INVALID', 'The PIN pad gave a tip outside what it was asked for', { field: 'tip', maxMinor });
  }
  return tip;
}
