/** Where the crash test kills and cancels: the opening is left to the cancels while a reversal drains, random cancels never fall on a kill. */
import { describe, expect, it } from 'vitest';
import { OPENING, planCancels, planKills } from '../../bench/crash/plan.js';
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
