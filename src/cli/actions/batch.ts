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
 * start: it recovers
 * what an unclean stop left (owing reversals), forwards queued offline
 * advices, then drains reversals before the 0500.
 */
import { EcrClient } from '../../app/ecr-client.js';
import { loadAcquirerAdviceKey } from '../../app/acquirer-advice-key.js';
import { ECR_TOKEN_FILE, keyFilePath, keyFolderOf, readEcrToken } from '../../app/key-files.js';
import { stateDirFor } from '../../app/state-dir.js';
import { markPresence, runningTerminalPresence } from '../../app/terminal-presence.js';
import type { Config } from '../../config/schema.js';
import { startHost, type HostSetup } from '../../app/host-setup.js';
import { loadConfig } from '../../config/load.js';
import type { ReconciliationTotals } from '../../host/messages/reconciliation.js';
import { createLogger } from '../../log/logger.js';
import { Journal, recoverJournal } from '../../txn/journal/index.js';
import { setUpStoreAndForward, type StoreAndForwardSetup } from '../../txn/offline-setup.js';
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
  const adviceKey = config.storeAndForward.enabled ? loadAcquirerAdviceKey(keyFolderOf(config, stateDir)) : null;
  // The CLI holds the journal as a terminal would: one starting meanwhile refuses (JOURNAL_IN_USE).
  const presence = markPresence(stateDir);
  let journal: Journal | undefined;
  let host: HostSetup | undefined;
  let saf: StoreAndForwardSetup | null = null;
  try {
    const opened = Journal.open({ dir: stateDir, terminalId: config.terminal.id });
    journal = opened;
    const clock = (): Date => new Date();
    for (const change of recoverJournal(opened).changed) logger.warn(change, 'journal recovery after an unclean stop');
    const started = await startHost(config, { logger, clock, nextStan: () => opened.stan.next(), store: opened.reversals });
    host = started;
    const forwarding =
      adviceKey === null
        ? null
        : setUpStoreAndForward(config.storeAndForward, { journal: opened, adviceKey, clock, host: started.client, drainReversals: () => started.sender.drain(), merchantId: config.terminal.merchantId, logger });
    saf = forwarding;
    const iso8583 = started.iso8583;
    if (!iso8583) throw new PosError('CONFIG_INVALID', 'The host does not speak ISO 8583', { fields: ['host.type'] });
    const result = await closeBatch({
      journal: opened,
      ...(forwarding === null ? {} : { drainAdvices: () => forwarding.forwarder.drain() }),
      drainReversals: () => started.sender.drain(),
      reconcile: (request) => iso8583.reconcile(request),
      terminal: config.terminal,
      clock,
    });
    report(result, opts);
  } finally {
    saf?.close();
    await host?.close();
    journal?.close();
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
