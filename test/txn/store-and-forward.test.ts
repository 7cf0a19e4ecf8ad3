/**
 * Store-and-forward: the offline policy, the advice queue in a real journal
 * sent in order, once each, and an advice's bounded life.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Journal, PendingAdvice } from '../../src/txn/journal/index.js';
import { AdviceForwarder } from '../../src/txn/advice-forwarder.js';
import { offlineApprovalsHealth } from '../../src/txn/offline-setup.js';
import { adviceExpiry, decideOffline, StoreAndForward, type AdviceLife, type AdviceSender, type OfflinePolicy } from '../../src/txn/store-and-forward.js';
import { captureLog } from '../log-capture.js';
import { PosError } from '../../src/util/errors.js';
import { HostError } from '../../src/host/host-error.js';
import { card, journalBytes, openJournal, tempDir } from './journal-helpers.js';
import { thrown } from '../pos-error.js';

const POLICY: OfflinePolicy = { floorLimits: { visa: 5000, mastercard: 3000 }, maxQueuedCount: 3, maxQueuedTotalMinor: 10_000 };
const chipVisa = (amountMinor: number) => ({ kind: 'purchase' as const, brand: 'visa' as const, entryMode: 'chip' as const, amountMinor, currency: '978' });

function advice(amountMinor: number, currency = '978'): PendingAdvice {
  return {
    transactionId: 'q',
    kind: 'purchase',
    stan: null,
    terminalId: 'T0000001',
    amountMinor,
    currency,
    entryMode: 'chip',
    brand: 'visa',
    maskedPan: null,
    responseCode: 'Y1',
    authCode: null,
    approvedAt: '2025-03-01T10:00:00.000Z',
    attempts: 0,
  };
}

describe('offline policy', () => {
  it.each([
    ['a chip card under the floor limit', chipVisa(5000), [], { allowed: true }],
    ['a swipe (chip only by default)', { ...chipVisa(100), entryMode: 'swipe' }, [], { allowed: false, refusal: 'entry-mode' }],
    ['contactless (chip only by default)', { ...chipVisa(100), entryMode: 'contactless' }, [], { allowed: false, refusal: 'entry-mode' }],
    ['a brand with no floor limit', { ...chipVisa(100), brand: 'amex' }, [], { allowed: false, refusal: 'brand' }],
    ['an amount over the brand floor limit', { ...chipVisa(3001), brand: 'mastercard' }, [], { allowed: false, refusal: 'floor-limit' }],
    ['a full queue by count', chipVisa(100), [advice(1), advice(1), advice(1)], { allowed: false, refusal: 'queue-count' }],
    ['a full queue by total', chipVisa(2000), [advice(4000), advice(4001)], { allowed: false, refusal: 'queue-total' }],
    ['a queue in another currency (not counted in this total)', chipVisa(2000), [advice(9000, '840')], { allowed: true }],
  ] as const)('%s', (_name, candidate, queue, expected) => {
    expect(decideOffline(POLICY, candidate, queue)).toEqual(expected);
  });

  it('takes a refund only under a refund limit of its own, and within the queue caps', () => {
    const refund = { ...chipVisa(100), kind: 'refund' as const };
    expect(decideOffline(POLICY, refund, [])).toEqual({ allowed: false, refusal: 'type' });
    expect(decideOffline({ ...POLICY, refundLimitMinor: 0 }, refund, [])).toEqual({ allowed: false, refusal: 'type' });
    const withLimit = { ...POLICY, refundLimitMinor: 1000 };
    expect(decideOffline(withLimit, refund, [])).toEqual({ allowed: true });
    // Not the brand's floor limit: a brand with none, or a higher one, does not open or widen it.
    expect(decideOffline(withLimit, { ...refund, brand: 'amex' }, [])).toEqual({ allowed: true });
    expect(decideOffline(withLimit, { ...refund, amountMinor: 1001 }, [])).toEqual({ allowed: false, refusal: 'floor-limit' });
    expect(decideOffline(withLimit, { ...refund, entryMode: 'contactless' }, [])).toEqual({ allowed: false, refusal: 'entry-mode' });
    expect(decideOffline(withLimit, refund, [advice(1), advice(1), advice(1)])).toEqual({ allowed: false, refusal: 'queue-count' });
  });

  it('takes other entry modes when configured', () => {
    expect(decideOffline({ ...POLICY, entryModes: ['chip', 'contactless'] }, { ...chipVisa(100), entryMode: 'contactless' }, [])).toEqual({ allowed: true });
  });
});

/** A host that records every advice and fails the ones it is told to. */
class RecordingSender implements AdviceSender {
  readonly calls: { id: string; repeat: boolean }[] = [];
  failNext = 0;
  sendAdvice(advice: PendingAdvice, options: { repeat: boolean }): Promise<void> {
    this.calls.push({ id: advice.transactionId, repeat: options.repeat });
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new PosError('HOST_UNREACHABLE', 'down', {}));
    }
    return Promise.resolve();
  }
}

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

