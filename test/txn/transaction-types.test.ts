/**
 * Refunds, pre-authorizations and completions, voids and releases, tips and
 * cashback: the engine on a real journal (SQLite in a temp folder) through
 * the JournalLedger, a fake host that records what it was asked. Each test
 * checks what the register is told, the journal rows, the reversal duties
 * and the batch totals.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HostError } from '../../src/host/host-error.js';
import type { FollowUpRequest } from '../../src/host/model.js';
import { silentLogger as quiet } from '../../src/log/logger.js';
import type { EngineDeps, TransactionEngine } from '../../src/txn/engine.js';
import { JOURNAL_FILE, recoverJournal, type Journal } from '../../src/txn/journal/index.js';
import { migrate, MIGRATIONS } from '../../src/txn/journal/schema.js';
import { journalHistory } from '../../src/txn/journal/history.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { NO_EXTRAS, type StartInput, type TransactionPolicy } from '../../src/txn/start-input.js';
import { isPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { approveAll, chipCardOf, FakeChipReader, FakeHost, FakeReader, memoryLedger, testCard, testEngine } from './fakes.js';
import type { Ledger } from '../../src/txn/ledger.js';
import { journalBytes, openJournal, tempDir } from './journal-helpers.js';

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

const ALL_EXTRAS: TransactionPolicy = { ...NO_EXTRAS, unreferencedRefunds: true, tips: true, cashbackLimit: 5000, incrementalAuthorization: true };

function setup(host = new FakeHost(approveAll), overrides: Partial<EngineDeps> = {}, reader: FakeReader = new FakeReader()) {
  const dir = tempDir();
  const journal = openJournal(dir);
  journals.push(journal);
  const duties = new ReversalDuties(journal.reversals, quiet);
  const ledger = new JournalLedger({ journal, duties, logger: quiet });
  const engine = testEngine({ reader, ledger, host, history: journalHistory(journal), policy: ALL_EXTRAS, ...overrides });
  return { engine, reader, journal, host, dir, duties };
}

async function run(engine: TransactionEngine, reader: FakeReader, input: StartInput) {
  const started = engine.start(input);
  await reader.armed();
  reader.present(testCard());
  return engine.wait(started.id);
}

async function refusal(work: () => unknown): Promise<PosError> {
  try {
    await work();
  } catch (err) {
    if (isPosError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const purchase = (amount: number, extra: { tip?: number; cashback?: number } = {}): StartInput => ({ type: 'purchase', amount, currency: '978', ...extra });

describe('refunds', () => {
  it('refunds part of a purchase, then refuses more than is left, then refunds the rest', async () => {
    const { engine, reader, journal } = setup();
    const sale = await run(engine, reader, purchase(5000));
    const first = await run(engine, reader, { type: 'refund', amount: 2000, currency: '978', originalId: sale.id });
    expect(first).toMatchObject({ type: 'refund', status: 'approved', amount: 2000, total: 2000, originalId: sale.id });
    expect(journal.get(first.id)).toMatchObject({ kind: 'refund', state: 'completed', originalId: sale.id, amountMinor: 2000 });
    const over = await refusal(() => engine.start({ type: 'refund', amount: 3001, currency: '978', originalId: sale.id }));
    expect(over.code).toBe('TXN_AMOUNT_OVER_ORIGINAL');
    expect(over.details).toMatchObject({ left: 3000 });
    const rest = await run(engine, reader, { type: 'refund', amount: 3000, currency: '978', originalId: sale.id });
    expect(rest.status).toBe('approved');
    expect((await refusal(() => engine.start({ type: 'refund', amount: 1, currency: '978', originalId: sale.id }))).code).toBe('TXN_AMOUNT_OVER_ORIGINAL');
    expect(journal.batches.totals().currencies[0]).toMatchObject({ debits: { count: 1, amountMinor: 5000 }, credits: { count: 2, amountMinor: 5000 }, netMinor: 0 });
  });

  it('tells the cardholder it is a refund', async () => {
    const display = new RecordingDisplay();
    const { engine, reader } = setup(new FakeHost(approveAll), { display });
    await run(engine, reader, { type: 'refund', amount: 250, currency: '978' });
    expect(display.shown.map((screen) => [screen.prompt, screen.reason ?? ''])).toEqual([
      ['SWIPE CARD', 'REFUND'],
      ['PROCESSING', ''],
      ['REFUND APPROVED', 'AUTH A1B2C3'],
    ]);
  });

  it('does not count a declined refund against what is left', async () => {
    let decline = false;
    const host = new FakeHost((req) => (decline ? Promise.resolve({ responseCode: '05', approved: false, authCode: null, rrn: null, stan: req.stan }) : approveAll(req)));
    const { engine, reader } = setup(host);
    const sale = await run(engine, reader, purchase(1000));
    decline = true;
    expect((await run(engine, reader, { type: 'refund', amount: 1000, currency: '978', originalId: sale.id })).status).toBe('declined');
    decline = false;
    expect((await run(engine, reader, { type: 'refund', amount: 1000, currency: '978', originalId: sale.id })).status).toBe('approved');
  });

  it('refuses to refund a refund, a declined purchase, a pre-authorization, or in another currency', async () => {
    const host = new FakeHost((req) => (req.amountMinor === 13 ? Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: null, stan: req.stan }) : approveAll(req)));
    const { engine, reader } = setup(host);
    const sale = await run(engine, reader, purchase(1000));
    const refund = await run(engine, reader, { type: 'refund', amount: 10, currency: '978', originalId: sale.id });
    const declined = await run(engine, reader, purchase(13));
    const hold = await run(engine, reader, { type: 'preauth', amount: 100, currency: '978' });
    for (const originalId of [refund.id, declined.id, hold.id]) {
      expect((await refusal(() => engine.start({ type: 'refund', amount: 1, currency: '978', originalId }))).code).toBe('TXN_ORIGINAL_INVALID');
    }
  });

  it('sends the refund online with processing kind refund, never approves it offline, and lets a chip AAC through', async () => {
    const reader = new FakeChipReader();
    const unreachable = new HostError('HOST_UNREACHABLE', 'refused', 'not-sent');
    let down = false;
    const host = new FakeHost((req) => (down ? Promise.reject(unreachable) : approveAll(req)));
    const { engine } = setup(host, {}, reader);
    const started = engine.start({ type: 'refund', amount: 700, currency: '978' });
    await reader.armed();
    expect(reader.requests.at(-1)).toMatchObject({ purpose: 'refund', amountMinor: 700 });
    reader.presentRead({ entryMode: 'chip', card: chipCardOf(testCard()), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF0011', 'hex')) }, firstDecision: 'declined-offline' });
    const refunded = await engine.wait(started.id);
    expect(refunded.status).toBe('approved');
    // The card's part ended with its AAC: no second GENERATE AC.
    expect(reader.completions).toEqual([]);
    down = true;
    expect((await run(engine, reader, { type: 'refund', amount: 700, currency: '978' })).status).toBe('failed');
  });
});

describe('tips and cashback', () => {
  it('charges amount + tip + cashback, and tells the host each part', async () => {
    const host = new FakeHost(approveAll);
    const seen: { tip?: number; cashback?: number; amount: number }[] = [];
    const recording = new FakeHost((req) => {
      seen.push({ amount: req.amountMinor, ...(req.tipMinor === undefined ? {} : { tip: req.tipMinor }), ...(req.cashbackMinor === undefined ? {} : { cashback: req.cashbackMinor }) });
      return host.authorize(req);
    });
    const { engine, reader, journal } = setup(recording);
    const result = await run(engine, reader, purchase(2000, { tip: 300, cashback: 1000 }));
    expect(result).toMatchObject({ status: 'approved', amount: 2000, tip: 300, cashback: 1000, total: 3300 });
    expect(seen).toEqual([{ amount: 3300, tip: 300, cashback: 1000 }]);
    expect(reader.requests.at(-1)).toMatchObject({ amountMinor: 3300, cashbackMinor: 1000, purpose: 'purchase' });
    expect(journal.get(result.id)).toMatchObject({ amountMinor: 3300, tipMinor: 300, cashbackMinor: 1000 });
    // Its void reverses the cashback too (DE 3 09 in the 0400).
    await engine.void(result.id);
    expect(journal.reversals.pending()[0]).toMatchObject({ amountMinor: 3300, cashbackMinor: 1000 });
  });

  it('refuses cashback over the limit, and tips and cashback where the config has none', async () => {
    const { engine } = setup();
    expect((await refusal(() => engine.start(purchase(100, { cashback: 5001 })))).code).toBe('TXN_CASHBACK_OVER_LIMIT');
    const plain = setup(new FakeHost(approveAll), { policy: NO_EXTRAS });
    expect((await refusal(() => plain.engine.start(purchase(100, { tip: 1 })))).code).toBe('TXN_TYPE_NOT_ALLOWED');
    expect((await refusal(() => plain.engine.start(purchase(100, { cashback: 1 })))).code).toBe('TXN_TYPE_NOT_ALLOWED');
    expect((await refusal(() => plain.engine.start({ type: 'refund', amount: 100, currency: '978' }))).code).toBe('TXN_TYPE_NOT_ALLOWED');
  });

  it('adjusts a tip: the host approves, the purchase and the totals take it, and it survives a restart', async () => {
    const { engine, reader, journal, host, dir } = setup();
    const sale = await run(engine, reader, purchase(4000, { tip: 200 }));
    const adjusted = await engine.adjustTip(sale.id, 650);
    expect(adjusted).toMatchObject({ id: sale.id, status: 'approved', amount: 4000, tip: 650, total: 4650 });
    expect(host.followUps).toHaveLength(1);
    expect(host.followUps[0]).toMatchObject({ kind: 'tip-adjust', amountMinor: 4650, tipMinor: 650, original: { transactionId: sale.id, stan: sale.stan, amountMinor: 4200, authCode: 'A1B2C3' } });
    expect(host.followUps[0]?.stan).not.toBe(sale.stan);
    expect(journal.get(sale.id)).toMatchObject({ amountMinor: 4650, tipMinor: 650 });
    expect(engine.get(sale.id)).toMatchObject({ tip: 650, total: 4650 });
    expect(engine.list({ since: new Date(0) }).map((r) => r.id)).toEqual([sale.id]);
    expect(journal.batches.totals().currencies[0]?.debits).toEqual({ count: 1, amountMinor: 4650 });
    expect(journalBytes(dir)).not.toContain('4111111111111111');
  });

  it('keeps the old tip when the host declines the adjustment', async () => {
    const host = new FakeHost(approveAll, (req: FollowUpRequest) => Promise.resolve({ responseCode: '05', approved: false, authCode: null, rrn: null, stan: req.stan }));
    const { engine, reader, journal } = setup(host);
    const sale = await run(engine, reader, purchase(4000, { tip: 200 }));
    const error = await refusal(() => engine.adjustTip(sale.id, 900));
    expect(error.code).toBe('TXN_TIP_NOT_ADJUSTED');
    expect(error.details).toMatchObject({ responseCode: '05' });
    expect(journal.get(sale.id)).toMatchObject({ amountMinor: 4200, tipMinor: 200 });
    expect(engine.get(sale.id)).toMatchObject({ tip: 200, total: 4200 });
  });

  it('owes a reversal of the adjustment when its answer is lost, and keeps the old tip', async () => {
    const host = new FakeHost(approveAll, () => Promise.reject(new HostError('HOST_TIMEOUT', 'no answer', 'maybe-sent')));
    const { engine, reader, journal } = setup(host);
    const sale = await run(engine, reader, purchase(4000));
    expect((await refusal(() => engine.adjustTip(sale.id, 500))).code).toBe('TXN_TIP_NOT_ADJUSTED');
    const pending = journal.reversals.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ original: 'tip-adjust', amountMinor: 4500, reason: 'HOST_TIMEOUT' });
    expect(journal.get(sale.id)).toMatchObject({ amountMinor: 4000, tipMinor: 0, state: 'completed' });
  });
});

describe('pre-authorization and completion', () => {
  it('holds, then completes for less: the completion is a debit, the hold is none', async () => {
    const { engine, reader, journal, host } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 10000, currency: '978' });
    expect(hold).toMatchObject({ type: 'preauth', status: 'approved', total: 10000 });
    expect(reader.requests.at(-1)).toMatchObject({ purpose: 'preauth' });
    const completion = await engine.complete(hold.id, 8250);
    expect(completion).toMatchObject({ type: 'completion', status: 'approved', amount: 8250, total: 8250, originalId: hold.id, maskedPan: hold.maskedPan });
    expect(host.followUps[0]).toMatchObject({ kind: 'completion', amountMinor: 8250, original: { transactionId: hold.id, kind: 'preauth', stan: hold.stan, amountMinor: 10000 } });
    expect(journal.get(completion.id)).toMatchObject({ kind: 'completion', state: 'completed', originalId: hold.id, maskedPan: hold.maskedPan });
    expect(journal.batches.totals().currencies[0]).toMatchObject({ debits: { count: 1, amountMinor: 8250 }, releases: { count: 0, amountMinor: 0 } });
    expect((await refusal(() => engine.complete(hold.id, 1))).code).toBe('TXN_ORIGINAL_INVALID');
    expect((await refusal(() => engine.release(hold.id))).code).toBe('TXN_NOT_VOIDABLE');
  });

  it('refuses a completion over the held amount, and of anything but a pre-authorization', async () => {
    const { engine, reader } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 10000, currency: '978' });
    const sale = await run(engine, reader, purchase(100));
    expect((await refusal(() => engine.complete(hold.id, 10001))).code).toBe('TXN_AMOUNT_OVER_ORIGINAL');
    expect((await refusal(() => engine.complete(sale.id, 50))).code).toBe('TXN_ORIGINAL_INVALID');
    expect((await refusal(() => engine.complete('no-such-id', 50))).code).toBe('TXN_NOT_FOUND');
  });

  it('releases a hold: voided, its reversal owed naming the 0100', async () => {
    const { engine, reader, journal } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 10000, currency: '978' });
    const released = await engine.release(hold.id);
    expect(released).toMatchObject({ id: hold.id, status: 'voided', state: 'voided', reason: 'RELEASED' });
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: hold.id, original: 'preauth', stan: hold.stan, amountMinor: 10000, reason: 'TXN_RELEASED' })]);
    expect(journal.batches.totals().currencies[0]).toMatchObject({ releases: { count: 1, amountMinor: 10000 }, debits: { count: 0, amountMinor: 0 } });
    expect((await refusal(() => engine.complete(hold.id, 10))).code).toBe('TXN_ORIGINAL_INVALID');
  });

  it('owes a reversal of the completion when its answer is lost', async () => {
    const host = new FakeHost(approveAll, () => Promise.reject(new HostError('HOST_CONNECTION_LOST', 'dropped', 'maybe-sent')));
    const { engine, reader, journal } = setup(host);
    const hold = await run(engine, reader, { type: 'preauth', amount: 5000, currency: '978' });
    const failed = await engine.complete(hold.id, 5000);
    expect(failed).toMatchObject({ type: 'completion', status: 'failed', errorCode: 'HOST_CONNECTION_LOST' });
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: failed.id, original: 'completion', amountMinor: 5000 })]);
    // The failed completion may have captured: no second one until its reversal is done.
    expect((await refusal(() => engine.complete(hold.id, 5000))).code).toBe('TXN_ORIGINAL_INVALID');
  });

  it('does not approve a pre-authorization offline, nor take the card approving it offline', async () => {
    const reader = new FakeChipReader();
    const { engine, host } = setup(new FakeHost(approveAll), {}, reader);
    const started = engine.start({ type: 'preauth', amount: 500, currency: '978' });
    await reader.armed();
    reader.presentRead({ entryMode: 'chip', card: chipCardOf(testCard()), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF0011', 'hex')) }, firstDecision: 'approved-offline' });
    const result = await engine.wait(started.id);
    expect(result.status).toBe('approved');
    expect(host.requests).toHaveLength(1);
    // The card ended its part with that TC: it hears nothing more (no second GENERATE AC after a TC).
    expect(reader.completions).toEqual([]);
  });
});

describe('incremental authorization', () => {
  it('raises the hold when the host approves: a 0100 naming the pre-authorization, the new amount kept across a restart', async () => {
    const { engine, reader, journal, host, dir } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 10000, currency: '978' });
    const raised = await engine.increment(hold.id, 2500);
    expect(raised).toMatchObject({ id: hold.id, type: 'preauth', status: 'approved', amount: 12500, total: 12500 });
    expect(host.followUps).toEqual([expect.objectContaining({ kind: 'incremental', amountMinor: 2500, original: expect.objectContaining({ transactionId: hold.id, kind: 'preauth', stan: hold.stan }) })]);
    expect(host.followUps[0]?.stan).not.toBe(hold.stan);
    expect(journal.get(hold.id)).toMatchObject({ kind: 'preauth', amountMinor: 12500 });
    expect(engine.list({ since: new Date(0) }).map((r) => r.id)).toEqual([hold.id]);
    // An authorization is in no settlement total, raised or not.
    expect(journal.batches.totals().currencies).toEqual([]);
    expect(journalBytes(dir)).not.toContain('4111111111111111');
    const after = setup(new FakeHost(approveAll), { history: journalHistory(journal) });
    expect(after.engine.get(hold.id)).toMatchObject({ amount: 12500, total: 12500 });
    expect(await engine.complete(hold.id, 12500)).toMatchObject({ status: 'approved', total: 12500 });
    expect((await refusal(() => engine.increment(hold.id, 1))).code).toBe('TXN_ORIGINAL_INVALID');
  });

  it('releases the whole hold as raised: the reversal names the first 0100 with the raised amount', async () => {
    const { engine, reader, journal } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 10000, currency: '978' });
    await engine.increment(hold.id, 2500);
    await engine.increment(hold.id, 500);
    expect(await engine.release(hold.id)).toMatchObject({ status: 'voided', total: 13000 });
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: hold.id, original: 'preauth', stan: hold.stan, amountMinor: 13000, reason: 'TXN_RELEASED' })]);
    expect(journal.batches.totals().currencies[0]).toMatchObject({ releases: { count: 1, amountMinor: 13000 } });
  });

  it('answers a retry of an increment a restart cut off, by its reference, with the refusal and sends nothing', async () => {
    const { engine, reader, journal, host } = setup();
    const hold = await run(engine, reader, { type: 'preauth', amount: 4000, currency: '978' });
    // What a kill leaves: the increment recorded as sent with the register's key, no answer; start-up recovery owes its reversal.
    journal.steps.begin({ id: 'cut', kind: 'incremental', reference: 'raise-9', amountMinor: 600, currency: '978', originalId: hold.id });
    journal.steps.requestSent('cut', { stan: journal.stan.next(), transmittedAt: new Date() });
    recoverJournal(journal);
    const retried = await refusal(() => engine.increment(hold.id, 600, 'raise-9'));
    expect(retried).toMatchObject({ code: 'TXN_NOT_INCREMENTED', details: { errorCode: 'JOURNAL_INTERRUPTED' } });
    expect(host.followUps).toEqual([]);
    expect(journal.get(hold.id)).toMatchObject({ amountMinor: 4000 });
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: 'cut', original: 'incremental' })]);
  });

  it('keeps the hold when the host declines, and owes a reversal of the increment alone when its answer is lost', async () => {
    let answer: (req: FollowUpRequest) => Promise<{ responseCode: string; approved: boolean; authCode: null; rrn: null; stan: string }> = (req) =>
      Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: null, stan: req.stan });
    const host = new FakeHost(approveAll, (req: FollowUpRequest) => answer(req));
    const { engine, reader, journal } = setup(host);
    const hold = await run(engine, reader, { type: 'preauth', amount: 4000, currency: '978' });
    const declined = await refusal(() => engine.increment(hold.id, 1000));
    expect(declined).toMatchObject({ code: 'TXN_NOT_INCREMENTED', details: { responseCode: '51' } });
    expect(journal.get(hold.id)).toMatchObject({ amountMinor: 4000 });
    answer = () => Promise.reject(new HostError('HOST_TIMEOUT', 'no answer', 'maybe-sent'));
    expect(await refusal(() => engine.increment(hold.id, 700))).toMatchObject({ code: 'TXN_NOT_INCREMENTED', details: { errorCode: 'HOST_TIMEOUT' } });
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ original: 'incremental', amountMinor: 700, reason: 'HOST_TIMEOUT' })]);
    expect(journal.get(hold.id)).toMatchObject({ amountMinor: 4000, state: 'completed' });
    expect(engine.get(hold.id)).toMatchObject({ total: 4000 });
  });

  it('refuses an increment where the acquirer takes none, of anything but an approved pre-authorization, and of nothing', async () => {
    const { engine, reader } = setup();
    const sale = await run(engine, reader, purchase(100));
    expect((await refusal(() => engine.increment(sale.id, 50))).code).toBe('TXN_ORIGINAL_INVALID');
    expect((await refusal(() => engine.increment('no-such-id', 50))).code).toBe('TXN_NOT_FOUND');
    expect((await refusal(() => engine.increment(sale.id, 0))).code).toBe('TXN_AMOUNT_INVALID');
    const plain = setup(new FakeHost(approveAll), { policy: { ...ALL_EXTRAS, incrementalAuthorization: false } });
    const hold = await run(plain.engine, plain.reader, { type: 'preauth', amount: 1000, currency: '978' });
    expect((await refusal(() => plain.engine.increment(hold.id, 50))).code).toBe('TXN_TYPE_NOT_ALLOWED');
    expect(plain.host.followUps).toEqual([]);
  });
});

describe('a follow-up whose answer cannot be journalled', () => {
  it.each([
    ['the answer', 'answered'],
    ['the end', 'ended'],
  ] as const)('owes the reversal of an approved increment, completion or tip adjustment when %s fails to commit', async (_what, failing) => {
    for (const kind of ['incremental', 'completion', 'tip-adjust'] as const) {
      const memory = memoryLedger();
      let armed = false;
      const fault = () => {
        if (armed) throw new PosError('JOURNAL_FAULTED', 'disk full', {});
      };
      const ledger: Ledger =
        failing === 'answered'
          ? {
              ...memory,
              answered: (step) => {
                fault();
                memory.answered(step);
              },
            }
          : {
              ...memory,
              ended: (step) => {
                fault();
                memory.ended(step);
              },
            };
      const reader = new FakeReader();
      const host = new FakeHost(approveAll);
      const engine = testEngine({ reader, ledger, host, policy: ALL_EXTRAS });
      const original = await run(engine, reader, kind === 'tip-adjust' ? purchase(2000) : { type: 'preauth', amount: 5000, currency: '978' });
      armed = true;
      const followUp = kind === 'incremental' ? engine.increment(original.id, 700) : kind === 'completion' ? engine.complete(original.id, 4000) : engine.adjustTip(original.id, 300);
      expect((await refusal(() => followUp)).code).toBe('JOURNAL_FAULTED');
      expect(host.followUps).toHaveLength(1);
      expect(memory.reversals.pending()).toEqual([expect.objectContaining({ original: kind, stan: host.followUps[0]?.stan, reason: 'JOURNAL_FAULTED' })]);
    }
  });
});

describe('voids', () => {
  it('voids a purchase: voided at once, its reversal owed with the sale STAN, and out of the debits', async () => {
    const { engine, reader, journal, dir } = setup();
    const sale = await run(engine, reader, purchase(1500, { tip: 100 }));
    const voided = await engine.void(sale.id);
    expect(voided).toMatchObject({ id: sale.id, status: 'voided', reason: 'VOIDED' });
    expect(voided.voidedAt).toBeDefined();
    expect(journal.reversals.pending()).toEqual([expect.objectContaining({ transactionId: sale.id, original: 'purchase', stan: sale.stan, amountMinor: 1600, reason: 'TXN_VOIDED' })]);
    expect(journal.batches.totals().currencies[0]).toMatchObject({ debits: { count: 0, amountMinor: 0 }, reversals: { count: 1, amountMinor: 1600 }, voids: { count: 1, amountMinor: 1600 } });
    // Acknowledged: still voided, and the history says so after a restart.
    journal.reversals.acknowledge(sale.id);
    journal.close();
    const reopened = openJournal(dir);
    journals.push(reopened);
    expect(journalHistory(reopened).byId(sale.id)).toMatchObject({ status: 'voided', state: 'voided', total: 1600 });
    expect(reopened.get(sale.id).state).toBe('reversed');
  });

  it('refuses a second void, a void of a declined sale, of a refunded sale, and of a closed batch', async () => {
    const host = new FakeHost((req) => (req.amountMinor === 13 ? Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: null, stan: req.stan }) : approveAll(req)));
    const { engine, reader, journal } = setup(host);
    const sale = await run(engine, reader, purchase(1000));
    await engine.void(sale.id);
    expect((await refusal(() => engine.void(sale.id))).code).toBe('TXN_NOT_VOIDABLE');
    const declined = await run(engine, reader, purchase(13));
    expect((await refusal(() => engine.void(declined.id))).code).toBe('TXN_NOT_VOIDABLE');
    const refunded = await run(engine, reader, purchase(1000));
    await run(engine, reader, { type: 'refund', amount: 100, currency: '978', originalId: refunded.id });
    expect((await refusal(() => engine.void(refunded.id))).code).toBe('TXN_NOT_VOIDABLE');
    const old = await run(engine, reader, purchase(1000));
    journal.batches.close();
    expect((await refusal(() => engine.void(old.id))).code).toBe('TXN_NOT_VOIDABLE');
  });

  it('voids a refund as a credit reversal', async () => {
    const { engine, reader, journal } = setup();
    const refund = await run(engine, reader, { type: 'refund', amount: 800, currency: '978' });
    await engine.void(refund.id);
    expect(journal.batches.totals().currencies[0]).toMatchObject({ credits: { count: 0, amountMinor: 0 }, creditReversals: { count: 1, amountMinor: 800 } });
    expect(journal.reversals.pending()[0]).toMatchObject({ original: 'refund' });
  });

  it('refuses a void, completion or tip while a card transaction runs', async () => {
    const { engine, reader } = setup();
    const sale = await run(engine, reader, purchase(1000));
    const running = engine.start(purchase(5));
    await reader.armed();
    expect((await refusal(() => engine.void(sale.id))).code).toBe('TXN_BUSY');
    expect((await refusal(() => engine.adjustTip(sale.id, 5))).code).toBe('TXN_BUSY');
    await engine.cancel(running.id);
    expect((await engine.void(sale.id)).status).toBe('voided');
  });
});

describe('the journal file', () => {
  it('keeps a pre-authorization, its steps and its print jobs through migration 9, and then takes an increment', () => {
    const dir = tempDir();
    const db = new Database(join(dir, JOURNAL_FILE));
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 8));
    db.prepare(
      `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, tip_minor, currency, stan, masked_pan, outcome, created_at, updated_at, ended_at, voided_at)
       VALUES ('old-hold', 'preauth', 'completed', 'T0000001', 5000, 0, '978', '000009', '411111******1111', 'approved', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', NULL)`,
    ).run();
    db.prepare(`INSERT INTO print_job (txn_id, copy, state, created_at, updated_at) VALUES ('old-hold', 'customer', 'queued', 'a', 'a')`).run();
    db.close();

    const journal = openJournal(dir);
    journals.push(journal);
    const { db: migrated } = journal.connection;
    expect(migrated.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(journal.get('old-hold')).toMatchObject({ kind: 'preauth', amountMinor: 5000, stan: '000009' });
    expect(migrated.prepare('SELECT txn_id, state FROM print_job').all()).toEqual([{ txn_id: 'old-hold', state: 'queued' }]);
    expect(migrated.pragma('foreign_key_check')).toEqual([]);
    journal.steps.begin({ id: 'raise', kind: 'incremental', amountMinor: 100, currency: '978', originalId: 'old-hold' });
    expect(journal.get('raise')).toMatchObject({ kind: 'incremental', maskedPan: '411111******1111' });
    // The print job still follows its transaction out when retention deletes the row.
    migrated.prepare("DELETE FROM txn WHERE id = 'old-hold'").run();
    expect(migrated.prepare('SELECT COUNT(*) AS n FROM print_job').get()).toEqual({ n: 0 });
  });

  it('keeps its rows, their order and its counters through migration 7, and refuses a kind it does not know', () => {
    const dir = tempDir();
    const db = new Database(join(dir, JOURNAL_FILE));
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.slice(0, 6));
    db.prepare(
      `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, stan, masked_pan, outcome, created_at, updated_at, ended_at)
       VALUES ('old-sale', 'purchase', 'completed', 'T0000001', 1234, '978', '000007', '411111******1111', 'approved', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    ).run();
    db.prepare(`INSERT INTO txn_step (txn_id, state, at) VALUES ('old-sale', 'completed', '2026-01-01T00:00:00.000Z')`).run();
    db.prepare(`UPDATE counter SET value = 7 WHERE name = 'last_stan'`).run();
    db.close();

    const journal = openJournal(dir);
    journals.push(journal);
    expect(journal.connection.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const old = journal.get('old-sale');
    expect(old).toMatchObject({ kind: 'purchase', state: 'completed', amountMinor: 1234, tipMinor: 0, cashbackMinor: 0, originalId: null, voidedAt: null, stan: '000007' });
    expect(journal.steps.of('old-sale')).toHaveLength(1);
    journal.steps.begin({ id: 'new', kind: 'refund', amountMinor: 5, currency: '978', originalId: 'old-sale' });
    expect(journal.get('new').seq).toBeGreaterThan(old.seq);
    expect(journal.stan.next()).toBe('000008');
    expect(journal.connection.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const insert = () =>
      journal.connection.db
        .prepare(`INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, created_at, updated_at) VALUES ('x', 'cash', 'created', 'T', 1, '978', 'a', 'a')`)
        .run();
    expect(insert).toThrow(/CHECK constraint failed/);
  });
});
