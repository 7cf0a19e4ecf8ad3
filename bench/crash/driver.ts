/**
 * Drives one terminal process after another through the plan, as the cash
 * register (`register.ts`): starts a purchase, refund or pre-authorization
 * under its reference, presents the card, waits for the end, cancels at
 * planned moments; voids, releases, completes, raises (increments) and
 * adjusts tips of earlier ones (`acts.ts`); and pulls the plug (SIGKILL to the terminal's process
 * group) at planned moments. After every start it first looks up the
 * transactions and follow-ups whose calls a kill cut off.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './child.js';
import { Ecr, type TxnView } from './ecr.js';
import { chooseAct, type Act, type FollowUpAct } from './acts.js';
import { OPERATIONS, type Operation, type TxnKillMoment } from './plan.js';
import { Register, type CancelMoment, type RegisterPurchase } from './register.js';
import type { Rng } from './rng.js';
import { startTerminal, type TerminalLayout, type TerminalProcess } from './terminal.js';

export const CURRENCY = '978';
export { CARDS } from './acts.js';

/** How each thing the register did ended; a void or release told `voided` counts as approved, a follow-up that did not take as declined. */
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
  /** What the register did, by kind, and how many of each a kill hit. */
  readonly types: Record<Operation, { ran: number; killed: number }> = emptyTypes();
  /** Completions, releases and increments of a pre-authorization after a completion of it that did not take. */
  retries = 0;
  kills = 0;
  lives = 0;
  readonly #o: DriverOptions;
  #terminal: TerminalProcess | null = null;
  /** Reference → the card it was made with: a refund goes to the card of its purchase. */
  readonly #cards = new Map<string, string>();

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

  async transaction(index: number, kill: TxnKillMoment | undefined, killNextStart: boolean, cancel: CancelMoment | undefined, op: Operation = 'purchase'): Promise<void> {
    const { rng } = this.#o;
    const terminal = this.#terminal ?? (await this.start());
    const second = rng.next() < 0.2;
    const killDelay = rng.int(0, 30);
    const cancelDelay = rng.int(0, 40);
    let purchase: RegisterPurchase | null = null;
    let name = `transaction ${index}`;
    try {
      const ecr = this.ecrOf(terminal);
      await this.register.resolve(ecr);
      const act = chooseAct(op, this.register, rng, second, (reference) => this.#cards.get(reference));
      this.#tally(act, kill);
      if (act.kind === 'follow-up') {
        name += ` (${act.op} of ${act.target.reference})`;
        return await this.#followUp(index, ecr, act, kill, killDelay, killNextStart);
      }
      purchase = this.register.newPurchase(act.amount, 'main', act.type, act.originalId);
      name += ` (${purchase.reference})`;
      this.#cards.set(purchase.reference, act.card);
      const started = await this.#start(ecr, purchase, index);
      if (started === null) return;
      if (kill === 'before-card') return await this.#kill(index, kill, killDelay, killNextStart);
      if (cancel === 'after-start') return await this.#cancel(ecr, purchase, cancel, started.state);
      await ecr.present(act.card);
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
      this.problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}${exited ? ' (the terminal exited on its own)' : ''}`);
      // Whatever state it is in, do not drive a confused terminal further: restart it.
      if (kill !== undefined) await this.#kill(index, kill, 0, killNextStart);
      else await this.pullPlug(false);
    }
  }

  /**
   * A void, release, completion, increment or tip adjustment. With a kill:
   * after its answer (`after-end`), or 0–30 ms after the call went, whatever
   * the terminal is doing then (the void's reversal draining, the
   * completion's or increment's request in flight: the host holds each
   * answer 60 ms).
   */
  async #followUp(index: number, ecr: Ecr, act: FollowUpAct, kill: TxnKillMoment | undefined, killDelay: number, killNextStart: boolean): Promise<void> {
    const desk = this.register.desk;
    // The terminal counts a failed completion against its hold until the host has its reversal.
    if (act.retry && !(await waitForHealth(ecr, (h) => h.pendingReversals === 0, 10_000))) this.problems.push(`transaction ${index}: a reversal still owed before ${act.op} of ${act.target.reference}`);
    if (kill === undefined || kill === 'after-end') {
      const done = await desk.send(ecr, act.target, act.op, act.amount);
      this.#countFollowUp(done.told?.status ?? null, done.httpStatus);
      if (kill === 'after-end') await this.#kill(index, kill, 0, killNextStart);
      return;
    }
    // The call is cut off by the kill (or answered just before it): the register looks it up after the restart.
    const call = desk.send(ecr, act.target, act.op, act.amount).catch(() => undefined);
    await this.#kill(index, kill, killDelay, killNextStart);
    await call;
  }

  #countFollowUp(status: string | null, httpStatus: number | null): void {
    if (status === 'refused') this.problems.push(`a follow-up was refused (HTTP ${httpStatus ?? '-'})`);
    else if (status === 'voided' || status === 'approved') this.outcomes.approved += 1;
    else if (status === 'declined' || status === 'not-done') this.outcomes.declined += 1;
    else if (status === 'failed') this.outcomes.failed += 1;
    else this.problems.push(`a follow-up ended with status ${status ?? 'null'}`);
  }

  #tally(act: Act, kill: TxnKillMoment | undefined): void {
    const key: Operation = act.kind === 'follow-up' ? act.op : act.type === 'purchase' ? 'purchase' : act.type;
    const t = this.types[key];
    t.ran += 1;
    if (kill !== undefined) t.killed += 1;
    if (act.kind === 'follow-up' && act.retry) this.retries += 1;
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

function emptyTypes(): Record<Operation, { ran: number; killed: number }> {
  return Object.fromEntries(OPERATIONS.map((op) => [op, { ran: 0, killed: 0 }])) as Record<Operation, { ran: number; killed: number }>;
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
