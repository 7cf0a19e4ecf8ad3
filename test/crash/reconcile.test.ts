/** The crash test's judge on made-up ledgers and journals: it must see each kind of failure, or a green run proves nothing. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../bench/crash/host-sim.js';
import type { JournalRow, JournalSnapshot } from '../../bench/crash/journal-check.js';
import { reconcile } from '../../bench/crash/reconcile.js';

const TID = 'T0000001';

function entry(stan: string, amount: number, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  return { mti: '0200', terminalId: TID, stan, transmissionDateTime: '1124141435', maskedPan: '411111******1111', amountMinor: amount, currency: '978', kind: 'purchase', responseCode: '00', reversed: false, heldMinor: null, capturedMinor: null, completed: false, originalStan: null, ...fields };
}

function row(id: string, stan: string | null, state: string, steps: string[], amount = 100, responseCode: string | null = '00'): JournalRow {
  return { id, kind: 'purchase', reference: null, state, stan, transmittedAt: '2026-11-24T14:14:35.120Z', amountMinor: amount, tipMinor: 0, currency: '978', maskedPan: '411111******1111', responseCode, originalId: null, voidedAt: null, steps };
}

const COMPLETED = ['created', 'created', 'request-sent', 'response-received', 'completed'];
const REVERSED = ['created', 'created', 'request-sent', 'reversal-pending', 'reversed'];

function journal(rows: JournalRow[], integrity: string[] = ['ok']): JournalSnapshot {
  return { integrity, rows };
}

describe('reconcile', () => {
  it('passes a consistent run: completed, reversed, declined', () => {
    const v = reconcile(
      [entry('000002', 100), entry('000003', 50, { reversed: true }), entry('000004', 70, { responseCode: '51' })],
      journal([row('a', '000002', 'completed', COMPLETED), row('b', '000003', 'reversed', REVERSED), row('c', '000004', 'declined', ['created', 'created', 'request-sent', 'response-received', 'declined'], 70, '51')]),
      TID,
    );
    expect(v).toMatchObject({ hostApproved: 2, completed: 1, reversed: 1, doubleCharged: 0, lost: 0, corruptRows: 0, chargedTotal: 100, completedTotal: 100 });
    expect(v.problems).toEqual([]);
  });

  it('counts an approval standing at the host that the journal did not complete as lost', () => {
    const v = reconcile([entry('000002', 100)], journal([row('a', '000002', 'failed', ['created', 'created', 'request-sent', 'failed'], 100, null)]), TID);
    expect(v.lost).toBe(1);
    expect(v.problems.join('\n')).toMatch(/lost: host approval STAN 000002 .* journal a is failed/);
  });

  it('counts an approval with no journal row at all as lost', () => {
    expect(reconcile([entry('000009', 100)], journal([]), TID).lost).toBe(1);
  });

  it('counts two standing approvals for one STAN as a double charge', () => {
    const v = reconcile([entry('000002', 100), entry('000002', 100)], journal([row('a', '000002', 'completed', COMPLETED)]), TID);
    expect(v.doubleCharged).toBe(1);
  });

  it('finds corrupt rows: unknown state, forbidden step, history out of step, left mid-transaction, bad integrity check', () => {
    const v = reconcile(
      [],
      journal(
        [
          row('a', '000002', 'approved-ish', ['created']),
          row('b', '000003', 'completed', ['created', 'completed']),
          row('c', '000004', 'completed', ['created', 'created', 'request-sent', 'response-received']),
          row('d', '000005', 'request-sent', ['created', 'request-sent']),
          row('e', null, 'reversed', REVERSED),
        ],
        ['*** in database main ***', 'Page 7 is never used'],
      ),
      TID,
    );
    expect(v.corruptRows).toBe(5 + 2);
  });

  it('says when the send time in the journal is not the DE 7 the host received (a recovered reversal would miss its original)', () => {
    const v = reconcile([entry('000002', 100, { transmissionDateTime: '1124141434' })], journal([row('a', '000002', 'completed', COMPLETED)]), TID);
    expect(v.problems.join('\n')).toMatch(/sent at 1124141435, the host received DE 7 1124141434/);
  });

  it('says when a completed sale stands nowhere at the host', () => {
    const v = reconcile([], journal([row('a', '000002', 'completed', COMPLETED)]), TID);
    expect(v.problems.join('\n')).toMatch(/no standing approval/);
  });

  it('takes a void as the one step out of completed, only with voided_at, and a tip adjustment re-recording completed', () => {
    const voidedSteps = [...COMPLETED, 'reversal-pending', 'reversed'];
    const v = reconcile(
      [entry('000002', 100, { reversed: true }), entry('000003', 100, { capturedMinor: 130 })],
      journal([
        { ...row('a', '000002', 'reversed', voidedSteps), voidedAt: '2026-11-24T14:15:00.000Z' },
        row('b', '000003', 'completed', [...COMPLETED, 'completed'], 130),
      ]),
      TID,
    );
    expect(v.problems).toEqual([]);
    expect(v.corruptRows).toBe(0);
    const notVoided = reconcile([entry('000002', 100, { reversed: true })], journal([row('a', '000002', 'reversed', voidedSteps)]), TID);
    expect(notVoided.corruptRows).toBe(1);
    expect(notVoided.problems.join('\n')).toMatch(/step completed > reversal-pending is not allowed/);
  });

  it('sees completions and tip adjustments sent as advices, and compares purchases and completions at what they capture now', () => {
    const v = reconcile(
      [
        entry('000002', 100, { capturedMinor: 140 }),
        entry('000003', 140, { mti: '0220', kind: 'tip-adjust' }),
        entry('000004', 500, { mti: '0100', kind: 'preauth', heldMinor: 0, completed: true }),
        entry('000005', 350, { mti: '0220', kind: 'completion', capturedMinor: 350, originalStan: '000004' }),
        entry('000006', 60, { kind: 'refund', capturedMinor: 60 }),
      ],
      journal([
        row('a', '000002', 'completed', COMPLETED, 140),
        { ...row('b', '000003', 'completed', COMPLETED, 140), kind: 'tip-adjust', originalId: 'a' },
        { ...row('c', '000004', 'completed', COMPLETED, 500), kind: 'preauth' },
        { ...row('d', '000005', 'completed', COMPLETED, 350), kind: 'completion', originalId: 'c' },
        { ...row('e', '000006', 'completed', COMPLETED, 60), kind: 'refund', originalId: 'a' },
      ]),
      TID,
    );
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ hostApproved: 5, completed: 5, chargedTotal: 490, completedTotal: 490 });
    const lostCompletion = reconcile([entry('000005', 350, { mti: '0220', kind: 'completion' })], journal([]), TID);
    expect(lostCompletion.lost).toBe(1);
  });
});
