/** What the crash test's register does at an index: a follow-up acts only on what it was told approved, once, and a refund never asks beyond what is left. */
import { describe, expect, it } from 'vitest';
import { CARDS, chooseAct, DECLINED_INCREMENT, type Act } from '../../bench/crash/acts.js';
import type { FollowUpOp, FollowUpStatus } from '../../bench/crash/register-follow-ups.js';
import { Register, type CardTxnType, type RegisterPurchase, type ToldStatus } from '../../bench/crash/register.js';
import { seededRng } from '../../bench/crash/rng.js';

function told(register: Register, type: CardTxnType, amount: number, status: ToldStatus, originalId: string | null = null): RegisterPurchase {
  const p = register.newPurchase(amount, 'main', type, originalId);
  p.id = `id-${p.reference}`;
  p.told = { status, responseCode: status === 'approved' ? '00' : null, authCode: null, amount, stan: null, errorCode: null, via: 'answer' };
  return p;
}

function followUpOn(register: Register, target: RegisterPurchase, op: FollowUpOp, status: FollowUpStatus = op === 'void' || op === 'release' ? 'voided' : 'approved', unresolved = false, amount = 0): void {
  register.desk.followUps.push({ op, target, amount, sentAt: '2026-11-24T14:14:35.000Z', told: unresolved ? null : { status, id: null, stan: null, responseCode: null, errorCode: null, via: 'answer' }, unresolved, httpStatus: 200 });
}

function acts(op: Parameters<typeof chooseAct>[0], register: Register, n = 200): Act[] {
  const rng = seededRng(11);
  return Array.from({ length: n }, () => chooseAct(op, register, rng, false, () => CARDS.second));
}

