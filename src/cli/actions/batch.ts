/**
 * What `pos batch close [--json]` does: end-of-day settlement. Pending
 * reversals go to the host first; then the journal's totals for the
 * terminal's currency are sent in a 0500 and the host says whether its own
 * agree (0510, 00 or 95). Only when they agree is the batch closed in the
 * journal; otherwise both sides' totals are printed and the batch stays open
 * (exit 1).
 *
 * The host counts a reversed purchase both as a debit and as a reversal
 * (ISO 8583:1987 DE 76/77); the journal keeps reversals apart, so they are
 * added back to the debits here. A reversal the host answered 25 (it never
 * saw the original) shows as a difference: that is what reconciliation is for.
 */
import { stateDirFor } from '../../app/state-dir.js';
import { startHost } from '../../app/host-setup.js';
import { loadConfig } from '../../config/load.js';
import type { ReconciliationTotals } from '../../host/messages/reconciliation.js';
import { ZERO_TOTALS } from '../../host/messages/reconciliation.js';
import { createLogger } from '../../log/logger.js';
import { Journal } from '../../txn/journal/index.js';
import type { CurrencyTotals } from '../../txn/journal/index.js';
import { PosError } from '../../util/errors.js';
import { loadDeck } from '../../../hw-mocks/cards/deck.js';
import { EXIT_FAILURE, printJson } from '../errors.js';

export function reconciliationTotals(t: CurrencyTotals | undefined): ReconciliationTotals {
  if (!t) return ZERO_TOTALS;
  return {
    ...ZERO_TOTALS,
    debitsCount: t.debits.count + t.reversals.count,
    debitsAmountMinor: t.debits.amountMinor + t.reversals.amountMinor,
    debitsReversalCount: t.reversals.count,
    debitsReversalAmountMinor: t.reversals.amountMinor,
    creditsCount: t.credits.count,
    creditsAmountMinor: t.credits.amountMinor,
  };
}

export interface BatchCloseOptions {
  readonly json?: boolean;
}

export async function runBatchClose(opts: BatchCloseOptions, configPath: string | undefined): Promise<void> {
  const { config, path } = loadConfig({ path: configPath });
  if (config.host.type !== 'iso8583-tcp') {
    throw new PosError('CONFIG_INVALID', `pos batch close needs an iso8583-tcp host; the configuration has ${config.host.type}`, { fields: ['host.type'] });
  }
  const logger = createLogger({ level: config.log.level, name: 'pos-batch' });
  const stateDir = stateDirFor(config, path);
  const journal = Journal.open({ dir: stateDir, terminalId: config.terminal.id });
  const host = await startHost(config, { logger, clock: () => new Date(), nextStan: () => journal.stan.next(), store: journal, deck: () => loadDeck() });
  try {
    const drained = await host.sender.drain();
    const totals = journal.totals();
    const mine = totals.currencies.find((c) => c.currency === config.terminal.currency);
    const others = totals.currencies.filter((c) => c.currency !== config.terminal.currency).map((c) => c.currency);
    const request = {
      stan: journal.stan.next(),
      at: new Date(),
      terminalId: config.terminal.id,
      merchantId: config.terminal.merchantId,
      currency: config.terminal.currency,
      totals: reconciliationTotals(mine),
    };
    if (!host.iso8583) throw new PosError('CONFIG_INVALID', 'The host does not speak ISO 8583', { fields: ['host.type'] });
    const answer = await host.iso8583.reconcile(request);
    const closed = answer.inBalance ? journal.closeBatch() : null;
    const result = {
      batchNo: totals.batchNo,
      inBalance: answer.inBalance,
      responseCode: answer.responseCode,
      terminalTotals: request.totals,
      hostTotals: answer.hostTotals,
      pendingReversals: drained.remaining,
      notReconciledCurrencies: others,
      closedAt: closed?.closedAt ?? null,
    };
    if (opts.json === true) printJson(result);
    else process.stdout.write(formatBatch(result));
    if (!answer.inBalance) process.exitCode = EXIT_FAILURE;
  } finally {
    await host.close();
    journal.close();
  }
}

function formatBatch(r: { batchNo: number; inBalance: boolean; responseCode: string; terminalTotals: ReconciliationTotals; hostTotals: ReconciliationTotals; pendingReversals: number; closedAt: string | null }): string {
  const row = (name: string, t: ReconciliationTotals) =>
    `  ${name.padEnd(9)} debits ${t.debitsCount} / ${t.debitsAmountMinor}  reversals ${t.debitsReversalCount} / ${t.debitsReversalAmountMinor}  credits ${t.creditsCount} / ${t.creditsAmountMinor}`;
  return [
    `batch ${r.batchNo}: ${r.inBalance ? `in balance, closed at ${r.closedAt ?? ''}` : `OUT OF BALANCE (host answered ${r.responseCode}); batch stays open`}`,
    row('terminal', r.terminalTotals),
    row('host', r.hostTotals),
    ...(r.pendingReversals > 0 ? [`  ${r.pendingReversals} reversal(s) still pending`] : []),
  ].join('\n') + '\n';
}
