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
import type { Display } from '../devices/display.js';
import { screens } from '../display/screens.js';
import type { HostClient } from '../host/model.js';
import { TransactionEngine } from '../txn/engine.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Journal, JournalRecorder } from '../txn/journal/index.js';
import type { TxnRecorder } from '../txn/recorder.js';
import { KeyRing, PAN_HASH_KEY_FILE } from './key-files.js';
import { ADVICE_KEY_FILE } from '../txn/advice-card.js';
import type { AdviceForwarder } from '../txn/advice-forwarder.js';
import { offlineApprovalsHealth, setUpStoreAndForward } from '../txn/offline-setup.js';
import type { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { openDevices } from './devices.js';
import { stateOf } from './resilient-devices.js';
import { startHost } from './host-setup.js';
import { loadDeck, type Deck } from '../../hw-mocks/cards/deck.js';
import { EcrServer, type HealthReport } from './ecr-server.js';

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
  readonly engine: TransactionEngine;
  /** The in-process bank-host simulator, when `host.type` is `simulator`. */
  readonly hostSimulator: BankHostSimulator | null;
  /** Sends queued offline advices (reversals first); null when store-and-forward is off. */
  readonly advices: AdviceForwarder | null;
  close(): Promise<void>;
}

export async function startTerminal(config: Config, options: TerminalOptions): Promise<RunningTerminal> {
  const { logger } = options;
  assertNoSimulationInProduction(config, options.env);
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
    let deck: Deck | undefined;
    const getDeck = (): Deck => (deck ??= loadDeck(options.deckPath));

    const stateDir = options.stateDir ?? config.journal.dir;
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    // Simulation provisions its own device key beside its state; a real terminal's comes from the key folder.
    const keyDir = config.host.type === 'simulator' ? provisionSimulationKeys(join(stateDir, 'keys')) : config.keys.dir;
    const keys = KeyRing.load(keyDir, [PAN_HASH_KEY_FILE, ...(config.storeAndForward.enabled ? [ADVICE_KEY_FILE] : [])]);
    closers.push(() => Promise.resolve(keys.wipe()));
    const journal = Journal.open({ dir: stateDir, panHashKey: keys.get(PAN_HASH_KEY_FILE), terminalId: config.terminal.id, clock });
    closers.push(() => Promise.resolve(journal.close()));
    const recovery = journal.recover();
    for (const change of recovery.changed) logger.warn(change, 'journal recovery after an unclean stop');
    const stan = journal.stan;
    const hostSetup = await startHost(config, { logger, clock, nextStan: () => stan.next(), store: journal, deck: getDeck });
    closers.push(() => hostSetup.close());
    const host: HostClient = hostSetup.client;
    const hostSimulator = hostSetup.simulator;
    const saf = config.storeAndForward.enabled
      ? setUpStoreAndForward(config.storeAndForward, { journal, adviceKey: keys.get(ADVICE_KEY_FILE), host, drainReversals: () => hostSetup.sender.drain(), merchantId: config.terminal.merchantId, logger })
      : null;
    if (saf !== null) closers.push(() => Promise.resolve(saf.close()));

    const devices = await openDevices(config, { logger, deck: getDeck, displayOut: options.displayOut, clock });
    closers.push(() => devices.close());
    const reader = devices.reader;
    const display = options.display ?? devices.display;
    closers.push(() => display.close());
    await display.show(screens.idle());

    const reversals = hostSetup.reversals;
    const engine = new TransactionEngine({
      reader,
      ...(devices.pinpad ? { pinpad: devices.pinpad } : {}),
      display,
      host,
      reversals,
      stan,
      recorder: withEndHook(new JournalRecorder(journal), () => {
        devices.cardholder?.transactionEnded?.();
        saf?.forwarder.kick();
      }),
      ...(saf === null ? {} : { offline: saf.approver }),
      beforeAuthorize: async () => {
        await hostSetup.sender.drain();
      },
      clock,
      logger,
      terminal: config.terminal,
    });

    const health = (): HealthReport => {
      const readerState = reader.state();
      const pinpadState = devices.pinpad?.state();
      // A console display has no state: it cannot go away.
      const displayState = stateOf(display) ?? 'connected';
      const hostState = host.state();
      const devicesUp = readerState === 'connected' && (pinpadState ?? 'connected') === 'connected' && displayState === 'connected';
      return {
        status: devicesUp && journal.fault === null ? 'ok' : 'degraded',
        terminal: { id: config.terminal.id, currency: config.terminal.currency },
        devices: {
          reader: { name: reader.name, state: readerState, virtual: devices.virtualReader },
          pinpad: devices.pinpad ? { name: devices.pinpad.name, state: pinpadState } : null,
          display: { name: display.name, state: displayState },
        },
        host: { description: host.description, state: hostState, simulator: hostSimulator !== null },
        currentTransaction: engine.current?.id ?? null,
        pendingReversals: reversals.pending().length,
        journal: journal.fault === null ? 'ok' : journal.fault.code,
        offlineApprovals: offlineApprovalsHealth(journal),
      };
    };

    const ecr = new EcrServer({
      engine,
      health,
      logger,
      ...(devices.cardholder ? { simulator: devices.cardholder } : {}),
    });
    const address = await ecr.listen(config.ecr.host, options.ecrPort ?? config.ecr.port);
    closers.push(() => ecr.close());
    const ecrUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    logger.info({ ecr: ecrUrl, reader: reader.name, host: host.description }, 'terminal ready');

    return { ecrUrl, engine, hostSimulator, advices: saf?.forwarder ?? null, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Creates the simulation's key folder (0700) with a random journal PAN-hash key and advice key (0600 each) on first use. */
function provisionSimulationKeys(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of [PAN_HASH_KEY_FILE, ADVICE_KEY_FILE]) {
    const file = join(dir, name);
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return dir;
}

/** A recorder that also tells `onEnded` once the journal has the end. */
function withEndHook(recorder: TxnRecorder, onEnded: () => void): TxnRecorder {
  return {
    created: (r) => recorder.created(r),
    cardRead: (r, pan) => recorder.cardRead(r, pan),
    requestSent: (r, at) => recorder.requestSent(r, at),
    responseReceived: (r) => recorder.responseReceived(r),
    ended: (r) => {
      recorder.ended(r);
      onEnded();
    },
  };
}
