/**
 * The engine approving offline when the host cannot be reached: a real
 * journal, the real approver and sealer, fake devices and a fake host.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CardBrand } from '../../src/card/types.js';
import type { CardRead, ChipRead } from '../../src/devices/card-reader.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger as quiet } from '../../src/log/logger.js';
import { generateKeyPairSync } from 'node:crypto';
import { adviceSealingKey } from '../../src/host/messages/sealed-advice.js';
import { AdviceSealer } from '../../src/txn/advice-card.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import type { OfflineGrant } from '../../src/txn/ledger.js';
import { OfflineApprovals, offlineAuthCode, type OfflineRequest } from '../../src/txn/offline-approver.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { StoreAndForward, type AdviceSender, type OfflinePolicy } from '../../src/txn/store-and-forward.js';
import { PosError } from '../../src/util/errors.js';
import { HostError } from '../../src/host/host-error.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { approveAll, chipCardOf, FakeChipReader, FakeHost, FakePinPad, testCard, testEngine, TEST_NOW as NOW } from './fakes.js';
import type { AuthorizationResponse, CardRequest } from '../../src/host/model.js';
import type { EngineDeps } from '../../src/txn/engine.js';
import { NO_EXTRAS } from '../../src/txn/start-input.js';
import { openJournal, tempDir } from './journal-helpers.js';

/** The acquirer's public key: the terminal seals to it and holds nothing that opens. */
const ACQUIRER_KEY = adviceSealingKey(generateKeyPairSync('x25519').publicKey);
const POLICY: OfflinePolicy = { floorLimits: { visa: 5000 }, maxQueuedCount: 2, maxQueuedTotalMinor: 8000 };

const unreachable = () => Promise.reject(new HostError('HOST_UNREACHABLE', 'refused', 'not-sent', { reason: 'connect-failed' }));

const journals: Journal[] = [];
afterEach(() => {
  for (const j of journals.splice(0)) j.close();
});

const neverSends: AdviceSender = { sendAdvice: () => Promise.reject(new Error('no advice is sent in these tests')) };

/** The real approvals, noting each decision the ledger asked for. */
class NotingApprovals extends OfflineApprovals {
  readonly decisions: { id: string; refusal: string | null }[] = [];

  override approve(request: OfflineRequest): OfflineGrant {
    const grant = super.approve(request);
    this.decisions.push({ id: request.id, refusal: grant.granted ? null : grant.refusal });
    return grant;
  }
}

function setup(answer: (req: CardRequest) => Promise<AuthorizationResponse>, policy: OfflinePolicy = POLICY, withOffline = true, engineDeps: Partial<EngineDeps> = {}) {
  const journal = openJournal(tempDir());
  journals.push(journal);
  const reader = new FakeChipReader();
  const display = new RecordingDisplay();
  const host = new FakeHost(answer);
  const saf = new StoreAndForward({ journal, policy, sender: neverSends, clock: () => NOW });
  const approvals = new NotingApprovals({ saf, sealer: new AdviceSealer(ACQUIRER_KEY), journal });
  const ledger = new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, quiet), offline: withOffline ? approvals : null, logger: quiet });
  const engine = testEngine({ reader, pinpad: new FakePinPad(), display, ledger, host, ...engineDeps });
  return { engine, reader, display, journal, host, approvals: approvals.decisions };
}

