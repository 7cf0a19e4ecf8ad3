import { describe, expect, it } from 'vitest';
import { SplitSalesLog } from '../../../src/emv/kernel/split-sales.js';

const pan = (digits: string) => Buffer.from(digits, 'hex');

describe('split-sales log (Book 3 §10.6.1)', () => {
  it('gives the most recent approved amount for the same card today, and nothing for another card', () => {
    let now = new Date('2026-03-15T10:00:00Z');
    const log = new SplitSalesLog(() => now);
    log.recordApproval(pan('4761739001010119'), 1500);
    log.recordApproval(pan('4761739001010119'), 700);
    expect(log.recentAmount(pan('4761739001010119'))).toBe(700);
    expect(log.recentAmount(pan('5413330089010434'))).toBe(0);
    now = new Date('2026-03-16T00:00:01Z');
    expect(log.recentAmount(pan('4761739001010119'))).toBe(0);
  });

  it('a card with no PAN on the chip has no history', () => {
    const log = new SplitSalesLog(() => new Date('2026-03-15T10:00:00Z'));
    log.recordApproval(undefined, 1500);
    expect(log.recentAmount(undefined)).toBe(0);
  });
});
