/** The crash test's judge of each kind's money on made-up books and journals: each way money can stand wrong must be seen, or a green run proves nothing. */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../bench/crash/host-sim.js';
import type { JournalRow, JournalSnapshot } from '../../bench/crash/journal-check.js';
import { judgeMoney, MONEY_FAULTS, type MoneyVerdict } from '../../bench/crash/money-check.js';

const TID = 'T0000001';
const PAN = '411111******1111';

function entry(mti: string, stan: string, amount: number, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  const kind = fields.kind ?? (mti === '0100' ? 'preauth' : 'purchase');
  return {
    mti,
    terminalId: TID,
    stan,
    transmissionDateTime: '1124141435',
    maskedPan: PAN,
    amountMinor: amount,
    currency: '978',
    kind,
    responseCode: '00',
    reversed: false,
    heldMinor: kind === 'preauth' ? amount : null,
    capturedMinor: kind === 'preauth' || kind === 'tip-adjust' ? null : amount,
    completed: false,
    originalStan: null,
    ...fields,
  };
}

/** A reversal that undid its original (the simulator names the card on it); `repeat`: one that moved nothing. */
function reversal(originalStan: string, repeat = false): LedgerEntry {
  return entry('0400', originalStan, 0, { kind: null, capturedMinor: null, heldMinor: null, originalStan, maskedPan: repeat ? null : PAN });
}

function row(kind: string, id: string, stan: string, amount: number, fields: Partial<JournalRow> = {}): JournalRow {
  return {
    id,
    kind,
    reference: null,
    state: 'completed',
    stan,
    transmittedAt: '2026-11-24T14:14:35.120Z',
    amountMinor: amount,
    tipMinor: 0,
    currency: '978',
    maskedPan: PAN,
    responseCode: '00',
    originalId: null,
    voidedAt: null,
    steps: ['created', 'created', 'request-sent', 'response-received', 'completed'],
    ...fields,
  };
}

const VOIDED: Partial<JournalRow> = { state: 'reversed', voidedAt: '2026-11-24T14:15:00.000Z', steps: ['created', 'created', 'request-sent', 'response-received', 'completed', 'reversal-pending', 'reversed'] };

function journal(rows: JournalRow[]): JournalSnapshot {
  return { integrity: ['ok'], rows };
}

/** An incremental authorization at the host: a 0100 naming its hold, adding to it; no capture of its own. */
function increment(stan: string, amount: number, holdStan: string, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  return entry('0100', stan, amount, { kind: 'incremental', originalStan: holdStan, heldMinor: null, capturedMinor: null, ...fields });
}

const LOST: Partial<JournalRow> = { state: 'reversed', steps: ['created', 'request-sent', 'reversal-pending', 'reversed'] };

/**
 * A day at the counter that went right: a sale, a voided sale, a tipped
 * sale, a refund, holds open (one raised by an increment, one increment
 * declined and one whose answer was lost, so reversed), completed and
 * released.
 */
function goodDay(): { ledger: LedgerEntry[]; rows: JournalRow[] } {
  return {
    ledger: [
      entry('0200', '000001', 300),
      entry('0200', '000002', 200, { reversed: true }),
      reversal('000002'),
      reversal('000002', true),
      entry('0200', '000003', 100, { capturedMinor: 140 }),
      entry('0220', '000004', 140, { kind: 'tip-adjust', originalStan: '000003' }),
      entry('0200', '000005', 120, { kind: 'refund', capturedMinor: 120 }),
      entry('0100', '000006', 500, { heldMinor: 600 }),
      increment('000013', 100, '000006'),
      increment('000014', 50, '000006', { reversed: true }),
      reversal('000014'),
      increment('000015', 900, '000006', { responseCode: '51' }),
      entry('0100', '000007', 400, { heldMinor: 0, completed: true }),
      entry('0220', '000008', 350, { kind: 'completion', originalStan: '000007' }),
      entry('0100', '000009', 250, { heldMinor: 0, reversed: true }),
      reversal('000009'),
    ],
    rows: [
      row('purchase', 'sale', '000001', 300),
      row('purchase', 'voided-sale', '000002', 200, VOIDED),
      row('purchase', 'tipped', '000003', 140, { tipMinor: 40 }),
      row('tip-adjust', 'tip', '000004', 140, { originalId: 'tipped', tipMinor: 40 }),
      row('refund', 'refund', '000005', 120, { originalId: 'sale' }),
      row('preauth', 'hold', '000006', 600),
      row('incremental', 'raise', '000013', 100, { originalId: 'hold' }),
      row('incremental', 'lost-raise', '000014', 50, { originalId: 'hold', ...LOST }),
      row('incremental', 'declined-raise', '000015', 900, { originalId: 'hold', state: 'declined', responseCode: '51', steps: ['created', 'request-sent', 'response-received', 'declined'] }),
      row('preauth', 'completed-hold', '000007', 400),
      row('completion', 'completion', '000008', 350, { originalId: 'completed-hold' }),
      row('preauth', 'released-hold', '000009', 250, VOIDED),
    ],
  };
}

