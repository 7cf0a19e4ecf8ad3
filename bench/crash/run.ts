/**
 * The crash test itself: the bank-host simulator and the terminal as separate
 * processes on loopback, purchases driven through the ECR API as a cash
 * register would, and the terminal killed with SIGKILL at planned moments
 * (`plan.ts`) and restarted on the same state folder. At the end one clean
 * restart drains the reversal duties, then the host's ledger is compared with
 * the journal (`reconcile.ts`).
 *
 * Everything lives in one temporary folder, removed at the end (also on
 * failure) unless the caller keeps it: the hygiene test scans its logs, ECR
 * transcript and journal snapshots.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, sleep } from './child.js';
import { Ecr, EcrError } from './ecr.js';
import { startHostSim, type HostSimProcess } from './host-sim.js';
import { readJournal } from './journal-check.js';
import { planKills, type TxnKillMoment } from './plan.js';
import { reconcile, type Verdict } from './reconcile.js';
import { seededRng, type Rng } from './rng.js';
import { prepareTerminal, startTerminal, type TerminalLayout, type TerminalProcess } from './terminal.js';

export const TERMINAL_ID = 'T0000001';
const CURRENCY = '978';
/** The second account: 500 minor units, so it is soon declined for funds — declines are exercised too. */
const CARDS = { main: 'visa-ok', second: 'mc-low-funds' } as const;
/**
 * Host behaviour: the first financial request goes unanswered and the second
 * is answered after the terminal gave up (both become reversals in a live
 * terminal); every other one is answered after 60 ms, which holds the
 * in-flight window open for a kill.
 */
export const DEFAULT_FAULTS: readonly string[] = ['no-answer,times=1', 'late-answer:2400,times=1', 'delay:60'];

export interface CrashTestOptions {
  readonly transactions: number;
  readonly kills: number;
  readonly seed: number;
  /** `pos` as built (dist/src/cli/main.js). */
  readonly cli?: string;
  /** The children's POS_LOG_LEVEL; default info. */
  readonly logLevel?: string;
  /** Keep the run's folder (the caller removes it); also keeps journal snapshots taken at each kill. */
  readonly keep?: boolean;
  /** Stop starting transactions after this long and go to the final check. */
  readonly maxSeconds?: number;
  /** How long the final restart may take to drain the reversals. */
  readonly drainSeconds?: number;
  readonly faults?: readonly string[];
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

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

export interface CrashTestResult {
  /** Transactions started. */
  readonly transactions: number;
  /** SIGKILLs delivered. */
  readonly kills: number;
  readonly lives: number;
  readonly outcomes: Outcomes;
  readonly verdict: Verdict;
  /** The verdict's problems and anything that went wrong while driving. */
  readonly problems: readonly string[];
  readonly ok: boolean;
  readonly durationMs: number;
  /** The run's folder when kept (else already removed). */
  readonly root: string;
  readonly layout: TerminalLayout;
  readonly logDir: string;
  /** Every ECR response body, in order. */
  readonly ecrTranscript: string;
  /** Copies of journal.db and journal.db-wal taken right after each kill (kept runs only). */
  readonly snapshotDir: string;
}

export function defaultCli(): string {
  const beside = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
  // Compiled, this file sits in dist/bench/crash beside dist/src; run from source (vitest) there is no main.js beside it.
  return existsSync(beside) ? beside : join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
}

export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestResult> {
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), 'pos-crash-'));
  const logDir = join(root, 'logs');
  const snapshotDir = join(root, 'journal-snapshots');
  const childTmp = join(root, 'tmp');
  for (const dir of [logDir, snapshotDir, childTmp]) mkdirSync(dir, { recursive: true });
  const ecrTranscript = join(logDir, 'ecr-responses.log');
  const cli = options.cli ?? defaultCli();
  const progress = options.progress ?? (() => undefined);
  const env = childEnv(options.logLevel ?? 'info', childTmp);
  let sim: HostSimProcess | undefined;
  try {
    sim = await startHostSim({ cli, logDir, env, faults: options.faults ?? DEFAULT_FAULTS });
    const layout = prepareTerminal(root, sim.isoPort);
    const driver = new Driver({ cli, layout, logDir, env, ecrTranscript, snapshotDir: options.keep === true ? snapshotDir : null, rng: seededRng(options.seed), progress });
    const plan = planKills(options.transactions, options.kills, seededRng(options.seed ^ 0x5eed));
    const deadline = started + (options.maxSeconds ?? 900) * 1000;

    let done = 0;
    for (let i = 0; i < options.transactions; i++) {
      if (Date.now() > deadline) {
        driver.problems.push(`time limit reached after ${done} of ${options.transactions} transactions`);
        break;
      }
      await driver.transaction(i, plan.atTransaction.get(i), plan.startupAfter.has(i));
      done += 1;
      if ((i + 1) % 25 === 0) progress(`${i + 1}/${options.transactions} transactions, ${driver.kills} kills`);
    }

    // The final restart: a clean start on the same state, which recovers and drains every reversal.
    await driver.stopGracefully();
    const last = await driver.start();
    const drained = await waitForDrain(new Ecr(last.ecrUrl, layout.ecrToken, ecrTranscript), (options.drainSeconds ?? 60) * 1000);
    if (!drained) driver.problems.push('reversals still pending when the drain time ran out');
    await driver.stopGracefully();

    const ledger = await sim.ledger();
    const verdict = reconcile(ledger, readJournal(layout.stateDir), TERMINAL_ID);
    const problems = [...driver.problems, ...verdict.problems];
    const ok = verdict.doubleCharged === 0 && verdict.lost === 0 && verdict.corruptRows === 0 && problems.length === 0;
    return { transactions: done, kills: driver.kills, lives: driver.lives, outcomes: driver.outcomes, verdict, problems, ok, durationMs: Date.now() - started, root, layout, logDir, ecrTranscript, snapshotDir };
  } finally {
    await sim?.child.stop(5_000);
    await killAllChildren();
    if (options.keep !== true) rmSync(root, { recursive: true, force: true });
  }
}

