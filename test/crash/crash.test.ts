/**
 * Issue 7 in CI: the crash test in a small form — real `pos host-sim` and
 * `pos run` processes on 127.0.0.1, six SIGKILLs of the terminal at planned
 * moments (one of them while an authorization is in flight, one while the
 * restarted terminal sends its reversals), then the host's ledger against the
 * journal. Needs the build (`npm test` builds first).
 */
import { describe, expect, it } from 'vitest';
import { runCrashTest } from '../../bench/crash/run.js';

describe('crash test (40 transactions, 6 kills)', () => {
  it('loses no approval, charges no one twice and corrupts no journal row', async () => {
    const result = await runCrashTest({ transactions: 40, kills: 6, seed: 7, cli: 'dist/src/cli/main.js' });
    const v = result.verdict;
    // The problems name the transaction, STAN, journal states and ledger entries: show them when a count is off.
    expect(result.problems).toEqual([]);
    expect(v.doubleCharged).toBe(0);
    expect(v.lost).toBe(0);
    expect(v.corruptRows).toBe(0);
    expect(result.kills).toBeGreaterThanOrEqual(6);
    expect(result.transactions).toBe(40);
    expect(v.hostApproved).toBeGreaterThan(0);
    expect(v.completed + v.reversed).toBeGreaterThanOrEqual(v.hostApproved);
    // The kills really cut transactions short, and the host really had approvals to reverse.
    expect(result.outcomes.interrupted).toBeGreaterThan(0);
    expect(v.reversed).toBeGreaterThan(0);
    expect(v.pendingReversals).toBe(0);
    expect(result.ok).toBe(true);
  }, 120_000);
});