/** The journal helpers' clock starts 2025-03-01T10:00Z; the queue is looked at a few minutes later unless a test moves time. */
const SOON = new Date('2025-03-01T10:05:00Z');
const DAY_MS = 86_400_000;

function newSaf(journal: Journal, sender: AdviceSender, options: { policy?: OfflinePolicy; life?: AdviceLife; now?: () => Date } = {}): StoreAndForward {
  return new StoreAndForward({ journal, policy: options.policy ?? POLICY, sender, clock: options.now ?? (() => SOON), ...(options.life ? { life: options.life } : {}) });
}

function offlineApproved(saf: StoreAndForward, journal: Journal, id: string, amountMinor: number): void {
  journal.steps.begin({ id, amountMinor, currency: '978', card: card() });
  saf.approve(id, chipVisa(amountMinor), { responseCode: 'Y1', authCode: null });
  saf.accept(id);
}

describe('advice queue', () => {
  it('approves offline into the journal, shows it in the listing, and refuses past the policy with SAF_OFFLINE_REFUSED', () => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    const saf = newSaf(journal, new RecordingSender());
    offlineApproved(saf, journal, 'o1', 4000);
    offlineApproved(saf, journal, 'o2', 4000);
    expect(journal.list().map((e) => [e.id, e.state, e.offline, e.responseCode])).toEqual([
      ['o1', 'advice-pending', true, 'Y1'],
      ['o2', 'advice-pending', true, 'Y1'],
    ]);
    journal.steps.begin({ id: 'o3', amountMinor: 4000, currency: '978', card: card() });
    const error = thrown(() => saf.approve('o3', chipVisa(4000), { responseCode: 'Y1', authCode: null }));
    expect(error.code).toBe('SAF_OFFLINE_REFUSED');
    expect(error.details).toEqual({ id: 'o3', refusal: 'queue-total' });
    expect(journal.get('o3').state).toBe('created');
  });

  it('sends advices in order, once each, stops at a failure, and repeats after it as a repeat', async () => {
    const dir = tempDir();
    const journal = openJournal(dir);
    journals.push(journal);
    const sender = new RecordingSender();
    const saf = newSaf(journal, sender, { policy: { ...POLICY, maxQueuedCount: 10, maxQueuedTotalMinor: 1e9 } });
    for (const id of ['a', 'b', 'c']) offlineApproved(saf, journal, id, 100);

    sender.failNext = 1;
    const first = await saf.flush();
    expect(first.sent).toEqual([]);
    expect(first.remaining).toBe(3);
    expect(first.error?.code).toBe('HOST_UNREACHABLE');

    const second = await saf.flush();
    expect(second).toEqual({ sent: ['a', 'b', 'c'], expired: [], remaining: 0, error: null });
    expect(sender.calls).toEqual([
      { id: 'a', repeat: false },
      { id: 'a', repeat: true },
      { id: 'b', repeat: false },
      { id: 'c', repeat: false },
    ]);
    expect((await saf.flush()).sent).toEqual([]); // nothing is sent twice
    expect(journal.list().map((e) => e.state)).toEqual(['advice-sent', 'advice-sent', 'advice-sent']);
  });

  it('joins a flush already running rather than sending twice', async () => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[] = [];
    const sender: AdviceSender = {
      async sendAdvice(advice) {
        calls.push(advice.transactionId);
        await gate;
      },
    };
    const saf = newSaf(journal, sender);
    offlineApproved(saf, journal, 'a', 100);
    const one = saf.flush();
    const two = saf.flush();
    release();
    expect(await one).toEqual(await two);
    expect(calls).toEqual(['a']);
  });

  it('after a crash mid-send, sends the advice again as a repeat', async () => {
    const dir = tempDir();
    const journal = openJournal(dir);
    const saf = newSaf(journal, { sendAdvice: () => new Promise<void>(() => undefined) });
    offlineApproved(saf, journal, 'a', 100);
    void saf.flush(); // never answers: the attempt is counted, then "power cut"
    journal.close();

    const again = openJournal(dir);
    journals.push(again);
    const sender = new RecordingSender();
    const result = await newSaf(again, sender).flush();
    expect(result.sent).toEqual(['a']);
    expect(sender.calls).toEqual([{ id: 'a', repeat: true }]);
  });
});