/** The children's environment: ours, minus anything that would point them at another config or state. */
function childEnv(logLevel: string, tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POS_LOG_LEVEL: logLevel, POS_LOG_PRETTY: '0', TMPDIR: tmp };
  delete env['POS_CONFIG'];
  delete env['POS_STATE_DIR'];
  return env;
}

async function waitForDrain(ecr: Ecr, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const health = await ecr.health();
    if (health.pendingReversals === 0) return true;
    await sleep(100);
  }
  return false;
}

interface DriverOptions {
  readonly cli: string;
  readonly layout: TerminalLayout;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ecrTranscript: string;
  readonly snapshotDir: string | null;
  readonly rng: Rng;
  readonly progress: (line: string) => void;
}

/** Drives one terminal process after another through the transactions. */
class Driver {
  readonly problems: string[] = [];
  readonly outcomes: Outcomes = { approved: 0, declined: 0, failed: 0, cancelled: 0, interrupted: 0, errors: 0 };
  kills = 0;
  lives = 0;
  readonly #o: DriverOptions;
  #terminal: TerminalProcess | null = null;

  constructor(options: DriverOptions) {
    this.#o = options;
  }

  async start(): Promise<TerminalProcess> {
    this.lives += 1;
    this.#terminal = await startTerminal({ cli: this.#o.cli, layout: this.#o.layout, logDir: this.#o.logDir, life: this.lives, env: this.#o.env });
    return this.#terminal;
  }

  async stopGracefully(): Promise<void> {
    const terminal = this.#terminal;
    this.#terminal = null;
    if (terminal === null) return;
    const code = await terminal.child.stop(10_000);
    if (code !== 0) this.problems.push(`${terminal.child.name} exited ${code ?? 'by signal'} on SIGTERM`);
  }

  async transaction(index: number, kill: TxnKillMoment | undefined, killNextStart: boolean): Promise<void> {
    const { rng } = this.#o;
    const terminal = this.#terminal ?? (await this.start());
    const ecr = new Ecr(terminal.ecrUrl, this.#o.layout.ecrToken, this.#o.ecrTranscript);
    const second = rng.next() < 0.2;
    const card = second ? CARDS.second : CARDS.main;
    const amount = second ? rng.int(5, 60) : rng.int(100, 400);
    const killDelay = rng.int(0, 30);
    try {
      const txn = await ecr.purchase(amount, CURRENCY);
      if (kill === 'before-card') return await this.#kill(index, kill, killDelay, killNextStart);
      await ecr.present(card);
      if (kill === 'card-read') return await this.#kill(index, kill, killDelay, killNextStart);
      if (kill === 'in-flight') {
        await waitUntilSent(ecr, txn.id);
        return await this.#kill(index, kill, killDelay, killNextStart);
      }
      const ended = await ecr.wait(txn.id, 30_000);
      this.#count(ended.status);
      if (kill === 'after-end') return await this.#kill(index, kill, 0, killNextStart);
    } catch (err) {
      this.outcomes.errors += 1;
      const exited = terminal.child.hasExited();
      this.problems.push(`transaction ${index}: ${err instanceof EcrError || err instanceof Error ? err.message : String(err)}${exited ? ' (the terminal exited on its own)' : ''}`);
      // Whatever state it is in, do not drive a confused terminal further: restart it.
      if (kill !== undefined) await this.#kill(index, kill, 0, killNextStart);
      else await this.#pullPlug(false);
    }
  }

  #count(status: string | null): void {
    if (status === 'approved' || status === 'declined' || status === 'failed' || status === 'cancelled') this.outcomes[status] += 1;
    else this.problems.push(`a transaction ended with status ${status ?? 'null'}`);
  }

  async #kill(index: number, moment: TxnKillMoment, delayMs: number, killNextStart: boolean): Promise<void> {
    if (delayMs > 0) await sleep(delayMs);
    if (moment !== 'after-end') this.outcomes.interrupted += 1;
    this.#o.progress(`kill #${this.kills + 1} at transaction ${index} (${moment}, +${delayMs} ms)`);
    await this.#pullPlug(true);
    if (killNextStart) {
      const terminal = await this.start();
      const delay = this.#o.rng.int(0, 60);
      await sleep(delay);
      this.#o.progress(`kill #${this.kills + 1} ${delay} ms after restart ${terminal.child.name}`);
      await this.#pullPlug(true);
    }
  }

  /** SIGKILL to the terminal and everything it started: a power cut. */
  async #pullPlug(planned: boolean): Promise<void> {
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

/** Polls until the journal has recorded "request sent" (the API shows `authorizing`), or the transaction ended. */
async function waitUntilSent(ecr: Ecr, id: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const view = await ecr.get(id);
    if (view.state === 'authorizing' || view.status !== null) return;
    await sleep(2);
  }
}
