/**
 * Side-by-side timing for operations of a few microseconds (an RSA
 * recovery, an ODA check): each contender runs in batches of about
 * `batchMs`, the contenders alternating batch by batch, and its time per
 * operation is the median over its batches. Timing each call alone (as
 * tinybench does) adds its own microsecond to each; alternating batches
 * spread a busy spell of a shared machine over every contender alike.
 * Same result shape as `compare` in `../harness.ts`: the first contender is
 * ours, ratios are ours ÷ peer in ops/s.
 */
import type { CaseResult, Contender } from '../harness.js';
import { median } from '../startup/stats.js';

export interface InterleavedOptions {
  readonly rounds: number;
  readonly batchMs: number;
}

/** How many calls of `fn` take about `batchMs` (after a first untimed call). */
function batchSize(fn: () => unknown, batchMs: number): number {
  fn();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < batchMs) {
    fn();
    calls++;
  }
  return Math.max(1, calls);
}

export function compareInterleaved(suite: string, caseName: string, ours: Contender, peers: readonly Contender[], options: InterleavedOptions): CaseResult {
  const contenders = [ours, ...peers];
  const sizes = contenders.map((c) => batchSize(c.fn, options.batchMs));
  const perOpMs: number[][] = contenders.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    contenders.forEach((c, i) => {
      const size = sizes[i] ?? 1;
      const started = performance.now();
      for (let n = 0; n < size; n++) c.fn();
      perOpMs[i]?.push((performance.now() - started) / size);
    });
  }
  const opsPerSec: Record<string, number> = {};
  contenders.forEach((c, i) => {
    opsPerSec[c.name] = 1000 / median(perOpMs[i] ?? []);
  });
  const mine = opsPerSec[ours.name] ?? Number.NaN;
  const ratio: Record<string, number> = {};
  for (const p of peers) ratio[p.name] = mine / (opsPerSec[p.name] ?? Number.NaN);
  return { suite, case: caseName, opsPerSec, ratio };
}
