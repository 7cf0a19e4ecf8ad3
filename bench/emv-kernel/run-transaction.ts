/**
 * One whole kernel transaction as the engine runs it: `EmvTransaction.start`
 * (selection to the first GENERATE AC), the online request's chip data,
 * completion with the issuer's answer (EXTERNAL AUTHENTICATE or CDOL2, the
 * second GENERATE AC), the summary, and `wipe()`. The time is taken around
 * the kernel's calls only: the issuer's answer is made while the clock is
 * stopped, as a host's round trip is no part of the kernel.
 */
import type { Completion } from '../../src/emv/kernel/completion.js';
import { EmvTransaction, type FirstDecision, type KernelDependencies, type KernelSummary } from '../../src/emv/kernel/transaction.js';
import { BENCH_REQUEST, type HostReply } from './setup.js';

export interface TransactionRun {
  readonly firstDecision: FirstDecision;
  readonly completion?: Completion['decision'];
  readonly summary: KernelSummary;
  /** Milliseconds inside the kernel's calls (the card's time included; the issuer's not). */
  readonly elapsedMs: number;
}

/** Runs one transaction; `answer` is asked for the issuer's reply to an ARQC, off the clock. */
export async function runTransaction(deps: KernelDependencies, answer: (summary: KernelSummary) => HostReply): Promise<TransactionRun> {
  const started = performance.now();
  const txn = await EmvTransaction.start(deps, BENCH_REQUEST);
  try {
    if (txn.firstDecision !== 'online') {
      const summary = txn.summary();
      txn.wipe();
      return { firstDecision: txn.firstDecision, summary, elapsedMs: performance.now() - started };
    }
    // The engine builds DE 55 from these copies and wipes them.
    for (const value of txn.onlineData().values()) value.fill(0);
    const beforeHost = performance.now() - started;
    const reply = answer(txn.summary());
    const resumed = performance.now();
    const completion = await txn.complete(reply);
    const summary = txn.summary();
    txn.wipe();
    return { firstDecision: 'online', completion: completion.decision, summary, elapsedMs: beforeHost + performance.now() - resumed };
  } finally {
    txn.wipe();
  }
}
