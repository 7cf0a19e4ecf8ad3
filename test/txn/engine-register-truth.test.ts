/**
 * What the register is told is what happened to the money: states say what
 * has happened, a cancel either stops the transaction before anything can
 * reach the host or is refused, a repeated idempotency key never charges
 * twice, and a journal that cannot write after the request went out leaves a
 * reversal owed and no approving code in the result.
 */
import { describe, expect, it } from 'vitest';
import type { AuthorizationResponse, CardRequest } from '../../src/host/model.js';
import { silentLogger as quiet } from '../../src/log/logger.js';
import type { EngineDeps } from '../../src/txn/engine.js';
import type { Ledger } from '../../src/txn/ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { PosError } from '../../src/util/errors.js';
import { rejection, thrown } from '../pos-error.js';
import { approveAll, FakeChipReader, FakeHost, FakeReader, memoryLedger, MemoryReversalStore, testCard, testEngine } from './fakes.js';

function setup(overrides: Partial<EngineDeps> = {}, host = new FakeHost(approveAll), reader: FakeReader = new FakeReader()) {
  const ledger = memoryLedger({ lastStan: 41 });
  const engine = testEngine({ reader, host, ledger, ...overrides });
  return { engine, reader, host, reversals: ledger.reversals };
}

/** A promise with its resolver outside, for holding a step open. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('cancel from the register', () => {
  it('stops a purchase held behind an owed reversal: the card was read, nothing reaches the host, the answer is the final one', async () => {
    const draining = gate();
    const drainStarted = gate();
    const { engine, reader, host } = setup({
      beforeAuthorize: () => {
        drainStarted.open();
        return draining.promise;
      },
    });
    const { id } = engine.start({ type: 'purchase', amount: 2222, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    await drainStarted.promise;
    // The state says what has happened: the card was read, the purchase waits to be sent.
    expect(engine.get(id)).toMatchObject({ state: 'sending', maskedPan: '411111******1111' });
    const cancelled = await engine.cancel(id);
    expect(cancelled).toMatchObject({ state: 'cancelled', status: 'cancelled', errorCode: 'TXN_CANCELLED', responseCode: null });
    draining.open();
    // The fakes use no timers: one turn of the event loop runs everything the open gate let continue.
    await new Promise((r) => setImmediate(r));
    expect(host.requests).toHaveLength(0);
    expect(await engine.wait(id)).toEqual(cancelled);
  });

  it('is refused once the request may reach the host, and the host decides', async () => {
    const answer = gate();
    const host = new FakeHost(async (req) => {
      await answer.promise;
      return approveAll(req);
    });
    const { engine, reader } = setup({}, host);
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    await expect.poll(() => engine.get(id)?.state).toBe('authorizing');
    const refused = await rejection(engine.cancel(id));
    expect(refused).toMatchObject({ code: 'TXN_NOT_CANCELLABLE', details: { state: 'authorizing' } });
    answer.open();
    expect(await engine.wait(id)).toMatchObject({ status: 'approved', responseCode: '00' });
  });
});

describe("the register's idempotency key", () => {
  it('returns the same transaction for the same reference, running or ended, and never starts a second', async () => {
    const { engine, reader, host } = setup();
    const first = engine.start({ type: 'purchase', amount: 4100, currency: '978', reference: 'till-1/0001' });
    const again = engine.start({ type: 'purchase', amount: 4100, currency: '978', reference: 'till-1/0001' });
    expect(again.id).toBe(first.id);
    await reader.armed();
    reader.present(testCard());
    const ended = await engine.wait(first.id);
    expect(engine.start({ type: 'purchase', amount: 4100, currency: '978', reference: 'till-1/0001' })).toEqual(ended);
    expect(engine.byReference('till-1/0001')).toEqual(ended);
    expect(host.requests).toHaveLength(1);
  });

  it('refuses a reference reused for another amount (TXN_REFERENCE_REUSED)', () => {
    const { engine } = setup();
    const first = engine.start({ type: 'purchase', amount: 4100, currency: '978', reference: 'till-1/0002' });
    const error = thrown(() => engine.start({ type: 'purchase', amount: 4200, currency: '978', reference: 'till-1/0002' }));
    expect(error).toMatchObject({ code: 'TXN_REFERENCE_REUSED', details: { reference: 'till-1/0002', id: first.id } });
  });
});

describe('a journal that fails after the request may have reached the host', () => {
  const diskFull = () => new PosError('JOURNAL_DISK_FULL', 'The journal disk is full', { cause: 'SQLITE_FULL' });

  it.each<[string, Partial<Ledger>]>([
    ['the answer cannot be recorded', { answered: () => { throw diskFull(); } }],
    ['the approval cannot be recorded', { ended: (s) => { if (s.result.status === 'approved') throw diskFull(); } }],
  ])('%s: the result is failed with no approving code, and the reversal is owed at once', async (_what, failing) => {
    const durable = new MemoryReversalStore();
    let journalFull = true;
    // The durable store refuses while the disk is full, as the journal does.
    const journalLike = {
      add: (r: Parameters<MemoryReversalStore['add']>[0]) => {
        if (journalFull) throw diskFull();
        durable.add(r);
      },
      pending: () => durable.pending(),
      acknowledge: (id: string) => durable.acknowledge(id),
    };
    const duties = new ReversalDuties(journalLike, quiet);
    const { engine, reader } = setup({ ledger: { ...memoryLedger({ lastStan: 41, reversals: duties }), ...failing } });
    const { id } = engine.start({ type: 'purchase', amount: 4100, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    const result = await engine.wait(id);
    expect(result).toMatchObject({ status: 'failed', responseCode: null, authCode: null, errorCode: 'JOURNAL_DISK_FULL', reason: 'TERMINAL FAULT' });
    expect(duties.pending()).toEqual([expect.objectContaining({ transactionId: id, stan: '000042', amountMinor: 4100, reason: 'JOURNAL_DISK_FULL', maskedPan: '411111******1111' })]);
    expect(duties.unpersisted).toBe(1);
    // Space comes back: the next look at the duties writes it down.
    journalFull = false;
    expect(duties.pending()).toHaveLength(1);
    expect(duties.unpersisted).toBe(0);
    expect(durable.pending().map((r) => r.transactionId)).toEqual([id]);
  });

  it('a chip card declining after a host approval leaves no approving code in the result', async () => {
    const reader = new FakeChipReader();
    reader.cardDecision = 'declined';
    const { engine, reversals } = setup({}, new FakeHost(approveAll), reader);
    const { id } = engine.start({ type: 'purchase', amount: 5000, currency: '978' });
    await reader.armed();
    reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'));
    const result = await engine.wait(id);
    expect(result).toMatchObject({ status: 'declined', responseCode: null, authCode: null, errorCode: 'TXN_CARD_DECLINED' });
    expect(reversals.pending()).toHaveLength(1);
  });

  it('a declined answer keeps its code', async () => {
    const decline = (req: CardRequest): Promise<AuthorizationResponse> => Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: '1', stan: req.stan });
    const { engine, reader } = setup({}, new FakeHost(decline));
    const { id } = engine.start({ type: 'purchase', amount: 5000, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    expect(await engine.wait(id)).toMatchObject({ status: 'declined', responseCode: '51' });
  });
});