/** The fault counts that are not 0. */
function faults(v: MoneyVerdict): Record<string, number> {
  const found: Record<string, number> = {};
  for (const key of MONEY_FAULTS) if (v[key] !== 0) found[key] = v[key];
  return found;
}

describe('judgeMoney', () => {
  it('passes a day where every kind stands as the journal says (a reversal repeat moves nothing and is no second reversal)', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney(ledger, journal(rows), TID);
    expect(v.problems).toEqual([]);
    expect(faults(v)).toEqual({});
    expect(v.heldMinor).toBe(600);
    expect(v.refundedMinor).toBe(120);
    expect(v.kinds).toEqual({
      purchase: { rows: 3, standing: 2, voided: 1, reversed: 0 },
      refund: { rows: 1, standing: 1, voided: 0, reversed: 0 },
      preauth: { rows: 3, standing: 2, voided: 1, reversed: 0 },
      completion: { rows: 1, standing: 1, voided: 0, reversed: 0 },
      'tip-adjust': { rows: 1, standing: 1, voided: 0, reversed: 0 },
      incremental: { rows: 3, standing: 1, voided: 0, reversed: 1 },
    });
  });

  it('fails a void reversed twice at the host', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney([...ledger, reversal('000002')], journal(rows), TID);
    expect(faults(v)).toEqual({ doubleReversed: 1 });
    expect(v.problems.join('\n')).toMatch(/STAN 000002 was reversed 2 times at the host/);
  });

  it('fails a refund credited twice, and refunds beyond their purchase', () => {
    const { ledger, rows } = goodDay();
    const twice = judgeMoney([...ledger, entry('0200', '000005', 120, { kind: 'refund' })], journal(rows), TID);
    expect(faults(twice)).toEqual({ overRefunded: 1 });
    expect(twice.problems.join('\n')).toMatch(/refund refund \(STAN 000005, 120, completed\) credited 2 times at the host/);

    const beyond = judgeMoney(
      [...ledger, entry('0200', '000010', 200, { kind: 'refund' })],
      journal([...rows, row('refund', 'refund-2', '000010', 200, { originalId: 'sale' })]),
      TID,
    );
    // Beyond at the host and in the journal.
    expect(faults(beyond)).toEqual({ overRefunded: 2 });
    expect(beyond.problems.join('\n')).toMatch(/the refunds of purchase sale .* credit 320 at the host, beyond its 300/);
  });

  it('fails a completion captured twice, at the host or in the journal, and a capture beyond the hold', () => {
    const { ledger, rows } = goodDay();
    const atHost = judgeMoney([...ledger, entry('0220', '000011', 350, { kind: 'completion', originalStan: '000007' })], journal(rows), TID);
    expect(atHost.doubleCaptured).toBe(1);
    expect(atHost.overCaptured).toBe(1);
    expect(atHost.problems.join('\n')).toMatch(/preauth completed-hold .* captured 2 times at the host/);

    const inJournal = judgeMoney(
      [...ledger, entry('0220', '000011', 10, { kind: 'completion', originalStan: '000006' }), entry('0220', '000012', 10, { kind: 'completion', originalStan: '000006' })],
      journal([...rows, row('completion', 'c1', '000011', 10, { originalId: 'hold' }), row('completion', 'c2', '000012', 10, { originalId: 'hold' })]),
      TID,
    );
    expect(inJournal.doubleCaptured).toBe(2);
  });

  it('takes a completion reversed (its answer lost) and a second one captured as one capture of the hold', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney(
      [
        ...ledger.map((e) => (e.stan === '000006' && e.kind === 'preauth' ? { ...e, heldMinor: 0, completed: true } : e)),
        entry('0220', '000011', 300, { kind: 'completion', originalStan: '000006', reversed: true }),
        reversal('000011'),
        entry('0220', '000012', 450, { kind: 'completion', originalStan: '000006' }),
      ],
      journal([
        ...rows,
        row('completion', 'lost-answer', '000011', 300, { originalId: 'hold', state: 'reversed', steps: ['created', 'created', 'request-sent', 'reversal-pending', 'reversed'] }),
        row('completion', 'again', '000012', 450, { originalId: 'hold' }),
      ]),
      TID,
    );
    expect(v.problems).toEqual([]);
    expect(v.kinds.completion).toEqual({ rows: 3, standing: 2, voided: 0, reversed: 1 });
  });

  it('fails a released or completed hold still holding, and an open hold the host holds otherwise', () => {
    const { ledger, rows } = goodDay();
    const held = ledger.map((e) => (e.stan === '000009' && e.mti === '0100' ? { ...e, heldMinor: 250 } : e.stan === '000007' && e.mti === '0100' ? { ...e, heldMinor: 50 } : e));
    const v = judgeMoney(held, journal(rows), TID);
    expect(faults(v)).toEqual({ holdsLeft: 2 });
    expect(v.problems.join('\n')).toMatch(/released-hold .* was released, the host still holds 250/);

    const open = judgeMoney(
      ledger.map((e) => (e.stan === '000006' ? { ...e, heldMinor: 599 } : e)),
      journal(rows),
      TID,
    );
    expect(faults(open)).toEqual({ amountsDiffer: 1 });
  });

  it('takes a completion up to the hold as raised, and fails one beyond it, at the host and in the journal', () => {
    const { ledger, rows } = goodDay();
    const completedAt = (amount: number): MoneyVerdict =>
      judgeMoney(
        [...ledger.map((e) => (e.stan === '000006' && e.kind === 'preauth' ? { ...e, heldMinor: 0, completed: true } : e)), entry('0220', '000016', amount, { kind: 'completion', originalStan: '000006' })],
        journal([...rows, row('completion', 'all-of-it', '000016', amount, { originalId: 'hold' })]),
        TID,
      );
    expect(completedAt(600).problems).toEqual([]);
    const beyond = completedAt(620);
    expect(faults(beyond)).toEqual({ overCaptured: 2 });
    expect(beyond.problems.join('\n')).toMatch(/the host captured 620 of a hold of 600/);
  });

  it('fails a hold raised at the host but not in the journal', () => {
    const { ledger, rows } = goodDay();
    // The journal took the increment for reversed (and its hold stayed at 500); the host still has it.
    const reversedHere = judgeMoney(
      ledger,
      journal(rows.map((r) => (r.id === 'raise' ? { ...r, ...LOST } : r.id === 'hold' ? { ...r, amountMinor: 500 } : r))),
      TID,
    );
    expect(faults(reversedHere)).toEqual({ amountsDiffer: 1 });
    expect(reversedHere.problems.join('\n')).toMatch(/preauth hold \(STAN 000006, 500, completed\): the host holds 600 for it/);
    // The increment completed, but its hold's amount was never raised.
    const notApplied = judgeMoney(ledger, journal(rows.map((r) => (r.id === 'hold' ? { ...r, amountMinor: 500 } : r))), TID);
    expect(faults(notApplied)).toEqual({ amountsDiffer: 2 });
    expect(notApplied.problems.join('\n')).toMatch(/the journal holds 500, its approval of 500 and its completed increments of 100 make 600/);
  });

  it('fails an increment applied twice: at the host (two standing, or the hold raised twice) or in the journal', () => {
    const { ledger, rows } = goodDay();
    const twoStanding = judgeMoney([...ledger, increment('000013', 100, '000006')], journal(rows), TID);
    expect(twoStanding.doubleIncremented).toBe(1);
    expect(twoStanding.problems.join('\n')).toMatch(/incremental raise .* applied 2 times at the host/);

    const raisedTwice = judgeMoney(
      ledger.map((e) => (e.stan === '000006' ? { ...e, heldMinor: 700 } : e)),
      journal(rows),
      TID,
    );
    expect(faults(raisedTwice)).toEqual({ doubleIncremented: 1 });
    expect(raisedTwice.problems.join('\n')).toMatch(/the host holds 700 for it, beyond its approval of 500 and the increments standing \(100\)/);

    const inJournal = judgeMoney(ledger, journal(rows.map((r) => (r.id === 'hold' ? { ...r, amountMinor: 700 } : r))), TID);
    expect(faults(inJournal)).toEqual({ doubleIncremented: 1, amountsDiffer: 1 });
  });

  it('fails an increment row left without its end', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney(ledger, journal(rows.map((r) => (r.id === 'lost-raise' ? { ...r, state: 'reversal-pending', steps: ['created', 'request-sent', 'reversal-pending'] } : r))), TID);
    expect(faults(v)).toEqual({ incrementsUnended: 1 });
    expect(v.problems.join('\n')).toMatch(/incremental lost-raise .* of hold did not end/);
  });

  it('fails a voided sale still standing at the host', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney(
      ledger.filter((e) => !(e.mti === '0400' && e.originalStan === '000002')).map((e) => (e.stan === '000002' ? { ...e, reversed: false } : e)),
      journal(rows),
      TID,
    );
    expect(faults(v)).toEqual({ voidsStanding: 1 });
    expect(v.problems.join('\n')).toMatch(/voided purchase voided-sale .* still stands at the host/);
  });

  it('fails a tip the journal applied that the host does not capture', () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney(
      ledger.map((e) => (e.stan === '000003' ? { ...e, capturedMinor: 100 } : e)),
      journal(rows),
      TID,
    );
    expect(faults(v)).toEqual({ amountsDiffer: 1 });
    expect(v.problems.join('\n')).toMatch(/purchase tipped .*140.* the host captures 100/);
  });

  it("ignores another terminal's entries", () => {
    const { ledger, rows } = goodDay();
    const v = judgeMoney([...ledger, { ...reversal('000002'), terminalId: 'T0000002' }, entry('0200', '000005', 120, { kind: 'refund', terminalId: 'T0000002' })], journal(rows), TID);
    expect(faults(v)).toEqual({});
  });
});