describe('chooseAct', () => {
  it('makes a purchase when there is nothing to act on: no approval, or only declined, cancelled and phase ones', () => {
    const register = new Register('t');
    told(register, 'purchase', 100, 'declined');
    told(register, 'preauth', 100, 'cancelled');
    register.newPurchase(300, 'disk-full').told = { status: 'approved', responseCode: '00', authCode: null, amount: 300, stan: null, errorCode: null, via: 'answer' };
    for (const op of ['refund', 'void', 'complete', 'release', 'tip', 'increment'] as const) {
      expect(new Set(acts(op, register, 20).map((a) => (a.kind === 'card' ? a.type : a.op)))).toEqual(new Set(['purchase']));
    }
  });

  it('refunds an approved purchase on its card, never beyond what the refunds the register started leave of it', () => {
    const register = new Register('t');
    const sale = told(register, 'purchase', 100, 'approved');
    told(register, 'refund', 70, 'approved', sale.id);
    told(register, 'refund', 50, 'declined', sale.id);
    for (const act of acts('refund', register)) {
      expect(act).toMatchObject({ kind: 'card', type: 'refund', originalId: sale.id, card: CARDS.second });
      expect(act.amount).toBeGreaterThanOrEqual(1);
      expect(act.amount).toBeLessThanOrEqual(30);
    }
    told(register, 'refund', 30, 'failed', sale.id);
    expect(acts('refund', register, 20).every((a) => a.kind === 'card' && a.type === 'purchase')).toBe(true);
  });

  it('voids a refund or a purchase without refunds, each once; completes or releases a pre-authorization once, for at most its amount', () => {
    const register = new Register('t');
    const refunded = told(register, 'purchase', 100, 'approved');
    const refund = told(register, 'refund', 40, 'approved', refunded.id);
    const hold = told(register, 'preauth', 250, 'approved');
    expect(new Set(acts('void', register).map((a) => (a.kind === 'follow-up' ? a.target : null)))).toEqual(new Set([refund]));
    for (const act of acts('complete', register)) {
      expect(act).toMatchObject({ kind: 'follow-up', op: 'complete', target: hold });
      expect(act.amount).toBeGreaterThanOrEqual(1);
      expect(act.amount).toBeLessThanOrEqual(250);
    }
    followUpOn(register, refund, 'void');
    followUpOn(register, hold, 'release');
    expect(acts('void', register, 20).every((a) => a.kind === 'card')).toBe(true);
    expect(acts('complete', register, 20).every((a) => a.kind === 'card')).toBe(true);
    expect(acts('release', register, 20).every((a) => a.kind === 'card')).toBe(true);
  });

  it('completes or releases again a pre-authorization whose completion did not take (a retry), not one cut off or captured', () => {
    const register = new Register('t');
    const failed = told(register, 'preauth', 300, 'approved');
    const declined = told(register, 'preauth', 300, 'approved');
    followUpOn(register, failed, 'complete', 'failed');
    followUpOn(register, declined, 'complete', 'declined');
    for (const op of ['complete', 'release'] as const) {
      const chosen = acts(op, register);
      expect(new Set(chosen.map((a) => (a.kind === 'follow-up' ? a.target : null)))).toEqual(new Set([failed, declined]));
      expect(chosen.every((a) => a.kind === 'follow-up' && a.retry)).toBe(true);
    }
    // A hold to retry comes before a fresh one.
    const fresh = told(register, 'preauth', 300, 'approved');
    expect(acts('release', register).some((a) => a.kind === 'follow-up' && a.target === fresh)).toBe(false);
    followUpOn(register, fresh, 'release');
    followUpOn(register, failed, 'complete', 'approved');
    followUpOn(register, declined, 'complete', 'failed', true);
    expect(acts('complete', register, 20).every((a) => a.kind === 'card')).toBe(true);
  });

  it('raises a hold neither released nor completed, again after increments; a completion then takes up to the hold as raised', () => {
    const register = new Register('t');
    const hold = told(register, 'preauth', 200, 'approved');
    const released = told(register, 'preauth', 200, 'approved');
    const completed = told(register, 'preauth', 200, 'approved');
    told(register, 'purchase', 500, 'approved');
    followUpOn(register, released, 'release');
    followUpOn(register, completed, 'complete');
    const increments = acts('increment', register);
    for (const act of increments) {
      expect(act).toMatchObject({ kind: 'follow-up', op: 'increment', target: hold, retry: false });
      if (act.amount !== DECLINED_INCREMENT) expect([act.amount >= 20, act.amount <= 200]).toEqual([true, true]);
    }
    // Some ask beyond the balance, for the host to decline.
    const declined = increments.filter((a) => a.amount === DECLINED_INCREMENT).length;
    expect(declined).toBeGreaterThan(10);
    expect(declined).toBeLessThan(70);
    // Raised by 150 (approved); the declined and failed increments raised nothing.
    followUpOn(register, hold, 'increment', 'approved', false, 150);
    followUpOn(register, hold, 'increment', 'declined', false, 90);
    followUpOn(register, hold, 'increment', 'failed', false, 70);
    expect(register.desk.heldBy(hold)).toBe(350);
    expect(acts('increment', register, 20).every((a) => a.kind === 'follow-up' && a.target === hold)).toBe(true);
    const completions = acts('complete', register, 400);
    expect(completions.every((a) => a.kind === 'follow-up' && a.target === hold && a.amount <= 350 && !a.retry)).toBe(true);
    expect(completions.some((a) => a.amount > 200)).toBe(true);
    // An increment whose end the register has not learned leaves the hold alone; so does a completion that took.
    followUpOn(register, hold, 'increment', 'approved', true, 40);
    expect(acts('increment', register, 20).every((a) => a.kind === 'card')).toBe(true);
    expect(acts('complete', register, 20).every((a) => a.kind === 'card')).toBe(true);
  });

  it('raises a hold after a completion that did not take, once its reversal is acknowledged (a retry)', () => {
    const register = new Register('t');
    const hold = told(register, 'preauth', 300, 'approved');
    followUpOn(register, hold, 'complete', 'failed');
    expect(acts('increment', register, 20).every((a) => a.kind === 'follow-up' && a.target === hold && a.retry)).toBe(true);
  });

  it('adjusts the tip of a purchase with no refund and no other follow-up', () => {
    const register = new Register('t');
    const sale = told(register, 'purchase', 100, 'approved');
    const tipped = told(register, 'purchase', 100, 'approved');
    told(register, 'refund', 10, 'approved', told(register, 'purchase', 100, 'approved').id);
    followUpOn(register, tipped, 'tip');
    for (const act of acts('tip', register)) {
      expect(act).toMatchObject({ kind: 'follow-up', op: 'tip', target: sale });
      expect(act.amount).toBeGreaterThanOrEqual(10);
    }
  });
});
