/**
 * Drives one terminal process after another through the purchases, as the
 * cash register (`register.ts`): starts a purchase under its reference,
 * presents the card, waits for the end, cancels at planned moments, and
 * pulls the plug (SIGKILL to the terminal's process group) at planned
 * moments. After every start it first looks up the purchases whose calls a
 * kill cut off.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './child.js';
import { Ecr, type TxnView } from './ecr.js';
import type { TxnKillMoment } from './plan.js';
import { Register, type CancelMoment, type RegisterPurchase } from './register.js';
import type { Rng } from './rng.js';
import { startTerminal, type TerminalLayout, type TerminalProcess } from './terminal.js';

export const CURRENCY = '978';
/** The second account: 500 minor units, so it is soon declined for funds — declines are exercised too. */
export const CARDS = { main: 'visa-ok', second: 'mc-low-funds' } as const;

export interface Outcomes {
  approved: number;
  declined: number;
  failed: number;
  cancelled: number;
  /** Transactions cut short by a planned kill. */
  interrupted: number;
  /** ECR calls that failed on a live terminal (each is also a problem). */
  errors: number;
}

export interface DriverOptions {
  readonly cli: string;
  readonly layout: TerminalLayout;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ecrTranscript: string;
  readonly snapshotDir: string | null;
  readonly rng: Rng;
  readonly register: Register;
  readonly progress: (line: string) => void;
}

export class Driver {
  readonly problems: string[] = [];
  readonly outcomes: Outcomes = { approved: 0, declined: 0, failed: 0, cancelled: 0, interrupted: 0, errors: 0 };
  readonly register: Register;
  kills = 0;
  lives = 0;
  readonly #o: DriverOptions;
  #terminal: TerminalProcess | null = null;

  constructor(options: DriverOptions) {
    this.#o = options;
    this.register = options.register;
  }

  /** A new life of the terminal on the same state; the register then looks up what it lost (a kill may cut that short too). */
  async start(): Promise<TerminalProcess> {
    this.lives += 1;
    const terminal = await startTerminal({ cli: this.#o.cli, layout: this.#o.layout, logDir: this.#o.logDir, life: this.lives, env: this.#o.env });
    this.#terminal = terminal;
    return terminal;
  }

  /** The running terminal, started if none runs, with the register's look-ups done. */
  async terminal(): Promise<TerminalProcess> {
    const terminal = this.#terminal ?? (await this.start());
    await this.register.resolve(this.ecrOf(terminal));
    return terminal;
  }

  ecrOf(terminal: TerminalProcess): Ecr {
    return new Ecr(terminal.ecrUrl, this.#o.layout.ecrToken, this.#o.ecrTranscript);
  }

  async stopGracefully(): Promise<void> {
    const terminal = this.#terminal;
    this.#terminal = null;
    if (terminal === null) return;
    const code = await terminal.child.stop(10_000);
    if (code !== 0) this.problems.push(`${terminal.child.name} exited ${code ?? 'by signal'} on SIGTERM`);
  }

  async transaction(index: number, kill: TxnKillMoment | undefined, killNextStart: boolean, cancel: CancelMoment | undefined): Promise<void> {
    const { rng } = this.#o;
    const terminal = this.#terminal ?? (await this.start());
    const second = rng.next() < 0.2;
    const card = second ? CARDS.second : CARDS.main;
    const amount = second ? rng.int(5, 60) : rng.int(100, 400);
    const killDelay = rng.int(0, 30);
    const cancelDelay = rng.int(0, 40);
    const purchase = this.register.newPurchase(amount, 'main');
    try {
      const ecr = this.ecrOf(terminal);
      await this.register.resolve(ecr);
      const started = await this.#start(ecr, purchase, index);
      if (started === null) return;
      if (kill === 'before-card') return await this.#kill(index, kill, killDelay, killNextStart);
      if (cancel === 'after-start') return await this.#cancel(ecr, purchase, cancel, started.state);
      await ecr.present(card);
      if (kill === 'card-read') return await this.#kill(index, kill, killDelay, killNextStart);
      if (cancel === 'after-card') {
        await sleep(cancelDelay);
        return await this.#cancel(ecr, purchase, cancel, null);
      }
      if (cancel === 'sending') return await this.#cancel(ecr, purchase, cancel, await waitForState(ecr, started.id, 'sending'));
      if (kill === 'in-flight') {
        await waitForState(ecr, started.id, 'authorizing');
        return await this.#kill(index, kill, killDelay, killNextStart);
      }
      const ended = await this.register.waitForEnd(ecr, purchase);
      this.#count(ended.status);
      if (kill === 'after-end') return await this.#kill(index, kill, 0, killNextStart);
    } catch (err) {
      this.outcomes.errors += 1;
      const exited = terminal.child.hasExited();
      this.problems.push(`transaction ${index} (${purchase.reference}): ${err instanceof Error ? err.message : String(err)}${exited ? ' (the terminal exited on its own)' : ''}`);
      // Whatever state it is in, do not drive a confused terminal further: restart it.
      if (kill !== undefined) await this.#kill(index, kill, 0, killNextStart);
      else await this.pullPlug(false);
    }
  }

  /**
   * One purchase from start to end with no kill (the phases): the register's
   * final answer, or the refusal (503/409) as `not-started`.
   */
  async purchase(phase: string, card: string, amount: number, during?: (ecr: Ecr, started: TxnView) => Promise<void>): Promise<RegisterPurchase> {
    const terminal = await this.terminal();
    const ecr = this.ecrOf(terminal);
    const purchase = this.register.newPurchase(amount, phase);
    const answer = await this.register.start(ecr, purchase, CURRENCY);
    if (answer.kind === 'refused') return purchase;
    await ecr.present(card);
    if (during !== undefined) await during(ecr, answer.view);
    const ended = await this.register.waitForEnd(ecr, purchase);
    this.#count(ended.status);
    return purchase;
  }

  /** Starts the purchase; null when the terminal refused it (counted as a problem: nothing should refuse in the main run). */
  async #start(ecr: Ecr, purchase: RegisterPurchase, index: number): Promise<TxnView | null> {
    const answer = await this.register.start(ecr, purchase, CURRENCY);
    if (answer.kind === 'refused') {
      this.problems.push(`transaction ${index} (${purchase.reference}): refused ${answer.status} ${answer.code ?? ''}`);
      return null;
    }
    if (answer.replayed) this.problems.push(`transaction ${index}: a new reference ${purchase.reference} was answered 200 (as a known one)`);
    return answer.view;
  }

  async #cancel(ecr: Ecr, purchase: RegisterPurchase, moment: CancelMoment, seenState: string | null): Promise<void> {
    await this.register.cancel(ecr, purchase, moment, seenState);
    this.#count(purchase.told?.status ?? null);
  }

  #count(status: string | null): void {
    if (status === 'approved' || status === 'declined' || status === 'failed' || status === 'cancelled') this.outcomes[status] += 1;
    else this.problems.push(`a transaction ended with status ${status ?? 'null'}`);
  }

