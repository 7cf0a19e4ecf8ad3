/**
 * Issues 7 and 11 in CI: the crash test in a small form — real `pos host-sim`
 * and `pos run` processes on 127.0.0.1, six SIGKILLs of the terminal at
 * planned moments (one of them while an authorization is in flight, one while
 * the restarted terminal sends its reversals), cancels from the register at
 * planned moments (two while a reversal drains), the disk of the state folder
 * filled during an authorization and the host killed during one; refunds,
 * voids, pre-authorizations with their increments, completions and
 * releases, and tip adjustments mixed in, kills falling during them; then the host's book
 * against the journal, kind by kind, and against what the register was told.
 * Needs the build (`npm test` builds first). The disk-full phase needs root
 * (a tmpfs); under CI=true it must run.
 */
import { describe, expect, it } from 'vitest';
import { MONEY_FAULTS } from '../../bench/crash/money-check.js';
import { runCrashTest } from '../../bench/crash/run.js';

const CI = process.env['CI'] === 'true';

describe('crash test (40 transactions, 6 kills, a full disk, a host crash)', () => {
  it('loses no approval, charges no one twice, corrupts no journal row and never tells the register wrong', async () => {
    const result = await runCrashTest({ transactions: 40, kills: 6, seed: 7, cli: 'dist/src/cli/main.js' });
    const v = result.verdict;
    const r = result.register;
    // The problems name the transaction, STAN, journal states and ledger entries: show them when a count is off.
    expect(result.problems).toEqual([]);
    expect(v.doubleCharged).toBe(0);
    expect(v.lost).toBe(0);
    expect(v.corruptRows).toBe(0);
    expect(r.registerToldWrong).toBe(0);
    expect(r.registerNeverTold).toBe(0);
    expect(r.answersChanged).toBe(0);
    expect(result.kills).toBeGreaterThanOrEqual(6);
    expect(result.transactions).toBe(40);
    expect(v.hostApproved).toBeGreaterThan(0);
    expect(v.completed + v.reversed).toBeGreaterThanOrEqual(v.hostApproved);
    // The kills really cut transactions short, and the host really had approvals to reverse.
    expect(result.outcomes.interrupted).toBeGreaterThan(0);
    expect(v.reversed).toBeGreaterThan(0);
    expect(v.pendingReversals).toBe(0);
    // Cancels really stopped purchases, one at least while the terminal drained an owed reversal, and some came too late.
    expect(r.cancels.stopped).toBeGreaterThan(0);
    expect(r.cancels.stoppedWhileSending).toBeGreaterThanOrEqual(1);
    expect(r.cancels.refused).toBeGreaterThan(0);
    // The planned faults ran and went as they must (the register's and the ledger's verdicts above include them).
    expect(result.phases.hostCrash).toMatchObject({ ran: true, bookedBeforeCrash: true, reversedAtHost: true, ok: true });
    if (CI || result.phases.diskFull.ran) {
      expect(result.phases.diskFull).toMatchObject({ ran: true, journalWhileFull: 'JOURNAL_DISK_FULL', reversedAtHost: true, refusedWhileFull: true, cleared: true, approvedAfter: 2, ok: true });
    } else {
      console.warn(`crash test: disk-full phase skipped (${result.phases.diskFull.skipped ?? ''})`);
    }
    // Refunds, voids, holds, increments, completions and releases ran, kills fell during them, and every kind's money stands at the host as the journal says.
    for (const type of ['refund', 'void', 'preauth', 'complete', 'increment', 'release'] as const) expect(result.types[type].ran).toBeGreaterThan(0);
    const killedOthers = Object.entries(result.types).filter(([type]) => type !== 'purchase').reduce((sum, [, t]) => sum + t.killed, 0);
    expect(killedOthers).toBeGreaterThanOrEqual(2);
    expect(MONEY_FAULTS.filter((key) => result.money[key] !== 0)).toEqual([]);
    expect(r.followUps.void.voided).toBeGreaterThan(0);
    expect(result.money.kinds.purchase.voided).toBeGreaterThan(0);
    expect(result.money.kinds.completion.rows).toBeGreaterThan(0);
    expect(result.money.kinds.incremental.rows).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  }, 120_000);
});
