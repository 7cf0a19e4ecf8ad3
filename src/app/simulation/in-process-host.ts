/**
 * `host: { type: "simulator" }`: the bank-host simulator in this process, on
 * loopback, insisting on MACs as a real acquirer does; the terminal gets the
 * TAK it MACs under from the simulation keys, as a real terminal gets its
 * own from the acquirer.
 */
import type { Deck } from '../../../hw-mocks/cards/deck.js';
import { BankHostSimulator } from '../../../hw-mocks/host/bank-host-simulator.js';
import { loadSimulationKeys } from '../../../hw-mocks/keys/simulation-keys.js';
import { TerminalMacKey } from '../../host/keys.js';
import type { Logger } from '../../log/logger.js';

export interface InProcessHostOptions {
  /** The accounts it keeps; default the project's deck. */
  readonly deck?: Deck;
  readonly clock?: () => Date;
  readonly logger?: Logger;
}

export interface InProcessHost {
  readonly simulator: BankHostSimulator;
  /** Its ISO 8583 port on 127.0.0.1 (binary length header, iso87ascii). */
  readonly port: number;
  /** The terminal's MAC key for this host; the caller wipes it. */
  readonly terminalMacKey: TerminalMacKey;
  stop(): Promise<void>;
}

export async function startInProcessHost(options: InProcessHostOptions = {}): Promise<InProcessHost> {
  const keys = loadSimulationKeys();
  const simulator = new BankHostSimulator({
    keys,
    requireMac: true,
    host: '127.0.0.1',
    port: 0,
    ...(options.deck === undefined ? {} : { deck: options.deck }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger.child({ component: 'host-sim' }) }),
  });
  await simulator.start();
  return {
    simulator,
    port: simulator.port,
    terminalMacKey: TerminalMacKey.fromKeyBlock(keys.tdesKbpk, keys.file.terminal.tak.keyBlock),
    stop: () => simulator.stop(),
  };
}