function chipRead(brand: CardBrand = 'visa', pan = '4761739001010119'): CardRead {
  return { entryMode: 'chip', card: chipCardOf(testCard(pan, { year: 2030, month: 12 }, brand, '201')), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF00119F360200019F270180', 'hex')) } };
}

async function purchase(env: ReturnType<typeof setup>, amount: number, read: CardRead = chipRead(), extras: { tip?: number; cashback?: number } = {}) {
  const { id } = env.engine.start({ type: 'purchase', amount, currency: '978', ...extras });
  await env.reader.armed();
  env.reader.presentRead(read);
  return env.engine.wait(id);
}

describe('offline approval when the host cannot be reached', () => {
  it('approves a chip card under the floor limit: Y3, a terminal auth code, APPROVED (OFFLINE), the advice queued', async () => {
    const env = setup(unreachable);
    const result = await purchase(env, 1500);
    expect(result).toMatchObject({ status: 'approved', responseCode: 'Y3', authCode: offlineAuthCode(result.stan ?? ''), offline: true, rrn: null });
    expect(result.authCode).toMatch(/^Y\d{5}$/);
    expect(env.reader.completions).toEqual([{ unableToGoOnline: true, approved: true, responseCode: 'Y3', issuerTlv: Buffer.alloc(0) }]);
    expect(env.display.shown.at(-1)).toMatchObject({ kind: 'approved', prompt: 'APPROVED (OFFLINE)', reason: `AUTH ${result.authCode ?? ''}` });
    expect(env.journal.get(result.id)).toMatchObject({ state: 'advice-pending', offline: true, responseCode: 'Y3', authCode: result.authCode, stan: result.stan });
    expect(env.journal.steps.of(result.id).map((s) => s.state)).toEqual(['created', 'created', 'request-sent', 'offline-approved', 'advice-pending']);
    expect(env.journal.advices.sealedCard(result.id)).not.toBeNull();
    expect(env.journal.reversals.pending()).toEqual([]);
  });

  it.each([
    ['over the brand floor limit', 5001, chipRead(), 'floor-limit'],
    ['a brand with no floor limit', 100, chipRead('mastercard', '5413330089020011'), 'brand'],
    ['a swipe (chip only)', 100, { entryMode: 'swipe', card: testCard('4761739001010119') }, 'entry-mode'],
    ['a swipe that asked for online PIN', 100, { entryMode: 'swipe', card: testCard('4761739001010119'), pinRequired: true }, 'cvm'],
  ] as const)('refuses %s: the purchase fails as HOST UNAVAILABLE, the card is not asked', async (_name, amount, read, refusal) => {
    const env = setup(unreachable);
    const result = await purchase(env, amount, read);
    expect(result).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE', reason: 'HOST UNAVAILABLE', responseCode: null, authCode: null });
    expect(result.offline).toBeUndefined();
    expect(env.approvals).toEqual([{ id: result.id, refusal }]);
    expect(env.reader.completions).toEqual([]);
    expect(env.journal.get(result.id)).toMatchObject({ state: 'failed', offline: false });
    expect(env.journal.advices.pending()).toEqual([]);
  });

  it('weighs the whole amount, tip and cashback included, against the floor limit and the queue', async () => {
    const env = setup(unreachable, { ...POLICY, maxQueuedCount: 10, maxQueuedTotalMinor: 9000 }, true, { policy: { ...NO_EXTRAS, tips: true, cashbackLimit: 5000 } });
    const tipped = await purchase(env, 1000, chipRead(), { tip: 4500 });
    expect(tipped).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE', total: 5500 });
    const withCash = await purchase(env, 3000, chipRead(), { cashback: 2500 });
    expect(withCash).toMatchObject({ status: 'failed', total: 5500 });
    expect(env.approvals).toEqual([
      { id: tipped.id, refusal: 'floor-limit' },
      { id: withCash.id, refusal: 'floor-limit' },
    ]);
    expect(await purchase(env, 1000, chipRead(), { tip: 4000 })).toMatchObject({ status: 'approved', responseCode: 'Y3', total: 5000 });
    // 50.00 queued: 41.00 more is over the queue's 90.00, though its goods alone (35.00) are not.
    const overQueue = await purchase(env, 3500, chipRead(), { tip: 600 });
    expect(overQueue).toMatchObject({ status: 'failed', total: 4100 });
    expect(env.approvals.at(-1)).toEqual({ id: overQueue.id, refusal: 'queue-total' });
  });

  it('approves offline only a referenced refund of a purchase the host approved, under the refund limit; its card hears nothing more', async () => {
    let down = false;
    const answer = (req: CardRequest): Promise<AuthorizationResponse> => (down ? unreachable() : approveAll(req));
    const refunds = { policy: { ...NO_EXTRAS, unreferencedRefunds: true } };
    const refundOf = async (env: ReturnType<typeof setup>, amount: number, originalId?: string) => {
      const { id } = env.engine.start({ type: 'refund', amount, currency: '978', ...(originalId === undefined ? {} : { originalId }) });
      await env.reader.armed();
      const aac: ChipRead = { ...(chipRead() as ChipRead), firstDecision: 'declined-offline' };
      env.reader.presentRead(aac);
      return env.engine.wait(id);
    };
    const off = setup(answer, POLICY, true, refunds);
    const sold = await purchase(off, 3000);
    down = true;
    const refused = await refundOf(off, 900, sold.id);
    expect(refused).toMatchObject({ type: 'refund', status: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(off.approvals.at(-1)).toEqual({ id: refused.id, refusal: 'type' });

    down = false;
    const on = setup(answer, { ...POLICY, refundLimitMinor: 1000 }, true, refunds);
    const sale = await purchase(on, 3000);
    expect(sale).toMatchObject({ status: 'approved', responseCode: '00' });
    down = true;
    const over = await refundOf(on, 1001, sale.id);
    expect(on.approvals.at(-1)).toEqual({ id: over.id, refusal: 'floor-limit' });
    const completionsBefore = on.reader.completions.length;
    const approved = await refundOf(on, 900, sale.id);
    expect(approved).toMatchObject({ type: 'refund', status: 'approved', responseCode: 'Y3', offline: true });
    expect(on.reader.completions).toHaveLength(completionsBefore);
    expect(on.journal.get(approved.id)).toMatchObject({ kind: 'refund', state: 'advice-pending' });
    // An unreferenced refund, or a refund of an offline approval, is never approved offline.
    const unreferenced = await refundOf(on, 100);
    expect(unreferenced).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(on.approvals.map((a) => a.id)).not.toContain(unreferenced.id);
    const offlineSale = await purchase(on, 800);
    expect(offlineSale).toMatchObject({ status: 'approved', responseCode: 'Y3' });
    expect(() => on.engine.start({ type: 'refund', amount: 100, currency: '978', originalId: offlineSale.id })).toThrow(/has not reached the host/);
    // A pre-authorization is never approved offline, whatever the policy.
    const { id } = on.engine.start({ type: 'preauth', amount: 900, currency: '978' });
    await on.reader.armed();
    on.reader.presentRead(chipRead());
    expect(await on.engine.wait(id)).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE' });
  });

  it('refuses once the queue is full by count, then by total', async () => {
    const env = setup(unreachable);
    expect((await purchase(env, 4000)).status).toBe('approved');
    expect((await purchase(env, 4000)).status).toBe('approved');
    const third = await purchase(env, 10);
    expect(third).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(env.journal.advices.pending()).toHaveLength(2);

    const byTotal = setup(unreachable, { ...POLICY, maxQueuedCount: 10 });
    expect((await purchase(byTotal, 5000)).status).toBe('approved');
    expect((await purchase(byTotal, 3001)).status).toBe('failed');
    expect((await purchase(byTotal, 3000)).status).toBe('approved');
  });

  it.each([
    ['HOST_TIMEOUT', 'maybe-sent', {}],
    ['HOST_CONNECTION_LOST', 'maybe-sent', {}],
    ['HOST_BAD_RESPONSE', 'maybe-sent', { field: 64 }],
    // Not a HostError: nothing says the request never left, so it may have.
    ['HOST_UNREACHABLE', null, {}],
    ['HOST_REQUEST_INVALID', 'not-sent', { field: 55 }],
  ] as const)('never approves offline after %s (%s) %j', async (code, delivery, details) => {
    const env = setup(() => Promise.reject(delivery === null ? new PosError(code, 'no', details) : new HostError(code, 'no', delivery, details)));
    const result = await purchase(env, 100);
    expect(result).toMatchObject({ status: 'failed', errorCode: code });
    expect(env.approvals).toEqual([]);
    expect(env.reader.completions).toEqual([]);
    expect(env.journal.advices.pending()).toEqual([]);
  });

  it('a reversal, not an offline approval, when the request may have reached the host', async () => {
    const env = setup(() => Promise.reject(new HostError('HOST_TIMEOUT', 'late', 'maybe-sent')));
    const result = await purchase(env, 100);
    expect(env.journal.get(result.id).state).toBe('reversal-pending');
  });

  it('declines Z3 and queues nothing when the card refuses the offline approval (AAC)', async () => {
    const env = setup(unreachable);
    env.reader.cardDecision = 'declined';
    const result = await purchase(env, 1500);
    expect(result).toMatchObject({ status: 'declined', responseCode: 'Z3', authCode: null, errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD' });
    expect(result.offline).toBeUndefined();
    expect(env.journal.get(result.id)).toMatchObject({ state: 'declined', responseCode: 'Z3' });
    expect(env.journal.advices.sealedCard(result.id)).toBeNull();
    expect(env.journal.advices.pending()).toEqual([]);
    expect(env.display.shown.at(-1)).toMatchObject({ kind: 'declined', reason: 'DECLINED BY CARD' });
  });

  it('fails, with nothing owed, when the card is pulled before it answers', async () => {
    const env = setup(unreachable);
    env.reader.cardDecision = 'removed';
    const result = await purchase(env, 1500);
    expect(result).toMatchObject({ status: 'failed', reason: 'CARD REMOVED - NOT COMPLETED', responseCode: null, authCode: null });
    expect(env.journal.get(result.id).state).toBe('failed');
    expect(env.journal.advices.pending()).toEqual([]);
    expect(env.journal.reversals.pending()).toEqual([]);
  });

  it('without store-and-forward the engine stays online only', async () => {
    const env = setup(unreachable, POLICY, false);
    const result = await purchase(env, 100);
    expect(result).toMatchObject({ status: 'failed', errorCode: 'HOST_UNREACHABLE' });
    expect(env.reader.completions).toEqual([]);
  });

  it('takes a swipe when chip-only is off, with no card dialog', async () => {
    const env = setup(unreachable, { ...POLICY, entryModes: ['chip', 'swipe'] });
    const result = await purchase(env, 100, { entryMode: 'swipe', card: testCard('4761739001010119') });
    expect(result).toMatchObject({ status: 'approved', responseCode: 'Y3', offline: true });
    expect(env.journal.get(result.id).state).toBe('advice-pending');
  });
});

describe("the terminal's kernel decides at the first GENERATE AC", () => {
  const kernelRead = (firstDecision: 'approved-offline' | 'declined-offline' | 'online'): CardRead => ({ ...(chipRead() as ChipRead), firstDecision });
  const neverAsked = () => Promise.reject(new Error('the host must not be asked'));

  it('a TC approves offline (Y1) with a new STAN, and its advice is queued: the host is never asked, nor the card again', async () => {
    const env = setup(neverAsked);
    // Above the brand floor limit: the kernel's per-AID limits decided, not the brand table.
    const result = await purchase(env, 7000, kernelRead('approved-offline'));
    expect(result).toMatchObject({ status: 'approved', responseCode: 'Y1', offline: true, authCode: offlineAuthCode(result.stan ?? '') });
    expect(result.stan).toMatch(/^\d{6}$/);
    expect(env.host.requests).toEqual([]);
    expect(env.reader.completions).toEqual([]);
    expect(env.journal.get(result.id)).toMatchObject({ state: 'advice-pending', stan: result.stan, responseCode: 'Y1' });
  });

  it('a TC the advice queue cannot take is declined, and nothing is owed', async () => {
    const env = setup(neverAsked, { ...POLICY, maxQueuedCount: 0 });
    const result = await purchase(env, 100, kernelRead('approved-offline'));
    expect(result).toMatchObject({ status: 'declined', errorCode: 'TXN_OFFLINE_REFUSED', authCode: null });
    expect(env.approvals).toEqual([{ id: result.id, refusal: 'queue-count' }]);
    expect(env.journal.get(result.id).state).toBe('declined');
  });

  it('an AAC declines offline (Z1) without the host or the advice queue', async () => {
    const env = setup(neverAsked);
    const result = await purchase(env, 100, kernelRead('declined-offline'));
    expect(result).toMatchObject({ status: 'declined', responseCode: 'Z1', errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD' });
    expect(env.host.requests).toEqual([]);
    expect(env.approvals).toEqual([]);
    expect(env.journal.get(result.id).state).toBe('declined');
  });

  it('unable to go online: the kernel, not the brand floor limit, decides', async () => {
    const env = setup(unreachable);
    const result = await purchase(env, 7000, kernelRead('online'));
    expect(result).toMatchObject({ status: 'approved', responseCode: 'Y3', offline: true });
    expect(env.reader.completions).toEqual([{ unableToGoOnline: true, approved: true, responseCode: 'Y3', issuerTlv: Buffer.alloc(0) }]);
  });
});
