/**
 * The crash test's two planned faults after the random kills, each with
 * what the register and the host must see:
 *
 * disk-full   the terminal's state folder is a small tmpfs (`small-disk.ts`).
 *             While a purchase is `authorizing` (the host holds its answer
 *             `PHASE_FAULTS`' delay), a filler takes every free page. The
 *             host approves, the journal cannot record it: the register must
 *             be told `failed` with no approving code, the reversal must go
 *             to the host at once (held in memory: `/v1/health` shows it in
 *             `reversalsNotInJournal`), a new purchase is refused with 503
 *             while the disk is full; once the filler is gone the duty is
 *             written (`reversalsNotInJournal` back to 0) and purchases are
 *             approved again, with no restart.
 * host-crash  while a purchase is `authorizing`, as soon as the host has
 *             booked it and before it answers, the host process is killed
 *             (SIGKILL). The register must be told `failed`; a purchase while
 *             the host is down fails with nothing charged; the host comes
 *             back on the same port, the terminal reverses the booked
 *             approval and approves again. (`host-bank.ts` keeps the
 *             simulator's book across the crash, as a real host's would.)
 *
 * Both go into the register's and the ledger's verdicts like every other
 * purchase; the reports here say whether each step happened as it must.
 */
import { sleep } from './child.js';
import { CARDS, type Driver, waitForHealth, waitForState } from './driver.js';
import type { Ecr, TxnView } from './ecr.js';
import type { HostBank } from './host-bank.js';
import { isApproval } from '../../src/host/approval.js';
import type { LedgerEntry } from './host-sim.js';
import type { RegisterPurchase } from './register.js';
import type { SmallDisk } from './small-disk.js';

/** Host rules during the phases: every financial answer held 1.5 s, the window in which the disk fills or the host dies. */
export const PHASE_FAULTS: readonly string[] = ['delay:1500'];
/** Host rules for the host that comes back after the crash (and for the rest of the run). */
export const AFTER_CRASH_FAULTS: readonly string[] = ['delay:60'];

export interface DiskFullReport {
  readonly ran: boolean;
  /** Why it did not run. */
  readonly skipped: string | null;
  readonly diskMb: number;
  /** Bytes the filler took. */
  readonly fillerBytes: number;
  /** What the register was told of the purchase the full disk hit. */
  readonly told: string | null;
  /** `/v1/health` right after: the journal's fault and the reversals held in memory only. */
  readonly journalWhileFull: string | null;
  readonly reversalsNotInJournalWhileFull: number;
  /** The host's ledger shows that purchase reversed. */
  readonly reversedAtHost: boolean;
  /** A purchase started while the disk was full was refused with 503. */
  readonly refusedWhileFull: boolean;
  /** After the filler went: `reversalsNotInJournal` 0, `pendingReversals` 0, journal ok. */
  readonly cleared: boolean;
  /** Purchases approved after that, without a restart (of 2). */
  readonly approvedAfter: number;
  readonly ok: boolean;
}

export interface HostCrashReport {
  readonly ran: boolean;
  /** The host had booked the purchase when it was killed. */
  readonly bookedBeforeCrash: boolean;
  readonly told: string | null;
  /** What a purchase while the host was down was told. */
  readonly toldWhileDown: string | null;
  /** The booked approval ends reversed in the host's book. */
  readonly reversedAtHost: boolean;
  /** Purchases approved once the host was back (of 1). */
  readonly approvedAfter: number;
  readonly ok: boolean;
}

export function skippedDiskFull(reason: string): DiskFullReport {
  return { ran: false, skipped: reason, diskMb: 0, fillerBytes: 0, told: null, journalWhileFull: null, reversalsNotInJournalWhileFull: 0, reversedAtHost: false, refusedWhileFull: false, cleared: false, approvedAfter: 0, ok: false };
}