describe('an advice has a bounded life', () => {
  const LIFE: AdviceLife = { maxAgeDays: 7, maxAttempts: 3 };

  it.each([
    ['young and untried', SOON, 0, null],
    ['exactly seven days old', new Date(Date.parse(advice(1).approvedAt) + 7 * DAY_MS), 0, null],
    ['a second past seven days', new Date(Date.parse(advice(1).approvedAt) + 7 * DAY_MS + 1000), 0, 'max-age'],
    ['sent three times unacknowledged', SOON, 3, 'max-attempts'],
    ['sent twice', SOON, 2, null],
  ] as const)('%s → %s', (_name, now, attempts, expected) => {
    expect(adviceExpiry({ ...advice(1), attempts }, LIFE, now)).toBe(expected);
  });

  /** An advice queued with a sealed blob, as the approver leaves it. */
  function queued(journal: Journal, saf: StoreAndForward, id: string): Buffer {
    journal.steps.begin({ id, amountMinor: 100, currency: '978', card: card() });
    saf.approve(id, chipVisa(100), { responseCode: 'Y1', authCode: null });
    const blob = Buffer.from(`sealed-card-data-of-${id}`.padEnd(96, '#'), 'latin1');
    saf.accept(id, blob);
    return blob;
  }

  it('expires an advice past its age before sending it: out of the queue, blob destroyed, masked row kept; the next one still goes', async () => {
    const dir = tempDir();
    let now = SOON;
    const journal = openJournal(dir, { clock: () => now });
    journals.push(journal);
    const sender = new RecordingSender();
    const saf = newSaf(journal, sender, { life: LIFE, now: () => now });
    const oldBlob = queued(journal, saf, 'old');
    now = new Date(SOON.getTime() + 7 * DAY_MS + 60_000);
    queued(journal, saf, 'new');
    expect(journalBytes(dir)).toContain(oldBlob.toString('latin1'));

    const result = await saf.flush();
    expect(result).toEqual({ sent: ['new'], expired: ['old'], remaining: 0, error: null });
    expect(sender.calls).toEqual([{ id: 'new', repeat: false }]);
    expect(journal.get('old')).toMatchObject({ state: 'advice-expired', errorCode: 'SAF_ADVICE_EXPIRED', reason: 'max-age', maskedPan: '476173******0119' });
    expect(journal.advices.sealedCard('old')).toBeNull();
    expect(journal.steps.of('old').map((s) => s.state)).toEqual(['created', 'offline-approved', 'advice-pending', 'advice-expired']);
    expect(journalBytes(dir)).not.toContain(oldBlob.toString('latin1'));
  });

  it('shows the operator, in the health, the refunds whose advice expired: credits the acquirer never heard of', () => {
    const dir = tempDir();
    let now = SOON;
    const journal = openJournal(dir, { clock: () => now });
    journals.push(journal);
    const saf = newSaf(journal, new RecordingSender(), { policy: { ...POLICY, refundLimitMinor: 1000 }, life: LIFE, now: () => now });
    queued(journal, saf, 'sale');
    journal.steps.begin({ id: 'refund', kind: 'refund', amountMinor: 450, currency: '978', card: card() });
    saf.approve('refund', { ...chipVisa(450), kind: 'refund' }, { responseCode: 'Y3', authCode: 'Y00001' });
    saf.accept('refund', Buffer.from('sealed'));
    expect(offlineApprovalsHealth(journal)).toEqual({ queued: 2, queuedTotal: 550, expired: 0, expiredRefunds: { count: 0, amountMinor: 0 } });
    now = new Date(SOON.getTime() + 7 * DAY_MS + 60_000);
    saf.expireOutlived();
    expect(offlineApprovalsHealth(journal)).toEqual({ queued: 0, queuedTotal: 0, expired: 2, expiredRefunds: { count: 1, amountMinor: 450 } });
  });

  it('expires an advice sent maxAttempts times without an acknowledgement, and sends the one behind it', async () => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    const calls: string[] = [];
    const sender: AdviceSender = {
      sendAdvice(a) {
        calls.push(a.transactionId);
        // The host answers, but never acknowledges 'stuck'.
        if (a.transactionId === 'stuck') return Promise.reject(new HostError('HOST_BAD_RESPONSE', 'answered 96', 'maybe-sent'));
        return Promise.resolve();
      },
    };
    const saf = newSaf(journal, sender, { life: LIFE });
    queued(journal, saf, 'stuck');
    queued(journal, saf, 'fine');
    for (let i = 0; i < LIFE.maxAttempts; i++) expect((await saf.flush()).error?.code).toBe('HOST_BAD_RESPONSE');
    expect(journal.get('stuck')).toMatchObject({ state: 'advice-pending', adviceAttempts: 3 });
    const last = await saf.flush();
    expect(last).toEqual({ sent: ['fine'], expired: ['stuck'], remaining: 0, error: null });
    expect(calls).toEqual(['stuck', 'stuck', 'stuck', 'fine']);
    expect(journal.get('stuck')).toMatchObject({ state: 'advice-expired', reason: 'max-attempts' });
    expect(journal.advices.sealedCard('stuck')).toBeNull();
  });

  it('ends an advice on time even while owed reversals hold the queue, and leaves it out of the batch totals', async () => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    let now = SOON;
    const sender = new RecordingSender();
    const saf = newSaf(journal, sender, { life: LIFE, now: () => now });
    queued(journal, saf, 'a');
    expect(journal.batches.totals().currencies[0]?.offline).toEqual({ count: 1, amountMinor: 100 });
    now = new Date(SOON.getTime() + 30 * DAY_MS);
    const log = captureLog();
    const forwarder = new AdviceForwarder({ saf, drainReversals: () => Promise.resolve({ remaining: 1 }), intervalMs: 1000, logger: log.logger });
    const result = await forwarder.drain();
    expect(result).toMatchObject({ heldByReversals: true, expired: ['a'], remaining: 0 });
    // The operator's line names what to settle, with the masked card only.
    const line = JSON.parse(log.text().split('\n').find((l) => l.includes('SAF_ADVICE_EXPIRED')) ?? '{}') as Record<string, unknown>;
    expect(line['expired']).toEqual([{ id: 'a', kind: 'purchase', amountMinor: 100, currency: '978', maskedPan: '476173******0119' }]);
    expect(log.text()).not.toContain('4761739001010119');
    expect(sender.calls).toEqual([]);
    expect(journal.get('a').state).toBe('advice-expired');
    expect(journal.batches.totals().currencies).toEqual([]);
  });
});