  async #kill(index: number, moment: TxnKillMoment, delayMs: number, killNextStart: boolean): Promise<void> {
    if (delayMs > 0) await sleep(delayMs);
    if (moment !== 'after-end') this.outcomes.interrupted += 1;
    this.#o.progress(`kill #${this.kills + 1} at transaction ${index} (${moment}, +${delayMs} ms)`);
    await this.pullPlug(true);
    if (killNextStart) {
      const terminal = await this.start();
      const delay = this.#o.rng.int(0, 60);
      await sleep(delay);
      this.#o.progress(`kill #${this.kills + 1} ${delay} ms after restart ${terminal.child.name}`);
      await this.pullPlug(true);
    }
  }

  /** SIGKILL to the terminal and everything it started: a power cut. */
  async pullPlug(planned: boolean): Promise<void> {
    const terminal = this.#terminal;
    this.#terminal = null;
    if (terminal === null) return;
    await terminal.child.kill9();
    if (!planned) return;
    this.kills += 1;
    this.#snapshot();
  }

  /** The journal and its WAL as the power cut left them, before the next start recovers and checkpoints them. */
  #snapshot(): void {
    const dir = this.#o.snapshotDir;
    if (dir === null) return;
    const tag = `kill-${String(this.kills).padStart(3, '0')}`;
    for (const suffix of ['', '-wal']) {
      const file = join(this.#o.layout.stateDir, `journal.db${suffix}`);
      if (existsSync(file)) copyFileSync(file, join(dir, `${tag}.db${suffix}`));
    }
  }
}

/**
 * Polls until the transaction reaches `state` (for `authorizing`: the journal
 * has recorded "request sent"), gets past it, or ends. Returns the state seen
 * last: the caller acts on what the register really saw.
 */
export async function waitForState(ecr: Ecr, id: string, state: 'sending' | 'authorizing', limitMs = 5_000): Promise<string> {
  const order = ['waiting-for-card', 'card-read', 'waiting-for-pin', 'sending', 'authorizing', 'completing'];
  const deadline = Date.now() + limitMs;
  let seen = '';
  while (Date.now() < deadline) {
    const view = await ecr.get(id);
    seen = view.state;
    if (view.status !== null || order.indexOf(seen) >= order.indexOf(state) || !order.includes(seen)) return seen;
    await sleep(2);
  }
  return seen;
}

/** Polls `/v1/health` until `done` holds; false when the time ran out. */
export async function waitForHealth(ecr: Ecr, done: (health: Awaited<ReturnType<Ecr['health']>>) => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (done(await ecr.health())) return true;
    await sleep(50);
  }
  return false;
}
