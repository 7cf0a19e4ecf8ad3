/** The register's judge on made-up purchases and ledgers: each way of telling the register wrong must be seen, or a green run proves nothing. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../bench/crash/host-sim.js';
import type { JournalRow, JournalSnapshot } from '../../bench/crash/journal-check.js';
import { judgeRegister } from '../../bench/crash/register-check.js';
import type { FollowUpOp, FollowUpStatus, RegisterFollowUp } from '../../bench/crash/register-follow-ups.js';
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

function followUp(op: FollowUpOp, target: RegisterPurchase, status: FollowUpStatus | null, fields: Partial<RegisterFollowUp> = {}, stan: string | null = null): RegisterFollowUp {
  return {
    op,
    target,
    amount: 0,
    sentAt: '2026-11-24T14:14:35.000Z',
    told: status === null ? null : { status, id: null, stan, responseCode: status === 'approved' ? '00' : null, errorCode: null, via: 'answer' },
    unresolved: status === null,
    httpStatus: status === null ? null : 200,
    ...fields,
  };
}

describe('judgeRegister: follow-ups', () => {
  const sale = (): RegisterPurchase => purchase('r1', told('approved', '000001'));
  const hold = (): RegisterPurchase => purchase('h1', told('approved', '000005', { amount: 400 }), { type: 'preauth', amount: 400 });
  const capture = (stan: string, amount: number, fields: Partial<LedgerEntry> = {}): LedgerEntry =>
    entry(stan, amount, { mti: '0220', kind: 'completion', originalStan: '000005', capturedMinor: amount, ...fields });

  it('passes voids and releases reversed at the host, a completion captured as told, a tip the host captures, a void that did not take', () => {
    const voided = { ...sale(), audit: told('voided', '000001', { via: 'look-up' }) };
    const tipped = purchase('r2', told('approved', '000002'));
    const kept = purchase('r3', told('approved', '000003'));
    const released = purchase('h2', told('approved', '000006', { amount: 300 }), { type: 'preauth', amount: 300, audit: told('voided', '000006', { via: 'look-up' }) });
    const completed = hold();
    const purchases = [voided, tipped, kept, released, completed];
    const book = [
      entry('000001', 100, { reversed: true }),
      entry('000002', 100, { capturedMinor: 130 }),
      entry('000003', 100, { capturedMinor: 100 }),
      entry('000006', 300, { mti: '0100', kind: 'preauth', reversed: true }),
      entry('000005', 400, { mti: '0100', kind: 'preauth', completed: true }),
      capture('000007', 350),
    ];
    // Without the follow-ups the same book is a lie: r1 and h2 told approved are reversed, r2 captures a tip, the capture is nobody's.
    expect(judgeRegister(purchases, book, journal(), TID, []).registerToldWrong).toBe(4);

    const ok = judgeRegister(purchases, book, journal(), TID, [
      followUp('void', voided, 'voided'),
      followUp('tip', tipped, 'approved', { amount: 30 }),
      followUp('void', kept, 'not-done'),
      followUp('release', released, 'voided'),
      followUp('complete', completed, 'approved', { amount: 350 }, '000007'),
    ]);
    expect(ok.problems).toEqual([]);
    expect(ok).toMatchObject({ registerToldWrong: 0, registerNeverTold: 0, answersChanged: 0 });
    expect(ok.followUps.void).toMatchObject({ voided: 1, 'not-done': 1 });
    expect(ok.followUps.complete.approved).toBe(1);
    expect(ok.byType.preauth.approved).toBe(2);
  });

  it('fails a register told voided for a sale still standing', () => {
    const p = sale();
    const v = judgeRegister([p], [entry('000001', 100)], journal(), TID, [followUp('void', p, 'voided')]);
    expect(v.registerToldWrong).toBe(1);
    expect(v.problems.join('\n')).toMatch(/purchase r1 .* told voided \(answer\), but it still stands at the host/);
  });

  it('fails a completion told approved that the host does not hold captured, or for another amount', () => {
    const h = hold();
    const preauth = entry('000005', 400, { mti: '0100', kind: 'preauth', completed: true });
    const none = judgeRegister([h], [preauth, capture('000007', 350, { reversed: true })], journal(), TID, [followUp('complete', h, 'approved', { amount: 350 }, '000007')]);
    expect(none.registerToldWrong).toBe(1);
    expect(none.problems.join('\n')).toMatch(/complete #1 of h1 \(350\) told approved 00 .* no standing capture of STAN 000007/);
    const other = judgeRegister([h], [preauth, capture('000007', 300)], journal(), TID, [followUp('complete', h, 'approved', { amount: 350 }, '000007')]);
    expect(other.problems.join('\n')).toMatch(/the host captured 0220 STAN 000007 300/);
  });

  it('fails a completion told failed while its capture stands, and counts one never told', () => {
    const h = hold();
    const v = judgeRegister(
      [h],
      [entry('000005', 400, { mti: '0100', kind: 'preauth', completed: true }), capture('000007', 350)],
      journal(),
      TID,
      [followUp('complete', h, 'failed', { amount: 350 }, '000007'), followUp('release', h, null)],
    );
    expect(v.registerToldWrong).toBe(1);
    expect(v.problems.join('\n')).toMatch(/told failed .* but the host holds a capture of the pre-authorization/);
    expect(v.registerNeverTold).toBe(1);
  });

  it('takes a failed completion then one approved (a retry) as told, but not a failed one whose own capture stands', () => {
    const h = hold();
    const preauth = entry('000005', 400, { mti: '0100', kind: 'preauth', completed: true });
    const retried = [followUp('complete', h, 'failed', { amount: 300 }, '000007'), followUp('complete', h, 'approved', { amount: 200 }, '000008')];
    const ok = judgeRegister([h], [preauth, capture('000007', 300, { reversed: true }), capture('000008', 200)], journal(), TID, retried);
    expect(ok.problems).toEqual([]);
    const standing = judgeRegister([h], [preauth, capture('000007', 300), capture('000008', 200)], journal(), TID, retried);
    expect(standing.registerToldWrong).toBe(1);
    expect(standing.problems.join('\n')).toMatch(/complete #1 of h1 \(300\) told failed .* capture of the pre-authorization \(0220 STAN 000007 300/);
  });

  it('fails a tip told approved the host does not capture, and one told not done the host does', () => {
    const p = sale();
    const approved = judgeRegister([p], [entry('000001', 100, { capturedMinor: 100 })], journal(), TID, [followUp('tip', p, 'approved', { amount: 25 })]);
    expect(approved.problems.join('\n')).toMatch(/with a tip of 25, the host captures 100/);
    const notDone = judgeRegister([p], [entry('000001', 100, { capturedMinor: 125 })], journal(), TID, [followUp('tip', p, 'not-done', { amount: 25 })]);
    expect(notDone.problems.join('\n')).toMatch(/with a tip of 0, the host captures 125/);
  });

  it('takes increments standing at the host amount for amount as told (a lost one reversed), and fails any other', () => {
    const h = hold();
    const journalRow = (id: string, kind: string, stan: string, amountMinor: number, fields: Partial<JournalRow> = {}): JournalRow => ({
      id, kind, reference: null, state: 'completed', stan, transmittedAt: null, amountMinor, tipMinor: 0, currency: '978', maskedPan: null, responseCode: '00', originalId: 'pre', voidedAt: null, steps: [], ...fields,
    });
    const rows: JournalRow[] = [
      journalRow('pre', 'preauth', '000005', 550, { reference: 'h1', originalId: null }),
      journalRow('inc-1', 'incremental', '000008', 100),
      journalRow('inc-2', 'incremental', '000009', 60, { state: 'reversed', responseCode: null }),
      journalRow('inc-3', 'incremental', '000010', 50),
    ];
    const raise = (stan: string, amount: number, fields: Partial<LedgerEntry> = {}): LedgerEntry => entry(stan, amount, { mti: '0100', kind: 'incremental', originalStan: '000005', ...fields });
    const book = [entry('000005', 400, { mti: '0100', kind: 'preauth', heldMinor: 550 }), raise('000008', 100), raise('000009', 60, { reversed: true }), raise('000010', 50)];
    const asTold = (second: FollowUpStatus, third: FollowUpStatus): RegisterFollowUp[] => [
      followUp('increment', h, 'approved', { amount: 100 }),
      followUp('increment', h, second, { amount: 60 }),
      followUp('increment', h, third, { amount: 50 }),
    ];
    const ok = judgeRegister([h], book, { integrity: ['ok'], rows }, TID, asTold('failed', 'approved'));
    expect(ok.problems).toEqual([]);
    expect(ok.followUps.increment).toMatchObject({ approved: 2, failed: 1 });

    // Told declined, the host raised the hold by it.
    const unseen = judgeRegister([h], book, { integrity: ['ok'], rows }, TID, asTold('failed', 'declined'));
    expect(unseen.registerToldWrong).toBe(1);
    expect(unseen.problems.join('\n')).toMatch(/increments of h1 \(STAN 000005\) told 100 approved \(answer\), 60 failed \(answer\), 50 declined \(answer\), the host has standing 0100 STAN 000008 100 .*, 0100 STAN 000010 50/);
    // Told approved, the host reversed it.
    const reversed = judgeRegister([h], book, { integrity: ['ok'], rows }, TID, asTold('approved', 'approved'));
    expect(reversed.registerToldWrong).toBe(1);
    // One never told is counted as such, not judged.
    const never = judgeRegister([h], book, { integrity: ['ok'], rows }, TID, [...asTold('failed', 'approved'), followUp('increment', h, null, { amount: 70 })]);
    expect(never).toMatchObject({ registerToldWrong: 0, registerNeverTold: 1 });
  });

  it('owns a completion the register never learned of through the journal row naming its pre-authorization', () => {
    const h = hold();
    const rows: JournalRow[] = [
      { id: 'pre', kind: 'preauth', reference: 'h1', state: 'completed', stan: '000005', transmittedAt: null, amountMinor: 400, tipMinor: 0, currency: '978', maskedPan: null, responseCode: '00', originalId: null, voidedAt: null, steps: [] },
      { id: 'com', kind: 'completion', reference: null, state: 'completed', stan: '000007', transmittedAt: null, amountMinor: 50, tipMinor: 0, currency: '978', maskedPan: null, responseCode: '00', originalId: 'pre', voidedAt: null, steps: [] },
    ];
    const v = judgeRegister([h], [entry('000005', 400, { mti: '0100', kind: 'preauth', completed: true }), capture('000007', 50)], { integrity: ['ok'], rows }, TID, [
      followUp('complete', h, 'approved', { amount: 50 }, '000007'),
    ]);
    expect(v.problems).toEqual([]);
    const stranger = judgeRegister([h], [entry('000005', 400, { mti: '0100', kind: 'preauth' }), capture('000009', 50)], journal(), TID, []);
    expect(stranger.problems.join('\n')).toMatch(/no purchase of the register owns \(0220 STAN 000009/);
  });
});
