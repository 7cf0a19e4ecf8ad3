/**
 * What `pos batch close [--json]` does: runs the batch close
 * (`src/txn/settlement.ts`) and prints the result; exit 1 when the host does
 * not agree (the batch stays open).
 *
 * While the terminal runs, the close goes through its ECR API
 * (`POST /v1/batch/close`): the engine then holds transactions off during the
 * 0500 and queued offline advices go first. A terminal whose API is served
 * over TLS is not closed from here (`ECR_TERMINAL_RUNNING`). Only
 * when nothing answers at the configured ECR address does the CLI open the
 * journal and the host itself, as the terminal does at start: it recovers
 * what an unclean stop left (owing reversals), forwards queued offline
 * advices, then drains reversals before the 0500.
 */
import { connect } from 'node:net';
import { EcrClient } from '../../app/ecr-client.js';
import { loadAcquirerAdviceKey } from '../../app/acquirer-advice-key.js';
import { ECR_TOKEN_FILE, keyFilePath, keyFolderOf, readEcrToken } from '../../app/key-files.js';
import { stateDirFor } from '../../app/state-dir.js';
import type { Config } from '../../config/schema.js';
import { startHost } from '../../app/host-setup.js';
import { loadConfig } from '../../config/load.js';
import type { ReconciliationTotals } from '../../host/messages/reconciliation.js';
import { createLogger } from '../../log/logger.js';
import { Journal, recoverJournal } from '../../txn/journal/index.js';
import { setUpStoreAndForward } from '../../txn/offline-setup.js';
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
  const running = await runningTerminal(config, stateDir);
  if (running !== undefined) {
    report(await running.batchClose(), opts);
    return;
  }
  const logger = createLogger({ level: config.log.level, name: 'pos-batch' });
  const adviceKey = config.storeAndForward.enabled ? loadAcquirerAdviceKey(keyFolderOf(config, stateDir)) : null;
  const journal = Journal.open({ dir: stateDir, terminalId: config.terminal.id });
  const clock = (): Date => new Date();
  for (const change of recoverJournal(journal).changed) logger.warn(change, 'journal recovery after an unclean stop');
  const host = await startHost(config, { logger, clock, nextStan: () => journal.stan.next(), store: journal.reversals });
  const saf =
    adviceKey === null
      ? null
      : setUpStoreAndForward(config.storeAndForward, { journal, adviceKey, clock, host: host.client, drainReversals: () => host.sender.drain(), merchantId: config.terminal.merchantId, logger });
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
    saf?.close();
    await host.close();
    journal.close();
  }
}

function report(result: BatchCloseResult, opts: BatchCloseOptions): void {
  if (opts.json === true) printJson(result);
  else process.stdout.write(formatBatch(result));
  if (!result.inBalance) process.exitCode = EXIT_FAILURE;
}

/** How long the CLI waits to learn whether the terminal's ECR API listens. */
const PROBE_TIMEOUT_MS = 1000;

/** The running terminal's ECR API, when something listens at the configured address; undefined when nothing does (or the port is chosen at start: 0). */
async function runningTerminal(config: Config, stateDir: string): Promise<EcrClient | undefined> {
  const { host, port, tls } = config.ecr;
  if (port === 0 || !(await listening(host, port))) return undefined;
  if (tls !== undefined) {
    throw new PosError('ECR_TERMINAL_RUNNING', `The terminal is running (its ECR API answers at ${host}:${port}) over TLS: close the batch through POST /v1/batch/close`, { host, port });
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new EcrClient(url, readEcrToken(keyFilePath(config, stateDir, ECR_TOKEN_FILE)));
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
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
