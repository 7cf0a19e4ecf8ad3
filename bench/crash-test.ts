/**
 * `npm run crash-test -- [--transactions N] [--kills K] [--seed S] [--json]`:
 * issue 7's proof that a power cut at any moment neither loses an approval
 * nor charges a customer twice nor corrupts the journal. The work is in
 * `bench/crash/`; this is the command line.
 *
 * Prints the counts (with `--json` exactly { transactions, kills,
 * hostApproved, completed, reversed, doubleCharged, lost, corruptRows }) and
 * exits 0 only when nothing was double charged, lost or corrupt and the run
 * had no other problem; the problems go to stderr.
 */
import { randomInt } from 'node:crypto';
import { parseCrashArgs } from './crash/args.js';
import { runCrashTest } from './crash/run.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseCrashArgs(process.argv.slice(2), () => randomInt(0, 2 ** 31));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  process.stderr.write(`crash test: ${args.transactions} transactions, ${args.kills} kills, seed ${args.seed}\n`);
  const result = await runCrashTest({
    transactions: args.transactions,
    kills: args.kills,
    seed: args.seed,
    logLevel: args.logLevel,
    keep: args.keep,
    maxSeconds: args.maxSeconds,
    progress: (line) => process.stderr.write(`  ${line}\n`),
  });
  const v = result.verdict;
  const counts = {
    transactions: result.transactions,
    kills: result.kills,
    hostApproved: v.hostApproved,
    completed: v.completed,
    reversed: v.reversed,
    doubleCharged: v.doubleCharged,
    lost: v.lost,
    corruptRows: v.corruptRows,
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(counts) + '\n');
  } else {
    const o = result.outcomes;
    const lines = [
      `transactions   ${counts.transactions} (approved ${o.approved}, declined ${o.declined}, failed ${o.failed}, cancelled ${o.cancelled}, interrupted ${o.interrupted}, errors ${o.errors})`,
      `kills          ${counts.kills} (terminal lives ${result.lives})`,
      `host approved  ${counts.hostApproved}`,
      `completed      ${counts.completed} (journal total ${v.completedTotal}; standing at the host ${v.chargedTotal})`,
      `reversed       ${counts.reversed} (host approvals reversed)`,
      `double charged ${counts.doubleCharged}`,
      `lost           ${counts.lost}`,
      `corrupt rows   ${counts.corruptRows}`,
      `journal states ${Object.entries(v.journalStates).map(([s, n]) => `${s} ${n}`).join(', ')}`,
      `time           ${(result.durationMs / 1000).toFixed(1)} s`,
      `seed           ${args.seed}`,
      ...(args.keep ? [`kept           ${result.root}`] : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const problem of result.problems) process.stderr.write(`PROBLEM: ${problem}\n`);
  process.stderr.write(result.ok ? 'crash test passed\n' : `crash test FAILED (seed ${args.seed})\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`crash test could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
