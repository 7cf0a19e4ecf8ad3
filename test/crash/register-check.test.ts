/** The register's judge on made-up purchases and ledgers: each way of telling the register wrong must be seen, or a green run proves nothing. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../bench/crash/host-sim.js';
import type { JournalRow, JournalSnapshot } from '../../bench/crash/journal-check.js';
import { judgeRegister } from '../../bench/crash/register-check.js';
import type { CancelRecord, RegisterPurchase, ToldOutcome, ToldStatus } from '../../bench/crash/register.js';

const TID = 'T0000001';

function entry(stan: string, amount: number, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  return { mti: '0200', terminalId: TID, stan, transmissionDateTime: '1124141435', maskedPan: '411111******1111', amountMinor: amount, currency: '978', kind: 'purchase', responseCode: '00', reversed: false, heldMinor: null, capturedMinor: null, completed: false, originalStan: null, ...fields };
}

function told(status: ToldStatus, stan: string | null, fields: Partial<ToldOutcome> = {}): ToldOutcome {
  const approved = status === 'approved';
  return { status, responseCode: approved ? '00' : null, authCode: approved ? 'A00001' : null, amount: 100, stan, errorCode: null, via: 'answer', ...fields };
}

function purchase(reference: string, t: ToldOutcome | null, fields: Partial<RegisterPurchase> = {}): RegisterPurchase {
  return { reference, type: 'purchase', amount: 100, originalId: null, phase: 'main', id: `id-${reference}`, told: t, unresolved: t === null, cancel: null, audit: null, ...fields };
}

function journal(rows: { reference: string; stan: string | null }[] = []): JournalSnapshot {
  const full: JournalRow[] = rows.map((r, i) => ({
    id: `row-${i}`,
    kind: 'purchase',
    reference: r.reference,
    state: 'failed',
    stan: r.stan,
    transmittedAt: null,
    amountMinor: 100,
    tipMinor: 0,
    currency: '978',
    maskedPan: null,
    responseCode: null,
    originalId: null,
    voidedAt: null,
    steps: ['created', 'failed'],
  }));
  return { integrity: ['ok'], rows: full };
}

const cancelled200: CancelRecord = { moment: 'sending', seenState: 'sending', httpStatus: 200 };

describe('judgeRegister', () => {
  it('passes a register told the truth: approved standing, declined, reversed failure, cancel that stopped, a refusal', () => {
    const v = judgeRegister(
      [
        purchase('r1', told('approved', '000001')),
        purchase('r2', told('declined', '000002', { responseCode: '51' })),
        purchase('r3', told('failed', '000003', { errorCode: 'HOST_TIMEOUT' })),
        purchase('r4', told('cancelled', null, { via: 'cancel' }), { cancel: cancelled200 }),
        purchase('r5', told('not-started', null, { via: 'refused', amount: null })),
        purchase('r6', told('cancelled', null), { cancel: { moment: 'after-card', seenState: null, httpStatus: 409 } }),
      ],
      [entry('000001', 100), entry('000002', 100, { responseCode: '51' }), entry('000003', 100, { reversed: true })],
      journal(),
      TID,
    );
    expect(v).toMatchObject({ purchases: 6, registerToldWrong: 0, registerNeverTold: 0, answersChanged: 0 });
    expect(v.told).toEqual({ approved: 1, declined: 1, cancelled: 2, failed: 1, voided: 0, 'not-started': 1 });
    expect(v.cancels).toEqual({ requested: 2, stopped: 1, refused: 1, stoppedWhileSending: 1, other: 0 });
    expect(v.problems).toEqual([]);
  });

  it.each([
    ['told approved, the host reversed it', told('approved', '000001'), [entry('000001', 100, { reversed: true })], /told approved 00 auth A00001 \(answer\), the host holds no standing approval/],
    ['told approved, the host declined it', told('approved', '000001'), [entry('000001', 100, { responseCode: '51' })], /no standing approval/],
    ['told approved for another amount', told('approved', '000001'), [entry('000001', 250)], /the host holds 250/],
    ['told failed, the approval stands', told('failed', '000001'), [entry('000001', 100)], /told failed .* standing approval .*: a charge the register thinks did not happen/],
    ['told cancelled, the approval stands', told('cancelled', '000001'), [entry('000001', 100)], /told cancelled/],
    ['told not started, the approval stands', told('not-started', '000001'), [entry('000001', 100)], /told not-started/],
    ['told failed with response code 00 (the reversal went through)', told('failed', '000001', { responseCode: '00' }), [entry('000001', 100, { reversed: true })], /an approving code on a result that did not honour it/],
    ['told declined with an auth code', told('declined', '000001', { responseCode: '05', authCode: 'A00009' }), [entry('000001', 100, { responseCode: '05' })], /approving code/],
  ])('counts %s', (_name, t, ledger, problem) => {
    const v = judgeRegister([purchase('r1', t)], ledger, journal(), TID);
    expect(v.registerToldWrong).toBe(1);
    expect(v.problems.join('\n')).toMatch(problem);
  });

  it('finds the STAN of a purchase told without one through the journal row of its reference', () => {
    const v = judgeRegister([purchase('r1', told('not-started', null))], [entry('000007', 100)], journal([{ reference: 'r1', stan: '000007' }]), TID);
    expect(v.registerToldWrong).toBe(1);
    expect(v.problems.join('\n')).toMatch(/purchase r1 \(100, STAN 000007\) told not-started/);
  });

  it('counts an approval standing at the host that no purchase owns', () => {
    const v = judgeRegister([purchase('r1', told('approved', '000001'))], [entry('000001', 100), entry('000009', 300)], journal(), TID);
    expect(v.registerToldWrong).toBe(1);
    expect(v.problems.join('\n')).toMatch(/no purchase of the register owns \(0200 STAN 000009 300/);
  });

  it('counts a 200 cancel whose purchase the host saw, even if declined there, and one whose result is not cancelled', () => {
    const v = judgeRegister(
      [
        purchase('r1', told('cancelled', '000001', { via: 'cancel' }), { cancel: cancelled200 }),
        purchase('r2', told('approved', '000002', { via: 'cancel' }), { cancel: cancelled200 }),
      ],
      [entry('000001', 100, { responseCode: '51' }), entry('000002', 100)],
      journal(),
      TID,
    );
    expect(v.registerToldWrong).toBe(2);
    expect(v.problems.join('\n')).toMatch(/r1 .*cancel answered 200 \(seen sending\), but the host saw the purchase/);
    expect(v.problems.join('\n')).toMatch(/r2 .*cancel answered 200, the result is approved/);
  });

  it('counts a purchase whose end the register never learned, and an answer the terminal changed later', () => {
    const v = judgeRegister(
      [purchase('r1', null), purchase('r2', told('failed', '000002'), { audit: told('approved', '000002', { via: 'look-up' }) })],
      [entry('000002', 100, { reversed: true })],
      journal(),
      TID,
    );
    expect(v.registerNeverTold).toBe(1);
    expect(v.answersChanged).toBe(1);
    expect(v.problems.join('\n')).toMatch(/answer changed: main purchase r2 .* was told failed \(answer\), the terminal now says approved/);
  });

  it("ignores another terminal's entries and requests that move no money", () => {
    const v = judgeRegister([], [entry('000001', 100, { terminalId: 'T0000002' }), entry('000002', 100, { mti: '0800' })], journal(), TID);
    expect(v.registerToldWrong).toBe(0);
  });
});
