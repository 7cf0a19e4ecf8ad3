/**
 * Everything that only simulation needs, in one place, loaded by `import()`
 * only when the config asks for it (`load-simulation.ts`): virtual devices
 * and their wires, the virtual cardholder and its ECR routes, the
 * simulation's key files, and (`in-process-host.ts`, imported by the host
 * set-up) the bank-host simulator in this process. A terminal on real
 * devices and a real host never loads this folder, nor `hw-mocks/`.
 */
import { loadDeck, type Deck } from '../../../hw-mocks/cards/deck.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { provisionSimulationAdviceKey } from './advice-key.js';
import { VirtualBench } from './virtual-bench.js';

export type { Deck } from '../../../hw-mocks/cards/deck.js';
export type { BankHostSimulator } from '../../../hw-mocks/host/bank-host-simulator.js';
export type { SimulatorHandle, VirtualBench, VirtualDevice, VirtualPrinterTwin } from './virtual-bench.js';

export interface SimulationOptions {
  readonly logger: Logger;
  /** The card deck the twins present and the in-process host keeps as accounts; default the project's. */
  readonly deckPath?: string;
}

export class Simulation {
  readonly #options: SimulationOptions;
  #deck: Deck | undefined;

  constructor(options: SimulationOptions) {
    this.#options = options;
  }

  /** The one deck of this terminal's simulation, loaded on first use. */
  readonly deck = (): Deck => (this.#deck ??= loadDeck(this.#options.deckPath));

  /** The key files only simulation makes: with a simulated host and store-and-forward on, the simulator's advice public key. */
  provisionKeys(config: Config, keyDir: string): void {
    if (config.storeAndForward.enabled && config.host.type === 'simulator') provisionSimulationAdviceKey(keyDir);
  }

  /** The virtual devices of one terminal (close it after them). */
  bench(): VirtualBench {
    return new VirtualBench({ logger: this.#options.logger, deck: this.deck });
  }
}
