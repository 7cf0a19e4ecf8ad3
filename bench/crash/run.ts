/**
 * The crash test itself: the bank-host simulator and the terminal as separate
 * processes on loopback, purchases, refunds and pre-authorizations driven
 * through the ECR API as a cash register would (`register.ts`: a reference
 * per transaction, look-ups after a call was cut off), with voids, releases,
 * completions, incremental authorizations and tip adjustments of earlier
 * ones mixed in (`plan.ts`,
 * `acts.ts`), the terminal killed with SIGKILL at planned moments
 * (`plan.ts`) and restarted on the same state folder, and cancels pressed at
 * planned moments — one while a reversal drains. Then two planned faults
 * (`phases.ts`): the state folder's disk fills during an authorization, and
 * the host is killed during one. At the end one clean restart drains the
 * reversal duties and the register asks about every purchase once more; then
 * the host's book is compared with the journal (`reconcile.ts`, and kind by
 * kind `money-check.ts`) and with what the register was told
 * (`register-check.ts`).
 *
 * Everything lives in one temporary folder, removed at the end (also on
 * failure) unless the caller keeps it: the hygiene test scans its logs, ECR
 * transcript and journal snapshots. The terminal's state folder is a small
 * tmpfs when one can be mounted (root), for the disk-full phase.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren } from './child.js';
import { Driver, waitForHealth, type Outcomes } from './driver.js';
import { HostBank } from './host-bank.js';
import { readJournal } from './journal-check.js';
import { diskFullPhase, hostCrashPhase, PHASE_FAULTS, settle, skippedDiskFull, type DiskFullReport, type HostCrashReport } from './phases.js';
import { judgeMoney, MONEY_FAULTS, type MoneyVerdict } from './money-check.js';
import { planCancels, planKills, planOperations, type Operation } from './plan.js';
import { reconcile, type Verdict } from './reconcile.js';
import { judgeRegister, type RegisterVerdict } from './register-check.js';
import { Register } from './register.js';
import { seededRng } from './rng.js';
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from './small-disk.js';
import { prepareTerminal, type TerminalLayout } from './terminal.js';

export type { Outcomes } from './driver.js';

export const TERMINAL_ID = 'T0000001';
/**
 * Host behaviour: the first financial request goes unanswered and the second
 * is answered after the terminal gave up (both become reversals in a live
 * terminal), and the host holds the answers to those two reversals 1.2 s (the
 * next purchase waits in `sending` meanwhile, where the register cancels it);
 * every other financial request is answered after 60 ms, which holds the
 * in-flight window open for a kill.
 */
export const DEFAULT_FAULTS: readonly string[] = ['no-answer,times=1', 'late-answer:2400,times=1', 'delay:1200,mti=0400,times=2', 'delay:60'];
/** The state folder's tmpfs: room for the journal and its WAL of a long run, small enough to fill at once. */
export const SMALL_DISK_MB = 32;

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
  /** Stop starting transactions after this long and go to the phases and the final check. */
  readonly maxSeconds?: number;
  /** How long the final restart may take to drain the reversals. */
  readonly drainSeconds?: number;
  readonly faults?: readonly string[];
  /** Run the disk-full and host-crash phases (default true). */
  readonly phases?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export interface PhaseReports {
  readonly diskFull: DiskFullReport;
  readonly hostCrash: HostCrashReport | null;
}

