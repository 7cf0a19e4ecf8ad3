/**
 * The host side of the terminal, from config: the channel (persistent TCP or
 * mutual TLS), the ISO 8583 client with the terminal MAC key, the reversal
 * sender draining the reversal store (woken by the ledger's `reversal-owed`,
 * `src/app/terminal.ts`), and sign-on plus idle echo. In
 * simulation the bank-host simulator runs in this process on loopback and
 * insists on MACs, as a real acquirer would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { iso8583ChannelFromConfig } from '../host/channels/from-config.js';
import { assertHostTransportAllowed } from '../host/channels/production-guard.js';
import type { PersistentHostChannel } from '../host/channels/persistent-host-channel.js';
import { Iso8583HostClient } from '../host/iso8583/client.js';
import { NetworkManager } from '../host/iso8583/network-management.js';
import { jsonGatewayFromConfig } from '../host/json-gateway/from-config.js';
import type { HostClient } from '../host/model.js';
import { TerminalMacKey } from '../host/keys.js';
import { NETWORK_CODES } from '../host/messages/constants.js';
import { ReversalSender } from '../host/reversal-sender.js';
import type { ReversalStore } from '../host/reversal-store.js';
import { dialectByName } from '../iso8583/dialects/index.js';
import type { Iso8583Message } from '../iso8583/message.js';
import { PosError } from '../util/errors.js';
import { KBPK_KEY_FILE, checkKeyFile, loadKeyFile, TAK_KEY_BLOCK_FILE } from './key-files.js';
import type { BankHostSimulator, Deck } from './simulation/index.js';

/** In the key folder: the key-block protection key (hex) and the terminal MAC key as a TR-31 block. */
export { KBPK_KEY_FILE, TAK_KEY_BLOCK_FILE } from './key-files.js';

export interface HostSetup {
  readonly client: HostClient;
  /** The same client with its ISO 8583 extras (reconciliation, key change), when the host speaks ISO 8583. */
  readonly iso8583: Iso8583HostClient | null;
  readonly sender: ReversalSender;
  /** Sign-on and echo; ISO 8583 hosts only. */
  readonly network: NetworkManager | null;
  readonly simulator: BankHostSimulator | null;
  close(): Promise<void>;
}

export interface HostSetupOptions {
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly nextStan: () => string;
  /** The reversal duties the sender drains, oldest first. */
  readonly store: ReversalStore;
  /** The in-process simulator's accounts (`host.type: simulator`); default the project's deck. */
  readonly deck?: () => Deck;
}

export async function startHost(config: Config, options: HostSetupOptions): Promise<HostSetup> {
  const { logger, clock } = options;
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    if (config.host.type === 'https-json') {
      assertHostTransportAllowed(config.host);
      const client = await jsonGatewayFromConfig(config.host, { merchantId: config.terminal.merchantId, logger });
      closers.push(() => client.close());
      const sender = new ReversalSender({ store: options.store, logger, send: client.reversalAttempt() });
      closers.push(() => sender.stop());
      sender.start();
      return { client, iso8583: null, sender, network: null, simulator: null, close };
    }
    let simulator: BankHostSimulator | null = null;
    let channel: PersistentHostChannel<Iso8583Message>;
    let macKey: TerminalMacKey;
    const dialect = dialectByName(config.host.type === 'iso8583-tcp' ? config.host.dialect : 'iso87ascii');

    if (config.host.type === 'simulator') {
      // Simulation only: loaded when the config asks for the simulator.
      const { startInProcessHost } = await import('./simulation/in-process-host.js');
      const inProcess = await startInProcessHost({ clock, logger, ...(options.deck === undefined ? {} : { deck: options.deck() }) });
      closers.push(() => inProcess.stop());
      simulator = inProcess.simulator;
      channel = iso8583ChannelFromConfig({ address: '127.0.0.1', port: inProcess.port, lengthHeader: 'binary2' }, { dialect, logger });
      macKey = inProcess.terminalMacKey;
    } else if (config.host.type === 'iso8583-tcp') {
      assertHostTransportAllowed(config.host);
      channel = iso8583ChannelFromConfig(config.host, { dialect, logger });
      macKey = loadTerminalMacKey(config.keys.dir);
    } else {
      throw new PosError('CONFIG_INVALID', 'unknown host.type', { fields: ['host.type'] });
    }
    const mac = macKey;
    closers.push(() => mac.wipe());
    closers.push(() => channel.close());

    const timeoutMs = config.host.timeoutMs;
    const completionMessage = config.host.type === 'iso8583-tcp' ? config.host.completionMessage : 'advice';
    const client = new Iso8583HostClient({ channel, timeoutMs, dialect, logger, macKey, completionMessage });
    const { id: terminalId, merchantId } = config.terminal;

    const sender = new ReversalSender({ store: options.store, logger, send: client.reversalAttempt({ merchantId, clock }) });
    closers.push(() => sender.stop());

    const network = new NetworkManager({
      nextStan: options.nextStan,
      echoIntervalMs: config.host.type === 'iso8583-tcp' ? config.host.echoIntervalMs : 0,
      lastTrafficAt: () => channel.lastTrafficAt,
      logger,
      exchange: client.networkExchange({ terminalId, clock }),
    });
    closers.push(() => network.stop());

    // A host that is down at start must not keep the terminal from starting: sign-on is retried by the echo loop's traffic.
    try {
      await network.signOn();
    } catch (err) {
      logger.warn({ err, code: NETWORK_CODES.signOn }, 'sign-on failed; the terminal starts and retries on the next request');
    }
    network.start();
    sender.start();

    return { client, iso8583: client, sender, network, simulator, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The terminal MAC key for a real host: a TR-31 block in the key folder under
 * the key-block protection key beside it (both checked for mode and owner).
 * A block that gives no usable key is a set-up problem (`KEY_BLOCK_INVALID`,
 * a configuration error, details naming the TR-31 code), not bad input.
 * Required: an answer that carries no verified MAC must never approve, so a
 * terminal without its TAK does not start (`KEY_FILE_MISSING`, exit 2).
 */
export function loadTerminalMacKey(dir: string): TerminalMacKey {
  const blockPath = join(dir, TAK_KEY_BLOCK_FILE);
  if (!existsSync(blockPath)) {
    throw new PosError('KEY_FILE_MISSING', `An ISO 8583 host needs the terminal MAC key: ${blockPath} does not exist`, { path: blockPath });
  }
  checkKeyFile(blockPath);
  const kbpk = loadKeyFile(join(dir, KBPK_KEY_FILE));
  try {
    return TerminalMacKey.fromKeyBlock(kbpk.reveal(), readFileSync(blockPath, 'latin1').trim());
  } catch (err) {
    if (err instanceof PosError && err.kind === 'config') throw err;
    // A foreign error's message is not copied (it may quote what it was given).
    const why = err instanceof PosError ? { message: `: ${err.message}`, reason: err.code } : { message: '', reason: err instanceof Error ? err.name : typeof err };
    throw new PosError('KEY_BLOCK_INVALID', `Key block ${blockPath} gives no terminal MAC key under ${KBPK_KEY_FILE}${why.message}`, { path: blockPath, reason: why.reason }, { cause: err });
  } finally {
    kbpk.wipe();
  }
}
