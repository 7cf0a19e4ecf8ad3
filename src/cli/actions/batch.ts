/**
 * What `pos batch close [--json]` does: runs the batch close
 * (`src/txn/settlement.ts`) and prints the result; exit 1 when the host does
 * not agree (the batch stays open).
 *
 * While a terminal runs on the state folder (its mark, `terminal-presence.ts`)
 * the close goes through its ECR API (`POST /v1/batch/close`): the engine
 * then holds transactions off during the 0500 and queued offline advices go
 * first. A terminal still starting, or whose API is served over TLS, is not
 * closed from here (`ECR_TERMINAL_RUNNING`). Only when no terminal runs does
 * the CLI open the journal and the host itself, as the terminal does at
 * start (`openJournalAndHost`): it recovers what an unclean stop left
 * (owing reversals), forwards queued offline advices, then drains reversals
 * before the 0500.
 */
import { EcrClient } from '../../app/ecr-client.js';
import { ECR_TOKEN_FILE, keyFilePath, keyFolderOf, readEcrToken } from '../../app/key-files.js';
import { stateDirFor } from '../../app/state-dir.js';
import { markPresence, runningTerminalPresence } from '../../app/terminal-presence.js';
import type { Config } from '../../config/schema.js';
import { openJournalAndHost } from '../../app/journal-and-host.js';
import { loadConfig } from '../../config/load.js';
import type { ReconciliationTotals } from '../../host/messages/reconciliation.js';
import { createLogger } from '../../log/logger.js';
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
  const stateDir = stateDirFor(config, path);
  const running = runningTerminal(config, stateDir);
  if (running !== undefined) {
    report(await running.batchClose(), opts);
    return;
  }
  const logger = createLogger({ level: config.log.level, name: 'pos-batch' });
  // The CLI holds the journal as a terminal would: one starting meanwhile refuses (JOURNAL_IN_USE).
  const presence = markPresence(stateDir);
  try {
    const clock = (): Date => new Date();
    const opened = await openJournalAndHost(config, stateDir, { logger, clock, keyDir: keyFolderOf(config, stateDir) });
    const { journal, host, saf } = opened;
    try {
      const iso8583 = host.iso8583;
      if (!iso8583) throw new PosError('CONFIG_INVALID', 'The host does not speak ISO 8583', { fields: ['host.type'] });
      const result = await closeBatch({
        journal,
        ...(saf === null ? {} : { drainAdvices: () => saf.forwarder.drain() }),
        drainReversals: () => host.sender.drain(),
        reconcile: (request) => iso8583.reconcile(request),
        terminal: config.terminal,
        clock,
      });
      report(result, opts);
    } finally {
      await opened.close();
    }
  } finally {
    presence.clear();
  }
}

function report(result: BatchCloseResult, opts: BatchCloseOptions): void {
  if (opts.json === true) printJson(result);
  else process.stdout.write(formatBatch(result));
  if (!result.inBalance) process.exitCode = EXIT_FAILURE;
}

/**
 * The running terminal's ECR API, when its mark (`terminal-presence.ts`)
 * says one runs on this state folder; undefined when none does. A terminal
 * still starting, or serving its API over TLS, is refused: the CLI must not
 * touch its journal, and cannot ask it.
 */
function runningTerminal(config: Config, stateDir: string): EcrClient | undefined {
  const presence = runningTerminalPresence(stateDir);
  if (presence === undefined) return undefined;
  if (presence.ecrUrl === null) {
    throw new PosError('ECR_TERMINAL_RUNNING', `The terminal (pid ${presence.pid}) is starting: close the batch once it is ready`, { pid: presence.pid });
  }
  if (!presence.ecrUrl.startsWith('http://')) {
    throw new PosError('ECR_TERMINAL_RUNNING', `The terminal (pid ${presence.pid}) is running with its ECR API over TLS: close the batch through POST /v1/batch/close`, { pid: presence.pid });
  }
  return new EcrClient(presence.ecrUrl, readEcrToken(keyFilePath(config, stateDir, ECR_TOKEN_FILE)));
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
