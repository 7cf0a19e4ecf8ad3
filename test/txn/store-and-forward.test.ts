/** Store-and-forward: the offline policy, and the advice queue in a real journal sent in order, once each. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Journal, PendingAdvice } from '../../src/txn/journal/index.js';
import { decideOffline, StoreAndForward, type AdviceSender, type OfflinePolicy } from '../../src/txn/store-and-forward.js';
import { PosError } from '../../src/util/errors.js';
import { card, catchPosError, openJournal, tempDir } from './journal-helpers.js';

const POLICY: OfflinePolicy = { floorLimits: { visa: 5000, mastercard: 3000 }, maxQueuedCount: 3, maxQueuedTotalMinor: 10_000 };
const chipVisa = (amountMinor: number) => ({ brand: 'visa' as const, entryMode: 'chip' as const, amountMinor, currency: '978' });

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
    panHash: null,
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

function offlineApproved(saf: StoreAndForward, journal: Journal, id: string, amountMinor: number): void {
  journal.begin({ id, amountMinor, currency: '978', card: card() });
  saf.approve(id, chipVisa(amountMinor), { responseCode: 'Y1', authCode: null });
  saf.accept(id);
}

describe('advice queue', () => {
  it('approves offline into the journal, shows it in the listing, and refuses past the policy with SAF_OFFLINE_REFUSED', () => {
    const journal = openJournal(tempDir());
    journals.push(journal);
    const saf = new StoreAndForward({ journal, policy: POLICY, sender: new RecordingSender() });
    offlineApproved(saf, journal, 'o1', 4000);
    offlineApproved(saf, journal, 'o2', 4000);
    expect(journal.list().map((e) => [e.id, e.state, e.offline, e.responseCode])).toEqual([
      ['o1', 'advice-pending', true, 'Y1'],
      ['o2', 'advice-pending', true, 'Y1'],
    ]);
    journal.begin({ id: 'o3', amountMinor: 4000, currency: '978', card: card() });
    const error = catchPosError(() => saf.approve('o3', chipVisa(4000), { responseCode: 'Y1', authCode: null }));
    expect(error.code).toBe('SAF_OFFLINE_REFUSED');
    expect(error.details).toEqual({ id: 'o3', refusal: 'queue-total' });
    expect(journal.get('o3').state).toBe('created');
  });

  it('sends advices in order, once each, stops at a failure, and repeats after it as a repeat', async () => {
    const dir = tempDir();
    const journal = openJournal(dir);
    journals.push(journal);
    const sender = new RecordingSender();
    const saf = new StoreAndForward({ journal, policy: { ...POLICY, maxQueuedCount: 10, maxQueuedTotalMinor: 1e9 }, sender });
    for (const id of ['a', 'b', 'c']) offlineApproved(saf, journal, id, 100);

    sender.failNext = 1;
    const first = await saf.flush();
    expect(first.sent).toEqual([]);
    expect(first.remaining).toBe(3);
    expect(first.error?.code).toBe('HOST_UNREACHABLE');

    const second = await saf.flush();
    expect(second).toEqual({ sent: ['a', 'b', 'c'], remaining: 0, error: null });
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
    const saf = new StoreAndForward({ journal, policy: POLICY, sender });
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
    const saf = new StoreAndForward({ journal, policy: POLICY, sender: { sendAdvice: () => new Promise<void>(() => undefined) } });
    offlineApproved(saf, journal, 'a', 100);
    void saf.flush(); // never answers: the attempt is counted, then "power cut"
    journal.close();

    const again = openJournal(dir);
    journals.push(again);
    const sender = new RecordingSender();
    const result = await new StoreAndForward({ journal: again, policy: POLICY, sender }).flush();
    expect(result.sent).toEqual(['a']);
    expect(sender.calls).toEqual([{ id: 'a', repeat: true }]);
  });
});
