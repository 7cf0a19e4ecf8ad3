/**
 * Side-by-side benchmarks: each case runs this project's implementation and
 * its peers on the same inputs in one process, and reports ops/s and the
 * ratio of ours to each peer. Never used as a timed unit test.
 */
import { Bench } from 'tinybench';

export interface BenchOptions {
  /** Shorter runs (CI smoke, `--quick`). */
  readonly quick: boolean;
}

export interface Contender {
  readonly name: string;
  readonly fn: () => unknown;
}

export interface CaseResult {
  readonly suite: string;
  readonly case: string;
  /** ops/s per contender name; `null` where the contender threw. */
  readonly opsPerSec: Readonly<Record<string, number | null>>;
  /** ours ÷ peer, per peer name. */
  readonly ratio: Readonly<Record<string, number | null>>;
  /** Extra measurements (latencies in µs, wire time, …). */
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface SuiteReport {
  readonly suite: string;
  readonly cases: readonly CaseResult[];
  /** Where a peer's output differs from ours or from a published vector. */
  readonly notes: readonly string[];
  /** A suite whose figures are not ops/s (start times, memory) prints this table instead of the ops/s lines. */
  readonly table?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(options: BenchOptions): Promise<SuiteReport>;
}

/** Runs `ours` and every peer on the same work; the first contender is ours. */
export async function compare(
  suite: string,
  caseName: string,
  ours: Contender,
  peers: readonly Contender[],
  options: BenchOptions,
): Promise<CaseResult> {
  const bench = new Bench({ time: options.quick ? 100 : 1000, warmupTime: options.quick ? 20 : 200 });
  const failed = new Set<string>();
  for (const c of [ours, ...peers]) {
    try {
      c.fn();
      bench.add(c.name, c.fn);
    } catch {
      failed.add(c.name);
    }
  }
  await bench.run();
  const opsPerSec: Record<string, number | null> = {};
  for (const c of [ours, ...peers]) {
    const task = bench.getTask(c.name);
    // ops/s from the mean time per operation (total work ÷ total time). tinybench's throughput mean averages
    // each iteration's own rate, which flatters whoever is fast on the cheap inputs of a mixed set.
    const meanMs = task?.result && 'latency' in task.result ? task.result.latency.mean : undefined;
    const hz = meanMs !== undefined && meanMs > 0 ? 1000 / meanMs : undefined;
    opsPerSec[c.name] = failed.has(c.name) || hz === undefined ? null : hz;
  }
  const mine = opsPerSec[ours.name] ?? null;
  const ratio: Record<string, number | null> = {};
  for (const p of peers) {
    const theirs = opsPerSec[p.name] ?? null;
    ratio[p.name] = mine !== null && theirs !== null && theirs > 0 ? mine / theirs : null;
  }
  return { suite, case: caseName, opsPerSec, ratio };
}
