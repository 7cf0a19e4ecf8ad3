/**
 * The engine writing a real journal through its one port, the JournalLedger:
 * approvals, declines, cancels, a lost answer becoming a reversal — and each
 * step announced only once it has committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger as quiet } from '../../src/log/logger.js';
import type { TransactionEngine } from '../../src/txn/engine.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import type { LedgerEvent } from '../../src/txn/ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { HostError } from '../../src/host/host-error.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { approveAll, chipCardOf, FakeHost, FakePinPad, FakeReader, testCard, testEngine, TEST_NOW as NOW } from './fakes.js';
import { journalBytes, openJournal, tempDir } from './journal-helpers.js';

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

function setup(host: FakeHost, pinpad?: FakePinPad) {
  const dir = tempDir();
  const journal = openJournal(dir);
  journals.push(journal);
  const reader = new FakeReader();
  const ledger = new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, quiet), logger: quiet });
  const engine = testEngine({ reader, ledger, host, ...(pinpad === undefined ? {} : { pinpad }) });
  return { engine, reader, journal, ledger, dir };
}

async function swipe(engine: TransactionEngine, reader: FakeReader, amount = 1234): Promise<string> {
  const started = engine.start({ type: 'purchase', amount, currency: '978' });
  await reader.armed();
  reader.present(testCard());
  await engine.wait(started.id);
  return started.id;
}

describe('JournalLedger', () => {
  it('journals an approval step by step with the journal STAN, and no PAN on disk', async () => {
    const { engine, reader, journal, dir } = setup(new FakeHost(approveAll));
    const id = await swipe(engine, reader);
    expect(journal.get(id)).toMatchObject({ state: 'completed', stan: '000001', responseCode: '00', authCode: 'A1B2C3', maskedPan: '411111******1111', entryMode: 'swipe' });
    expect(journal.steps.of(id).map((s) => s.state)).toEqual(['created', 'created', 'request-sent', 'response-received', 'completed']);
    expect(journalBytes(dir)).not.toContain('4111111111111111');
  });

  it('records that a swipe went with the PIN the cardholder entered (the receipt\'s CVM), and that a plain swipe did not', async () => {
    const { engine, reader, journal } = setup(new FakeHost(approveAll), new FakePinPad());
    const started = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    reader.presentRead({ entryMode: 'swipe', card: testCard(), pinRequired: true });
    expect(await engine.wait(started.id)).toMatchObject({ status: 'approved' });
    expect(journal.get(started.id)).toMatchObject({ onlinePin: true, entryMode: 'swipe' });
    const plain = await swipe(engine, reader);
    expect(journal.get(plain).onlinePin).toBe(false);
  });

  it("keeps the kernel's account of a chip transaction, and gives it back after a restart", async () => {
    const { engine, reader, journal, dir } = setup(new FakeHost(approveAll));
    const emv = { aid: 'A0000000031010', applicationLabel: 'VISA CREDIT', tvr: '0000008000', tsi: 'E800', cvmResults: '420300', odaMethod: 'cda', cryptogram: '1122334455667788', cryptogramType: 'ARQC', atc: '0007' } as const;
    const started = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    const card = testCard('4761739001010119', { year: 2030, month: 12 }, 'visa', '201');
    reader.presentRead({ entryMode: 'chip', card: chipCardOf(card), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF0011', 'hex')) }, emv });
    await engine.wait(started.id);
    expect(journal.get(started.id).emv).toEqual(emv);
    journal.close();
    const reopened = openJournal(dir);
    journals.push(reopened);
    expect(reopened.get(started.id).emv).toEqual(emv);
    expect(journalBytes(dir)).not.toContain('4761739001010119');
  });

  it('journals a host decline, and a cancel before any card', async () => {
    const { engine, reader, journal } = setup(new FakeHost((req) => Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: '1', stan: req.stan })));
    const declined = await swipe(engine, reader);
    expect(journal.get(declined)).toMatchObject({ state: 'declined', responseCode: '51' });
    const started = engine.start({ type: 'purchase', amount: 5, currency: '978' });
    await reader.armed();
    await engine.cancel(started.id);
    expect(journal.get(started.id)).toMatchObject({ state: 'cancelled', outcome: 'cancelled', errorCode: 'TXN_CANCELLED' });
  });

  it('leaves a lost answer as a pending reversal in the journal', async () => {
    const timeout = new HostError('HOST_TIMEOUT', 'no answer', 'maybe-sent');
    const { engine, reader, journal } = setup(new FakeHost(() => Promise.reject(timeout)));
    const id = await swipe(engine, reader);
    expect(journal.get(id).state).toBe('reversal-pending');
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: id, stan: '000001', reason: 'HOST_TIMEOUT', maskedPan: '411111******1111' })]);
  });

  it('journals a request that never reached the host as failed', async () => {
    const refused = new HostError('HOST_UNREACHABLE', 'refused', 'not-sent');
    const { engine, reader, journal } = setup(new FakeHost(() => Promise.reject(refused)));
    const id = await swipe(engine, reader);
    expect(journal.get(id)).toMatchObject({ state: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(journal.reversals.pending()).toEqual([]);
  });

  it('announces each step only once it has committed, and the end with what is owed', async () => {
    const { engine, reader, journal, ledger } = setup(new FakeHost(approveAll));
    const seen: { step: LedgerEvent['step']; state: string }[] = [];
    let ended: LedgerEvent | undefined;
    ledger.on((event) => {
      const id = 'id' in event ? event.id : 'result' in event ? event.result.id : event.reversal.transactionId;
      seen.push({ step: event.step, state: journal.get(id).state });
      if (event.step === 'ended') ended = event;
    });
    const id = await swipe(engine, reader);
    expect(seen).toEqual([
      { step: 'begin', state: 'created' },
      { step: 'card-read', state: 'created' },
      { step: 'sent', state: 'request-sent' },
      { step: 'answered', state: 'response-received' },
      { step: 'ended', state: 'completed' },
    ]);
    expect(ended).toMatchObject({ step: 'ended', owes: null, result: { id, status: 'approved', stan: '000001' } });
  });

  it('a lost answer: the duty is in the journal when it is announced, and the end records the outcome beside it', async () => {
    const { engine, reader, journal, ledger } = setup(new FakeHost(() => Promise.reject(new HostError('HOST_TIMEOUT', 'no answer', 'maybe-sent'))));
    const owed: string[][] = [];
    const ends: (string | null)[] = [];
    ledger.on((event) => {
      if (event.step === 'reversal-owed') owed.push(journal.reversals.pending().map((r) => r.transactionId));
      if (event.step === 'ended') ends.push(event.owes);
    });
    const id = await swipe(engine, reader);
    expect(owed).toEqual([[id]]);
    expect(ends).toEqual(['reversal']);
    expect(journal.get(id)).toMatchObject({ state: 'reversal-pending', outcome: 'failed', errorCode: 'HOST_TIMEOUT' });
  });

  it('takes the STAN and records the send in one commit: a refused send uses no STAN', async () => {
    const { engine, reader, journal, ledger } = setup(new FakeHost(approveAll));
    const started = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    // No card recorded yet: the journal refuses the send, and the STAN it took goes back with it.
    expect(() => ledger.sent({ result: started, at: NOW })).toThrow(expect.objectContaining({ code: 'JOURNAL_TRANSITION_INVALID' }));
    expect(journal.stan.next()).toBe('000001');
    await engine.cancel(started.id);
  });

  it('a subscriber that throws does not undo or fail the step', async () => {
    const { engine, reader, journal, ledger } = setup(new FakeHost(approveAll));
    ledger.on(() => {
      throw new Error('a broken subscriber');
    });
    const id = await swipe(engine, reader);
    expect(engine.get(id)).toMatchObject({ status: 'approved' });
    expect(journal.get(id)).toMatchObject({ state: 'completed', outcome: 'approved' });
  });
});
