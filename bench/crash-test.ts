/**
 * `npm run crash-test -- [--transactions N] [--kills K] [--seed S] [--json]`:
 * the proof that a power cut at any moment, a full disk or a host crash
 * neither loses an approval nor charges a customer twice nor corrupts the
 * journal, and that the register is always told the truth. The work is in
 * `bench/crash/`; this is the command line.
 *
 * Prints the counts (with `--json` exactly { transactions, kills,
 * hostApproved, completed, reversed, doubleCharged, lost, corruptRows,
 * registerToldWrong, registerNeverTold, answersChanged, cancels: { requested,
 * stopped, refused, stoppedWhileSending }, diskFull: { ran, ok, skipped },
 * hostCrash: { ran, ok }, types, retries, money, journalKinds }) and exits 0 only when
 * nothing was double charged, lost or corrupt, no money of any kind stands
 * wrong at the host, the register was never told wrong and learned every
 * outcome, the phases went as they must, and the run had no other problem;
 * the problems go to stderr.
 *
 * Per kind: `types` has purchase, refund, preauth, void, complete, increment,
 * release and tip, each { ran, killed } (what the register did; killed: a planned
 * kill fell on it, during it or right after its answer) and what the register was last told of them (purchase, refund,
 * preauth: approved, declined, cancelled, failed, voided, notStarted — the
 * phases' purchases included; void, release, complete, tip, increment:
 * voided, approved, declined, failed, notDone, refused). `retries`:
 * completions, releases and increments of a pre-authorization after a
 * completion of it that did not take (its reversal acknowledged first).
 * `money` is { doubleReversed, overRefunded, doubleCaptured, overCaptured,
 * holdsLeft, voidsStanding, amountsDiffer, doubleIncremented,
 * incrementsUnended } (each must be 0) and { heldMinor, refundedMinor } (what
 * the host holds and has credited at the end). `journalKinds` has purchase,
 * refund, preauth, completion, tip-adjust and incremental, each { rows,
 * standing, voided, reversed } from the journal.
 */
import { randomInt } from 'node:crypto';
import { parseCrashArgs } from './crash/args.js';
import { MONEY_FAULTS, type MoneyVerdict } from './crash/money-check.js';
import { runCrashTest, type CrashTestResult } from './crash/run.js';

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
  const r = result.register;
  const { diskFull, hostCrash } = result.phases;
  const counts = {
    transactions: result.transactions,
    kills: result.kills,
    hostApproved: v.hostApproved,
    completed: v.completed,
    reversed: v.reversed,
    doubleCharged: v.doubleCharged,
    lost: v.lost,
    corruptRows: v.corruptRows,
    registerToldWrong: r.registerToldWrong,
    registerNeverTold: r.registerNeverTold,
    answersChanged: r.answersChanged,
    cancels: { requested: r.cancels.requested, stopped: r.cancels.stopped, refused: r.cancels.refused, stoppedWhileSending: r.cancels.stoppedWhileSending },
    diskFull: { ran: diskFull.ran, ok: diskFull.ok, skipped: diskFull.skipped },
    hostCrash: { ran: hostCrash?.ran ?? false, ok: hostCrash?.ok ?? false },
    types: typeCounts(result),
    retries: result.retries,
    money: moneyCounts(result.money),
    journalKinds: result.money.kinds,
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
      `register       ${r.purchases} transactions (${Object.entries(r.told).map(([s, n]) => `${s} ${n}`).join(', ')})`,
      `told wrong     ${r.registerToldWrong}`,
      `never told     ${r.registerNeverTold} (answers changed later ${r.answersChanged})`,
      `cancels        ${r.cancels.requested} (200 ${r.cancels.stopped}, of them while a reversal drained ${r.cancels.stoppedWhileSending}; 409 ${r.cancels.refused}; other ${r.cancels.other})`,
      `disk full      ${diskFull.ran ? `${diskFull.ok ? 'ok' : 'FAILED'}: told ${diskFull.told ?? '-'}, health ${diskFull.journalWhileFull ?? '-'} with ${diskFull.reversalsNotInJournalWhileFull} reversal(s) not in the journal, reversed at the host ${yesNo(diskFull.reversedAtHost)}, 503 while full ${yesNo(diskFull.refusedWhileFull)}, cleared ${yesNo(diskFull.cleared)}, approved after ${diskFull.approvedAfter}/2` : `skipped (${diskFull.skipped ?? ''})`}`,
      `host crash     ${hostCrash === null ? 'not run' : `${hostCrash.ok ? 'ok' : 'FAILED'}: booked before the kill ${yesNo(hostCrash.bookedBeforeCrash)}, told ${hostCrash.told ?? '-'}, while down ${hostCrash.toldWhileDown ?? '-'}, reversed at the host ${yesNo(hostCrash.reversedAtHost)}, approved after ${hostCrash.approvedAfter}/1`}`,
      `journal states ${Object.entries(v.journalStates).map(([s, n]) => `${s} ${n}`).join(', ')}`,
      ...Object.entries(counts.types).map(([type, c]) => `${`type ${type}`.padEnd(15)}${Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ')}`),
      `retries        ${counts.retries} (completions and releases after a completion that did not take)`,
      `money          ${Object.entries(counts.money).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      `journal kinds  ${Object.entries(counts.journalKinds).map(([k, c]) => `${k} ${c.rows} (standing ${c.standing}, voided ${c.voided}, reversed ${c.reversed})`).join('; ')}`,
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

/** `not-started` and `not-done` as JSON keys. */
function camel(key: string): string {
  return key.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase());
}

function renamed(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, n]) => [camel(k), n]));
}

function typeCounts(result: CrashTestResult): Record<string, Record<string, number>> {
  const r = result.register;
  const told: Record<string, Readonly<Record<string, number>>> = { ...r.byType, ...r.followUps };
  return Object.fromEntries(Object.entries(result.types).map(([type, ran]) => [type, { ran: ran.ran, killed: ran.killed, ...renamed(told[type] ?? {}) }]));
}

function moneyCounts(m: MoneyVerdict): Record<string, number> {
  return { ...Object.fromEntries(MONEY_FAULTS.map((key) => [key, m[key]])), heldMinor: m.heldMinor, refundedMinor: m.refundedMinor };
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`crash test could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
