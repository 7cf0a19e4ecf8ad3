/**
 * The bank host of the crash test as a series of `pos host-sim` lives on one
 * ISO 8583 port (the terminal's config names it): started, restarted with
 * other fault rules, or killed mid-authorization and started again. Before a
 * life ends its ledger is read, and `book()` is the host's book over every
 * life (`host-book.ts`).
 */
import { combineLives } from './host-book.js';
import { startHostSim, type HostSimProcess, type LedgerEntry } from './host-sim.js';

export interface HostBankOptions {
  readonly cli: string;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
}

export class HostBank {
  readonly #o: HostBankOptions;
  /** Ledgers of the lives that ended, oldest first. */
  readonly #ended: LedgerEntry[][] = [];
  #current: HostSimProcess | null = null;
  #lives = 0;
  #port = 0;

  constructor(options: HostBankOptions) {
    this.#o = options;
  }

  /** The simulator now running (throws while none is). */
  get current(): HostSimProcess {
    if (this.#current === null) throw new Error('no host simulator running');
    return this.#current;
  }

  get isoPort(): number {
    return this.#port;
  }

  /** Simulator lives so far. */
  get lives(): number {
    return this.#lives;
  }

  /** Starts a life with these fault rules: on a free port the first time, on the same port after. */
  async start(faults: readonly string[]): Promise<HostSimProcess> {
    if (this.#current !== null) throw new Error('a host simulator is already running');
    this.#lives += 1;
    const sim = await startHostSim({ ...this.#o, faults, life: this.#lives, ...(this.#port === 0 ? {} : { port: this.#port }) });
    this.#port = sim.isoPort;
    this.#current = sim;
    return sim;
  }

  /** Ends the life in order (SIGTERM) after reading its ledger; the terminal should be idle. */
  async stop(): Promise<void> {
    const sim = this.#current;
    if (sim === null) return;
    this.#ended.push(await sim.ledger(true));
    this.#current = null;
    await sim.child.stop(5_000);
  }

  /** The host crashes: its ledger is read (what a durable book would keep), then SIGKILL. */
  async crash(): Promise<void> {
    const sim = this.#current;
    if (sim === null) return;
    this.#ended.push(await sim.ledger(true));
    this.#current = null;
    await sim.child.kill9();
  }

  /** The host's book: every life's requests, later reversals applied to earlier originals. */
  async book(): Promise<LedgerEntry[]> {
    const lives = [...this.#ended];
    if (this.#current !== null) lives.push(await this.#current.ledger(true));
    return combineLives(lives);
  }
}
