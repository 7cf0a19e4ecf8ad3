/**
 * Settlement: the batch close, from the journal's totals to the host's
 * verdict. Pending reversals go to the host first; then the open batch's
 * totals in the terminal's currency go in a 0500 and the host says whether
 * its own agree (0510, 00 or 95). Only when they agree is the batch closed
 * in the journal; otherwise it stays open and both sides' totals are
 * reported.
 *
 * The host counts a reversed (or voided) purchase both as a debit and as a
 * reversal (ISO 8583:1987 DE 76/77), a reversed refund both as a credit and
 * as a credit reversal (DE 74/75); the journal keeps reversals apart, so
 * they are added back here. Pre-authorizations and their releases are no
 * financial transactions and are in none of them. A reversal the host answered 25 (it never
 * saw the original) shows as a difference: that is what reconciliation is for.
 */
import type { ReconciliationRequest, ReconciliationResponse, ReconciliationTotals } from '../host/messages/reconciliation.js';
import { ZERO_TOTALS } from '../host/messages/reconciliation.js';
import type { DrainResult } from '../host/reversal-sender.js';
import type { BatchClose, BatchTotals, CurrencyTotals } from './journal/totals.js';
import type { StanSource } from './stan.js';

/** One currency's journal totals as the 0500's DE 74–89 (zeros when the batch has none in it). */
export function reconciliationTotals(t: CurrencyTotals | undefined): ReconciliationTotals {
  if (!t) return ZERO_TOTALS;
  return {
    ...ZERO_TOTALS,
    debitsCount: t.debits.count + t.reversals.count,
    debitsAmountMinor: t.debits.amountMinor + t.reversals.amountMinor,
    debitsReversalCount: t.reversals.count,
    debitsReversalAmountMinor: t.reversals.amountMinor,
    creditsCount: t.credits.count + t.creditReversals.count,
    creditsAmountMinor: t.credits.amountMinor + t.creditReversals.amountMinor,
    creditsReversalCount: t.creditReversals.count,
    creditsReversalAmountMinor: t.creditReversals.amountMinor,
  };
}

export interface BatchCloseDeps {
  /** The journal: its open batch's totals, closing it, and the STAN counter. */
  readonly journal: { readonly batches: { totals(): BatchTotals; close(): BatchClose }; readonly stan: StanSource };
  /** Store-and-forward's queued advices, sent before the 0500 (they are in the totals); absent when it is off. */
  readonly drainAdvices?: () => Promise<unknown>;
  /** One pass of the reversal sender. */
  readonly drainReversals: () => Promise<DrainResult>;
  /** The ISO 8583 host's 0500/0510. */
  readonly reconcile: (request: ReconciliationRequest) => Promise<ReconciliationResponse>;
  readonly terminal: { readonly id: string; readonly merchantId: string; readonly currency: string };
  readonly clock: () => Date;
}

export interface BatchCloseResult {
  readonly batchNo: number;
  readonly inBalance: boolean;
  readonly responseCode: string;
  readonly terminalTotals: ReconciliationTotals;
  readonly hostTotals: ReconciliationTotals;
  /** Reversals still owed after the drain. */
  readonly pendingReversals: number;
  /** Currencies in the batch other than the terminal's: not sent, not closed by this 0500. */
  readonly notReconciledCurrencies: readonly string[];
  /** When the journal closed the batch; null while it stays open. */
  readonly closedAt: string | null;
}

/** Sends queued advices and owed reversals, reconciles the terminal currency's totals, and closes the batch only when the host agrees. */
export async function closeBatch(deps: BatchCloseDeps): Promise<BatchCloseResult> {
  const { journal, terminal } = deps;
  await deps.drainAdvices?.();
  const drained = await deps.drainReversals();
  const totals = journal.batches.totals();
  const mine = totals.currencies.find((c) => c.currency === terminal.currency);
  const request: ReconciliationRequest = {
    stan: journal.stan.next(),
    at: deps.clock(),
    terminalId: terminal.id,
    merchantId: terminal.merchantId,
    currency: terminal.currency,
    totals: reconciliationTotals(mine),
  };
  const answer = await deps.reconcile(request);
  const closed = answer.inBalance ? journal.batches.close() : null;
  return {
    batchNo: totals.batchNo,
    inBalance: answer.inBalance,
    responseCode: answer.responseCode,
    terminalTotals: request.totals,
    hostTotals: answer.hostTotals,
    pendingReversals: drained.remaining,
    notReconciledCurrencies: totals.currencies.filter((c) => c.currency !== terminal.currency).map((c) => c.currency),
    closedAt: closed?.closedAt ?? null,
  };
}
