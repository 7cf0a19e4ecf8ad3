/**
 * The composition root: from a validated config to a running terminal —
 * reader, display, host client, engine and ECR API. Only here are real
 * drivers or virtual devices chosen; everything below takes its collaborators
 * as arguments.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { assertNoSimulationInProduction } from '../config/simulation-guard.js';
import { checkBeforeStart } from './start-checks.js';
import type { Display } from '../devices/display.js';
import { screens } from '../display/screens.js';
import type { HostClient } from '../host/model.js';
import { TransactionEngine } from '../txn/engine.js';
import { mkdirSync } from 'node:fs';
import { JournalLedger } from '../txn/journal-ledger.js';
import { journalHistory } from '../txn/journal/history.js';
import { openJournalAndHost } from './journal-and-host.js';
import { markPresence, runningTerminalPresence } from './terminal-presence.js';
import { PosError } from '../util/errors.js';
import { assertKeyFilesPresent, ECR_TOKEN_FILE, keyFilePath, keyFolderOf, provisionKeyFiles, readEcrToken } from './key-files.js';
import { startRetention } from '../txn/journal/retention.js';
import type { AdviceForwarder } from '../txn/advice-forwarder.js';
import { offlineApprovalsHealth } from '../txn/offline-setup.js';
import { openDevices } from './devices.js';
import { loadSimulation } from './load-simulation.js';
import type { BankHostSimulator } from './simulation/index.js';
import { assertEcrBindAllowed, EcrServer, type HealthReport } from './ecr-server.js';
import { ecrBatchRoutes } from './ecr-batch-routes.js';
import { ecrReceiptRoutes, merchantSettings } from './ecr-receipt-routes.js';
import { effectiveAutoPrint } from '../receipt/merchant.js';
import { ReceiptDesk } from '../receipt/receipt-desk.js';
import { loadEcrTls } from './ecr-tls.js';

export interface TerminalOptions {
  readonly logger: Logger;
  /** Where the console display writes (stdout for `pos run`). */
  readonly displayOut: Writable;
  /** Overrides the configured display (the demo's quiet mode, tests). */
  readonly display?: Display;
  /** Overrides `ecr.port` (0 for an ephemeral port). */
  readonly ecrPort?: number;
  readonly clock?: () => Date;
  /** The card deck for the virtual reader and the host simulator; default the project's. */
  readonly deckPath?: string;
  /** Where durable state goes (reversals, journal); default `journal.dir` of the config. */
  readonly stateDir?: string;
  /** Whose `NODE_ENV` decides whether simulation is allowed; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningTerminal {
  readonly ecrUrl: string;
  /** The bearer token the ECR API requires (`ecr.token`), for in-process clients: the demo, tests. */
  readonly ecrToken: string;
  readonly engine: TransactionEngine;
  /** The in-process bank-host simulator, when `host.type` is `simulator`. */
  readonly hostSimulator: BankHostSimulator | null;
  /** Sends queued offline advices (reversals first); null when store-and-forward is off. */
  readonly advices: AdviceForwarder | null;
  /** Receipts from the journal and the print spool (`receipt.autoPrint` prints by itself when a transaction ends). */
  readonly receipts: ReceiptDesk;
  close(): Promise<void>;
}

