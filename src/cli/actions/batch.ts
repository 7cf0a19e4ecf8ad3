/**
 * What `pos batch close [--json]` does: opens the journal and the host, runs
 * the batch close (`src/txn/settlement.ts`), and prints the result; exit 1
 * when the host does not agree (the batch stays open).
 */
import { stateDirFor } from '../../app/state-dir.js';
import { startHost } from '../../app/host-setup.js';
import { loadConfig } from '../../config/load.js';
import type { ReconciliationTotals } from '../../host/messages/reconciliation.js';
import { createLogger } from '../../log/logger.js';
import { Journal } from '../../txn/journal/index.js';
import { closeBatch, type BatchCloseResult } from '../../txn/settlement.js';
import { PosError } from '../../util/errors.js';
import { EXIT_FAILURE, printJson } from '../errors.js';

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
  const clock = (): Date => new Date();
  const host = await startHost(config, { logger, clock, nextStan: () => journal.stan.next(), store: journal.reversals });
  try {
    const iso8583 = host.iso8583;
    if (!iso8583) throw new PosError('CONFIG_INVALID', 'The host does not speak ISO 8583', { fields: ['host.type'] });
    const result = await closeBatch({
      journal,
      drainReversals: () => host.sender.drain(),
      reconcile: (request) => iso8583.reconcile(request),
      terminal: config.terminal,
      clock,
    });
    if (opts.json === true) printJson(result);
    else process.stdout.write(formatBatch(result));
    if (!result.inBalance) process.exitCode = EXIT_FAILURE;
  } finally {
    await host.close();
    journal.close();
  }
}

function formatBatch(r: BatchCloseResult): string {
  const row = (name: string, t: ReconciliationTotals) =>
    `  ${name.padEnd(9)} debits ${t.debitsCount} / ${t.debitsAmountMinor}  reversals ${t.debitsReversalCount} / ${t.debitsReversalAmountMinor}  credits ${t.creditsCount} / ${t.creditsAmountMinor}`;
  return [
    `batch ${r.batchNo}: ${r.inBalance ? `in balance, closed at ${r.closedAt ?? ''}` : `OUT OF BALANCE (host answered ${r.responseCode}); batch stays open`}`,
    row('terminal', r.terminalTotals),
    row('host', r.hostTotals),
    ...(r.pendingReversals > 0 ? [`  ${r.pendingReversals} reversal(s) still pending`] : []),
  ].join('\n') + '\n';
}