export async function diskFullPhase(driver: Driver, bank: HostBank, disk: SmallDisk, progress: (line: string) => void): Promise<DiskFullReport> {
  // A clean stop checkpoints the journal and deletes its WAL: from here every write needs new pages, as on a disk filling up.
  await settle(driver);
  await driver.stopGracefully();
  await driver.terminal();
  progress(`disk-full phase: ${disk.sizeMb} MB tmpfs, filled while a purchase is authorizing`);

  let fillerBytes = 0;
  const hit = await driver.purchase('disk-full', CARDS.main, 4100, async (ecr, started) => {
    const seen = await waitForState(ecr, started.id, 'authorizing');
    if (seen !== 'authorizing') driver.problems.push(`disk-full phase: the purchase was ${seen}, not authorizing, when the disk was to fill`);
    fillerBytes = disk.fill();
  });
  const ecr = driver.ecrOf(await driver.terminal());
  const health = await ecr.health();
  const stan = hit.told?.stan ?? null;
  const reversedAtHost = await waitForLedger(bank, (entries) => entries.some((e) => e.stan === stan && e.reversed), 10_000);

  const probe = await driver.purchase('disk-full', CARDS.main, 1500);
  const refusedWhileFull = probe.told?.status === 'not-started' && probe.told.via === 'refused';

  disk.free();
  const cleared = await waitForHealth(ecr, (h) => h.reversalsNotInJournal === 0 && h.pendingReversals === 0 && h.journal === 'ok', 10_000);
  let approvedAfter = 0;
  for (const amount of [1200, 1300]) {
    const after = await driver.purchase('disk-full', CARDS.main, amount);
    if (after.told?.status === 'approved') approvedAfter += 1;
  }
  const report = {
    ran: true,
    skipped: null,
    diskMb: disk.sizeMb,
    fillerBytes,
    told: describe(hit),
    journalWhileFull: health.journal ?? null,
    reversalsNotInJournalWhileFull: health.reversalsNotInJournal ?? 0,
    reversedAtHost,
    refusedWhileFull,
    cleared,
    approvedAfter,
  };
  const ok = fillerBytes > 0 && hit.told?.status === 'failed' && !approving(hit) && report.journalWhileFull === 'JOURNAL_DISK_FULL' && report.reversalsNotInJournalWhileFull > 0 && reversedAtHost && refusedWhileFull && cleared && approvedAfter === 2;
  if (!ok) driver.problems.push(`disk-full phase did not go as it must: ${JSON.stringify(report)}`);
  return { ...report, ok };
}

export async function hostCrashPhase(driver: Driver, bank: HostBank, progress: (line: string) => void): Promise<HostCrashReport> {
  await settle(driver);
  progress('host-crash phase: SIGKILL to the host after it booked a purchase, before it answers');
  let bookedBeforeCrash = false;
  const hit = await driver.purchase('host-crash', CARDS.main, 2222, async (ecr: Ecr, started: TxnView) => {
    await waitForState(ecr, started.id, 'authorizing');
    const { stan } = await ecr.get(started.id);
    bookedBeforeCrash = stan !== null && (await waitForLedger(bank, (entries) => entries.some((e) => e.stan === stan), 1_200));
    await bank.crash();
  });
  const down = await driver.purchase('host-crash', CARDS.main, 900);
  await bank.start(AFTER_CRASH_FAULTS);
  const back = await driver.purchase('host-crash', CARDS.main, 1100);
  const ecr = driver.ecrOf(await driver.terminal());
  await waitForHealth(ecr, (h) => h.pendingReversals === 0, 10_000);
  const stan = hit.told?.stan ?? null;
  const reversedAtHost = stan !== null && (await bank.book()).some((e) => (e.mti === '0200' || e.mti === '0100') && e.stan === stan && e.reversed);
  const report = {
    ran: true,
    bookedBeforeCrash,
    told: describe(hit),
    toldWhileDown: describe(down),
    reversedAtHost,
    approvedAfter: back.told?.status === 'approved' ? 1 : 0,
  };
  const ok = bookedBeforeCrash && hit.told?.status === 'failed' && !approving(hit) && down.told?.status === 'failed' && reversedAtHost && report.approvedAfter === 1;
  if (!ok) driver.problems.push(`host-crash phase did not go as it must: ${JSON.stringify(report)}`);
  return { ...report, ok };
}

/**
 * The terminal running, the register's look-ups done, no reversal owed: a
 * phase (or a host restart, whose book is read first) starts from a quiet
 * terminal.
 */
export async function settle(driver: Driver): Promise<void> {
  const ecr = driver.ecrOf(await driver.terminal());
  if (!(await waitForHealth(ecr, (h) => h.pendingReversals === 0 && h.reversalsNotInJournal === 0, 30_000))) {
    driver.problems.push('a phase started with reversals still owed');
  }
}

/** Polls the running simulator's ledger (financial requests) until `found`; false when the time ran out. */
async function waitForLedger(bank: HostBank, found: (entries: readonly LedgerEntry[]) => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (found(await bank.current.ledger())) return true;
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
}

function approving(p: RegisterPurchase): boolean {
  const t = p.told;
  return t !== null && (isApproval(t.responseCode) || t.authCode !== null);
}

function describe(p: RegisterPurchase): string | null {
  const t = p.told;
  if (t === null) return null;
  return [t.status, t.responseCode, t.errorCode].filter((x) => x !== null).join(' ');
}
