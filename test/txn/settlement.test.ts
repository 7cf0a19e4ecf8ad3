/** The batch close (src/txn/settlement.ts) over a real journal, with the host's 0500/0510 scripted. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReconciliationRequest, ReconciliationResponse } from '../../src/host/messages/reconciliation.js';
import { ZERO_TOTALS } from '../../src/host/messages/reconciliation.js';
import type { Journal } from '../../src/txn/journal/journal.js';
import { closeBatch, reconciliationTotals, type BatchCloseDeps } from '../../src/txn/settlement.js';
import { card, currencyTotals, openJournal, tempDir } from './journal-helpers.js';

const TERMINAL = { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' };
const AT = new Date('2025-03-01T18:00:00Z');

const open: Journal[] = [];
afterEach(() => {
  for (const j of open.splice(0)) j.close();
});

function journalWith(...sales: readonly { id: string; amountMinor: number; currency?: string; end: 'completed' | 'reversal-pending' }[]): Journal {
  const journal = openJournal(tempDir());
  open.push(journal);
  for (const s of sales) {
    journal.steps.begin({ id: s.id, amountMinor: s.amountMinor, currency: s.currency ?? '978', card: card() });
    journal.steps.requestSent(s.id, { stan: journal.stan.next(), transmittedAt: AT });
    if (s.end === 'reversal-pending') {
      journal.reversals.owe(s.id, 'HOST_TIMEOUT');
      continue;
    }
    journal.steps.responseReceived(s.id, { responseCode: '00', authCode: 'A1B2C3', rrn: '1' });
    journal.steps.complete(s.id);
  }
  return journal;
}

/** A host that answers every 0500 with `responseCode` and its own totals (ours unless told otherwise), recording what it was sent. */
function hostAnswering(responseCode: string, theirs?: ReconciliationResponse['hostTotals']) {
  const requests: ReconciliationRequest[] = [];
  const reconcile = (request: ReconciliationRequest): Promise<ReconciliationResponse> => {
    requests.push(request);
    return Promise.resolve({ responseCode, inBalance: responseCode === '00', hostTotals: theirs ?? request.totals });
  };
  return { requests, reconcile };
}

function deps(journal: Journal, reconcile: BatchCloseDeps['reconcile'], drainReversals: BatchCloseDeps['drainReversals'] = () => Promise.resolve({ acknowledged: 0, remaining: journal.reversals.pending().length, stoppedBy: null })): BatchCloseDeps {
  return { journal, drainReversals, reconcile, terminal: TERMINAL, clock: () => AT };
}

describe('reconciliationTotals', () => {
  it('adds reversed purchases back to the debits, as the host counts them (ISO 8583:1987 DE 76/77)', () => {
    const totals = currencyTotals('978', { debits: [3, 3000], credits: [1, 200], reversals: [2, 700] }, 2800);
    expect(reconciliationTotals(totals)).toEqual({
      ...ZERO_TOTALS,
      debitsCount: 5,
      debitsAmountMinor: 3700,
      debitsReversalCount: 2,
      debitsReversalAmountMinor: 700,
      creditsCount: 1,
      creditsAmountMinor: 200,
    });
  });

  it('is all zeros for a currency the batch does not hold', () => {
    expect(reconciliationTotals(undefined)).toEqual(ZERO_TOTALS);
  });
});

describe('closeBatch', () => {
  it('closes the batch when the host agrees, and the next batch starts empty', async () => {
    const journal = journalWith({ id: 'a', amountMinor: 1000, end: 'completed' }, { id: 'b', amountMinor: 250, end: 'completed' });
    const host = hostAnswering('00');
    const result = await closeBatch(deps(journal, host.reconcile));
    expect(result).toMatchObject({ batchNo: 1, inBalance: true, responseCode: '00', pendingReversals: 0, notReconciledCurrencies: [] });
    expect(result.closedAt).not.toBeNull();
    expect(host.requests).toEqual([
      { stan: '000003', at: AT, terminalId: 'T0000001', merchantId: 'M00000000000001', currency: '978', totals: { ...ZERO_TOTALS, debitsCount: 2, debitsAmountMinor: 1250 } },
    ]);
    expect(journal.batches.totals()).toMatchObject({ batchNo: 2, currencies: [] });
  });

  it('keeps the batch open when the host disagrees (95), reporting both sides', async () => {
    const journal = journalWith({ id: 'a', amountMinor: 1000, end: 'completed' });
    const theirs = { ...ZERO_TOTALS, debitsCount: 2, debitsAmountMinor: 2000 };
    const result = await closeBatch(deps(journal, hostAnswering('95', theirs).reconcile));
    expect(result).toMatchObject({ inBalance: false, responseCode: '95', closedAt: null, hostTotals: theirs, terminalTotals: { debitsCount: 1, debitsAmountMinor: 1000 } });
    expect(journal.batches.totals()).toMatchObject({ batchNo: 1, currencies: [{ currency: '978', debits: { count: 1, amountMinor: 1000 } }] });
  });

  it('drains owed reversals before it counts: a reversal the host acknowledged is in the totals', async () => {
    const journal = journalWith({ id: 'a', amountMinor: 1000, end: 'completed' }, { id: 'lost', amountMinor: 400, end: 'reversal-pending' });
    const drain = () => {
      journal.reversals.acknowledge('lost');
      return Promise.resolve({ acknowledged: 1, remaining: 0, stoppedBy: null });
    };
    const host = hostAnswering('00');
    const result = await closeBatch(deps(journal, host.reconcile, drain));
    expect(host.requests[0]?.totals).toMatchObject({ debitsCount: 2, debitsAmountMinor: 1400, debitsReversalCount: 1, debitsReversalAmountMinor: 400 });
    expect(result.pendingReversals).toBe(0);
  });

  it('reports reversals still owed, and currencies the 0500 does not cover', async () => {
    const journal = journalWith({ id: 'a', amountMinor: 1000, end: 'completed' }, { id: 'usd', amountMinor: 5, currency: '840', end: 'completed' }, { id: 'lost', amountMinor: 400, end: 'reversal-pending' });
    const result = await closeBatch(deps(journal, hostAnswering('00').reconcile));
    expect(result).toMatchObject({ pendingReversals: 1, notReconciledCurrencies: ['840'] });
  });
});