export interface CrashTestResult {
  /** Transactions of the random part started. */
  readonly transactions: number;
  /** SIGKILLs delivered to the terminal. */
  readonly kills: number;
  readonly lives: number;
  readonly outcomes: Outcomes;
  readonly verdict: Verdict;
  /** What the register was told, against the host. */
  readonly register: RegisterVerdict;
  /** Each kind's money at the host against the journal. */
  readonly money: MoneyVerdict;
  /** What the register did, by kind, and how many of each a kill hit (a follow-up with nothing to act on was a purchase). */
  readonly types: Readonly<Record<Operation, { readonly ran: number; readonly killed: number }>>;
  /** Completions, releases and increments of a pre-authorization after a completion of it that did not take. */
  readonly retries: number;
  readonly phases: PhaseReports;
  /** The verdicts' problems and anything that went wrong while driving. */
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
  const runPhases = options.phases !== false;
  const early: string[] = [];
  const small = runPhases ? smallDisk(join(root, 'state')) : { disk: null, skipped: 'phases off' };
  if (small.disk === null && runPhases && process.env['CI'] === 'true') early.push(`the disk-full phase must run under CI=true, but ${small.skipped ?? ''}`);
  if (small.disk === null && runPhases) progress(`disk-full phase skipped: ${small.skipped ?? ''}`);
  const bank = new HostBank({ cli, logDir, env });
  try {
    await bank.start(options.faults ?? DEFAULT_FAULTS);
    const layout = prepareTerminal(root, bank.isoPort);
    const register = new Register(`crash-${options.seed}`);
    const driver = new Driver({ cli, layout, logDir, env, ecrTranscript, snapshotDir: options.keep === true ? snapshotDir : null, rng: seededRng(options.seed), register, progress });
    driver.problems.push(...early);
    const plan = planKills(options.transactions, options.kills, seededRng(options.seed ^ 0x5eed));
    const cancels = planCancels(options.transactions, plan, seededRng(options.seed ^ 0xca4ce1));
    const operations = planOperations(options.transactions, plan, cancels, seededRng(options.seed ^ 0x0b5e55));
    const deadline = started + (options.maxSeconds ?? 900) * 1000;

    let done = 0;
    for (let i = 0; i < options.transactions; i++) {
      if (Date.now() > deadline) {
        driver.problems.push(`time limit reached after ${done} of ${options.transactions} transactions`);
        break;
      }
      await driver.transaction(i, plan.atTransaction.get(i), plan.startupAfter.has(i), cancels.get(i), operations.get(i));
      done += 1;
      if ((i + 1) % 25 === 0) progress(`${i + 1}/${options.transactions} transactions, ${driver.kills} kills`);
    }

    let phases: PhaseReports = { diskFull: skippedDiskFull(small.skipped ?? 'not run'), hostCrash: null };
    if (runPhases) {
      // The phases' host holds every answer long enough to fill a disk or kill the host in the window.
      await settle(driver);
      await bank.stop();
      await bank.start(PHASE_FAULTS);
      const diskFull = small.disk === null ? phases.diskFull : await diskFullPhase(driver, bank, small.disk, progress);
      const hostCrash = await hostCrashPhase(driver, bank, progress);
      phases = { diskFull, hostCrash };
    }

    // The final restart: a clean start on the same state, which recovers and drains every reversal; the register asks once more.
    await driver.stopGracefully();
    const ecr = driver.ecrOf(await driver.start());
    const drained = await waitForHealth(ecr, (h) => h.pendingReversals === 0, (options.drainSeconds ?? 60) * 1000);
    if (!drained) driver.problems.push('reversals still pending when the drain time ran out');
    await register.resolve(ecr);
    await register.audit(ecr);
    await driver.stopGracefully();

    const book = await bank.book();
    const journal = readJournal(layout.stateDir);
    const verdict = reconcile(book, journal, TERMINAL_ID);
    const told = judgeRegister(register.purchases, book, journal, TERMINAL_ID, register.desk.followUps);
    const money = judgeMoney(book, journal, TERMINAL_ID);
    const problems = [...driver.problems, ...verdict.problems, ...told.problems, ...money.problems];
    const ok =
      verdict.doubleCharged === 0 &&
      verdict.lost === 0 &&
      verdict.corruptRows === 0 &&
      told.registerToldWrong === 0 &&
      told.registerNeverTold === 0 &&
      told.answersChanged === 0 &&
      MONEY_FAULTS.every((key) => money[key] === 0) &&
      problems.length === 0;
    return {
      transactions: done,
      kills: driver.kills,
      lives: driver.lives,
      outcomes: driver.outcomes,
      verdict,
      register: told,
      money,
      types: driver.types,
      retries: driver.retries,
      phases,
      problems,
      ok,
      durationMs: Date.now() - started,
      root,
      layout,
      logDir,
      ecrTranscript,
      snapshotDir,
    };
  } finally {
    await bank.stop().catch(() => undefined);
    await killAllChildren();
    small.disk?.release();
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

/** The state folder on a small tmpfs, or why not. */
function smallDisk(dir: string): { disk: SmallDisk | null; skipped: string | null } {
  const unavailable = smallDiskUnavailable();
  if (unavailable !== null) return { disk: null, skipped: unavailable };
  try {
    return { disk: mountSmallDisk(dir, SMALL_DISK_MB), skipped: null };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    return { disk: null, skipped: `mount -t tmpfs failed: ${stderr || (err instanceof Error ? err.message : String(err))}` };
  }
}
