/**
 * Where the crash test kills and cancels, and what the register does where:
 * the opening is left to the cancels while a reversal drains, random cancels
 * never fall on a kill, and a kill falls during every kind of operation.
 */
import { describe, expect, it } from 'vitest';
import { OPENING, OPERATIONS, PREPARE_WITHIN, planCancels, planKills, planOperations } from '../../bench/crash/plan.js';
import { seededRng } from '../../bench/crash/rng.js';

describe('planKills and planCancels', () => {
  it.each([
    [40, 6, 7],
    [300, 30, 1],
    [300, 30, 99],
  ])('%i transactions, %i kills, seed %i', (transactions, kills, seed) => {
    const plan = planKills(transactions, kills, seededRng(seed));
    const cancels = planCancels(transactions, plan, seededRng(seed + 1));
    expect([...plan.atTransaction.keys()].every((i) => i >= OPENING)).toBe(true);
    expect(cancels.get(1)).toBe('sending');
    expect(cancels.get(3)).toBe('sending');
    expect([...cancels.keys()].some((i) => plan.atTransaction.has(i))).toBe(false);
    const moments = new Set(cancels.values());
    expect(moments).toEqual(new Set(['sending', 'after-start', 'after-card']));
  });

  it('kills inside the opening only when there is no room after it', () => {
    const plan = planKills(6, 6, seededRng(3));
    expect(plan.atTransaction.size).toBe(5);
    expect([...plan.atTransaction.keys()].some((i) => i < OPENING)).toBe(true);
  });
});

describe('planOperations', () => {
  it.each([
    [300, 30, 1],
    [300, 30, 99],
    [40, 6, 7],
  ])('%i transactions, %i kills, seed %i: purchases in the opening, then a warm-up, a kill during each kind as far as the kills go', (transactions, kills, seed) => {
    const plan = planKills(transactions, kills, seededRng(seed));
    const cancels = planCancels(transactions, plan, seededRng(seed + 1));
    const ops = planOperations(transactions, plan, cancels, seededRng(seed + 2));
    for (let i = 0; i < OPENING; i++) expect(ops.get(i) ?? 'purchase').toBe('purchase');
    expect([ops.get(OPENING), ops.get(OPENING + 1), ops.get(OPENING + 2)]).toEqual(['purchase', 'preauth', 'purchase']);
    const killedKinds = new Set([...plan.atTransaction.keys()].filter((i) => i >= OPENING + 3).map((i) => ops.get(i) ?? 'purchase'));
    const killedAfterWarmUp = [...plan.atTransaction.keys()].filter((i) => i >= OPENING + 3).length;
    expect(killedKinds).toEqual(new Set(OPERATIONS.slice(0, Math.min(killedAfterWarmUp, OPERATIONS.length))));
    // Each of the first killed follow-ups and refunds has what it acts on made shortly before it, unless every index there is taken.
    const assigned = [...plan.atTransaction.keys()].filter((i) => i >= OPENING + 3).sort((a, b) => a - b).slice(0, OPERATIONS.length);
    for (const i of assigned) {
      const op = ops.get(i);
      const wanted = op === 'complete' || op === 'increment' || op === 'release' ? 'preauth' : op === 'purchase' || op === 'preauth' ? null : 'purchase';
      if (wanted === null) continue;
      const window = Array.from({ length: PREPARE_WITHIN }, (_, n) => i - 1 - n).filter((j) => j >= OPENING + 3 && !plan.atTransaction.has(j) && !cancels.has(j));
      if (window.length > 0) expect(window.some((j) => (ops.get(j) ?? 'purchase') === wanted)).toBe(true);
    }
  });

  it('mixes every kind into a long run, purchases the most', () => {
    const plan = planKills(300, 0, seededRng(5));
    const ops = planOperations(300, plan, new Map(), seededRng(6));
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) counts.set(ops.get(i) ?? 'purchase', (counts.get(ops.get(i) ?? 'purchase') ?? 0) + 1);
    expect(new Set(counts.keys())).toEqual(new Set(OPERATIONS));
    const purchases = counts.get('purchase') ?? 0;
    expect([...counts.values()].every((n) => n <= purchases)).toBe(true);
    expect(purchases).toBeGreaterThan(100);
  });
});