export async function startTerminal(config: Config, options: TerminalOptions): Promise<RunningTerminal> {
  const { logger } = options;
  assertNoSimulationInProduction(config, options.env);
  assertEcrBindAllowed(config.ecr.host, config.ecr.tls !== undefined);
  const clock = options.clock ?? (() => new Date());
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, 'error while closing');
      }
    }
  };

  try {
    // Only a config that simulates something loads the simulation (and hw-mocks/).
    const simulation = await loadSimulation(config, { logger, ...(options.deckPath === undefined ? {} : { deckPath: options.deckPath }) });

    const stateDir = options.stateDir ?? config.journal.dir;
    checkBeforeStart(config, stateDir);
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const other = runningTerminalPresence(stateDir);
    if (other !== undefined && other.pid !== process.pid) {
      throw new PosError('JOURNAL_IN_USE', `Another terminal (pid ${other.pid}) is running on ${stateDir}`, { pid: other.pid });
    }
    // Marked before the journal opens and cleared after it closes (closers run in reverse).
    const presence = markPresence(stateDir);
    closers.push(() => Promise.resolve(presence.clear()));
    // Simulation makes its own device keys and ECR token beside its state; a real terminal's must all be in place already (pos keys init, install.sh).
    if (config.host.type === 'simulator') provisionKeyFiles(config, stateDir);
    else assertKeyFilesPresent(config, stateDir);
    const keyDir = keyFolderOf(config, stateDir);
    const ecrToken = readEcrToken(keyFilePath(config, stateDir, ECR_TOKEN_FILE));
    const ecrTls = config.ecr.tls ? loadEcrTls(config.ecr.tls) : undefined;
    // Offline advices are sealed to the acquirer's public key; the simulation's is the host simulator's.
    simulation?.provisionKeys(config, keyDir);
    const core = await openJournalAndHost(config, stateDir, { logger, clock, keyDir, ...(simulation ? { deck: simulation.deck } : {}) });
    closers.push(() => core.close());
    const { journal, duties, host: hostSetup, saf } = core;
    const retention = startRetention(journal, { retentionDays: config.journal.retentionDays, logger, clock });
    closers.push(() => Promise.resolve(retention.stop()));
    const host: HostClient = hostSetup.client;
    const hostSimulator = hostSetup.simulator;
    // The engine's one port to the journal; what follows a step subscribes to it.
    const ledger = new JournalLedger({ journal, duties, offline: saf?.approvals ?? null, logger });
    ledger.on((event) => {
      if (event.step === 'reversal-owed') hostSetup.sender.kick();
      if (event.step === 'ended') saf?.forwarder.kick();
    });

    const devices = await openDevices(config, { logger, displayOut: options.displayOut, simulation });
    closers.push(() => devices.close());
    const reader = devices.reader;
    const display = options.display ?? devices.display;
    closers.push(() => display.close());
    await display.show(screens.idle());
    const simulator = devices.simulator;
    if (simulator) {
      ledger.on((event) => {
        if (event.step === 'ended') simulator.transactionEnded();
      });
    }

    // Receipts print from the journal's spool; what a power cut left printing prints again marked DUPLICATE.
    const receipts = new ReceiptDesk({
      journal,
      merchant: merchantSettings(config),
      printer: devices.printer,
      autoPrint: effectiveAutoPrint(config.receipt.autoPrint, devices.printer !== null),
      logger,
    });
    ledger.inEndCommit((result) => receipts.onEnded(result));
    ledger.on((event) => receipts.onLedgerEvent(event));
    receipts.start();
    closers.push(() => receipts.stop());

    const engine = new TransactionEngine({
      reader,
      ...(devices.pinpad ? { pinpad: devices.pinpad } : {}),
      display,
      host,
      ledger,
      beforeAuthorize: async () => {
        await hostSetup.sender.drain();
      },
      history: journalHistory(journal),
      clock,
      logger,
      terminal: config.terminal,
      policy: config.transactions,
    });

    const health = (): HealthReport => {
      const readerState = reader.state();
      const pinpadState = devices.pinpad?.state();
      const displayState = display.state();
      const hostState = host.state();
      const printerState = devices.printer?.state();
      const devicesUp =
        readerState === 'connected' && (pinpadState ?? 'connected') === 'connected' && displayState === 'connected' && (printerState ?? 'connected') === 'connected';
      return {
        status: devicesUp && journal.fault === null && duties.unpersisted === 0 ? 'ok' : 'degraded',
        terminal: { id: config.terminal.id, currency: config.terminal.currency },
        devices: {
          reader: { name: reader.name, state: readerState, virtual: devices.virtualReader },
          pinpad: devices.pinpad ? { name: devices.pinpad.name, state: pinpadState } : null,
          display: { name: display.name, state: displayState },
          printer: devices.printer ? { name: devices.printer.name, state: printerState, receiptsWaiting: receipts.jobs.waiting() } : null,
        },
        host: { description: host.description, state: hostState, simulator: hostSimulator !== null },
        currentTransaction: engine.current?.id ?? null,
        pendingReversals: duties.pending().length,
        reversalsNotInJournal: duties.unpersisted,
        journal: journal.fault === null ? 'ok' : journal.fault.code,
        offlineApprovals: offlineApprovalsHealth(journal),
      };
    };

    const ecr = new EcrServer({
      engine,
      health,
      logger,
      routes: [
        ecrBatchRoutes({ engine, advices: saf?.forwarder ?? null, journal, host: hostSetup, terminal: config.terminal, clock }),
        ecrReceiptRoutes(receipts),
        ...(devices.simulator ? [devices.simulator.routes] : []),
      ],
      token: ecrToken,
      ...(ecrTls ? { tls: ecrTls } : {}),
      allowedOrigins: config.ecr.allowedOrigins,
      allowedHosts: config.ecr.allowedHosts,
    });
    const address = await ecr.listen(config.ecr.host, options.ecrPort ?? config.ecr.port);
    closers.push(() => ecr.close());
    const ecrUrl = `${ecr.scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    presence.ready(ecrUrl);
    logger.info({ ecr: ecrUrl, reader: reader.name, host: host.description }, 'terminal ready');

    return { ecrUrl, ecrToken, engine, hostSimulator, advices: saf?.forwarder ?? null, receipts, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

