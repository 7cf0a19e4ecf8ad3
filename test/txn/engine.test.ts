import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordingDisplay } from '../../src/display/console-display.js';
import type { EngineDeps } from '../../src/txn/engine.js';
import type { Ledger } from '../../src/txn/ledger.js';
import { PosError } from '../../src/util/errors.js';
import { HostError } from '../../src/host/host-error.js';
import { captureLog } from '../log-capture.js';
import { rejection } from '../pos-error.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { approveAll, chipCardOf, FakeChipReader, FakeHost, FakePinPad, FakeReader, memoryLedger, testCard, testEngine, TEST_NOW as NOW } from './fakes.js';

function setup<R extends FakeReader = FakeReader>(host = new FakeHost(approveAll), overrides: Partial<EngineDeps> = {}, reader: R = new FakeReader() as R, failing: Partial<Ledger> = {}) {
  const display = new RecordingDisplay();
  const { logger, text } = captureLog();
  const steps: string[] = [];
  const memory = memoryLedger({ lastStan: 41 });
  const reversals = memory.reversals;
  const ledger: Ledger = {
    ...memory,
    begin: (s) => steps.push(`created ${s.result.state}`),
    cardRead: (s) => steps.push(`card ${s.result.maskedPan ?? ''} ${s.card.pan.masked()}`),
    sent: (s) => {
      const stan = memory.sent(s);
      steps.push(`sent ${stan}`);
      return stan;
    },
    answered: (s) => steps.push(`response ${s.result.responseCode ?? ''}`),
    ended: (s) => steps.push(`ended ${s.result.status ?? ''}`),
    ...failing,
  };
  const engine = testEngine({ reader, display, ledger, host, logger, ...overrides });
  return { engine, reader, display, reversals, host, steps, log: text };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TransactionEngine purchase', () => {
  it('approves: waiting-for-card → authorizing → approved, with the host fields and a masked PAN', async () => {
    const { engine, reader, display, host, log } = setup();
    const started = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    expect(started).toMatchObject({ state: 'waiting-for-card', status: null, amount: 1234 });
    await reader.armed();
    expect(reader.requests).toEqual([{ amountMinor: 1234, currency: '978', purpose: 'purchase', useStripe: expect.any(Function), insertCard: expect.any(Function) }]);
    const card = testCard();
    reader.present(card);
    const ended = await engine.wait(started.id);
    expect(ended).toMatchObject({
      status: 'approved',
      responseCode: '00',
      authCode: 'A1B2C3',
      rrn: '000000000001',
      stan: '000042',
      maskedPan: '411111******1111',
      brand: 'visa',
      entryMode: 'swipe',
      endedAt: NOW.toISOString(),
    });
    expect(host.requests).toEqual([{ stan: '000042', amountMinor: 1234, panSeen: '4111111111111111', pin: false, chip: false }]);
    expect(display.shown.map((s) => s.kind)).toEqual(['present-card', 'processing', 'approved']);
    expect(card.pan.wiped).toBe(true);
    expect(card.track2.wiped).toBe(true);
    expect(log()).not.toContain('4111111111111111');
    expect(log()).toContain('411111******1111');
    expect(engine.current).toBeNull();
  });

  it.each(['08', '10', '11'])('honours the host approving with %s, as with 00 (isApproval): no reversal owed', async (responseCode) => {
    const host = new FakeHost((req) => Promise.resolve({ responseCode, approved: true, authCode: 'A1B2C3', rrn: '000000000002', stan: req.stan }));
    const { engine, reader, reversals } = setup(host);
    const { id } = engine.start({ type: 'purchase', amount: 500, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    expect(await engine.wait(id)).toMatchObject({ status: 'approved', responseCode, authCode: 'A1B2C3' });
    expect(reversals.pending()).toEqual([]);
  });

  it('declines with the host response code and its reason', async () => {
    const host = new FakeHost((req) => Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: '000000000002', stan: req.stan }));
    const { engine, reader, display } = setup(host);
    const { id } = engine.start({ type: 'purchase', amount: 99999, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    expect(await engine.wait(id)).toMatchObject({ status: 'declined', responseCode: '51', reason: 'INSUFFICIENT FUNDS' });
    expect(display.shown.at(-1)).toMatchObject({ kind: 'declined', reason: 'INSUFFICIENT FUNDS' });
  });

  it('declines an expired card locally and sends nothing', async () => {
    const { engine, reader, host } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.present(testCard('4012888888881881', { year: 2020, month: 12 }));
    expect(await engine.wait(id)).toMatchObject({ status: 'declined', errorCode: 'CARD_EXPIRED', responseCode: null, stan: null });
    expect(host.requests).toHaveLength(0);
  });

  it('accepts a card in its expiry month', async () => {
    const { engine, reader } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.present(testCard('4111111111111111', { year: 2026, month: 11 }));
    expect((await engine.wait(id)).status).toBe('approved');
  });

  it('fails on a bad read with the read error code, sending nothing', async () => {
    const { engine, reader, host, display } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.fail(new PosError('CARD_TRACK_MALFORMED', 'bad track', { track: 2, offset: 0 }));
    expect(await engine.wait(id)).toMatchObject({ status: 'failed', errorCode: 'CARD_TRACK_MALFORMED', reason: 'CARD READ ERROR - TRY AGAIN' });
    expect(host.requests).toHaveLength(0);
    expect(display.shown.at(-1)?.kind).toBe('failed');
  });

  it('cancels while waiting for the card, and refuses to cancel once ended', async () => {
    const { engine, reader } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    // The cancel answers with the final outcome, not a snapshot of a transaction still running.
    expect(await engine.cancel(id)).toMatchObject({ state: 'cancelled', status: 'cancelled', errorCode: 'TXN_CANCELLED', reason: 'CANCELLED' });
    expect(await engine.wait(id)).toMatchObject({ status: 'cancelled', errorCode: 'TXN_CANCELLED', reason: 'CANCELLED' });
    expect((await rejection(engine.cancel(id))).code).toBe('TXN_NOT_CANCELLABLE');
    expect((await rejection(engine.cancel('nope'))).code).toBe('TXN_NOT_FOUND');
  });

  it('gives up when no card comes in time', async () => {
    vi.useFakeTimers();
    const { engine, reader } = setup(undefined, { cardTimeoutMs: 30_000 });
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await engine.wait(id)).toMatchObject({ status: 'cancelled', reason: 'NO CARD PRESENTED' });
  });

  it('takes one transaction at a time', async () => {
    const { engine, reader } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    expect(() => engine.start({ type: 'purchase', amount: 100, currency: '978' })).toThrow(expect.objectContaining({ code: 'TXN_BUSY' }));
    await reader.armed();
    reader.present(testCard());
    await engine.wait(id);
    expect(engine.start({ type: 'purchase', amount: 100, currency: '978' }).state).toBe('waiting-for-card');
  });

  it.each([
    [0, 'TXN_AMOUNT_INVALID'],
    [-5, 'TXN_AMOUNT_INVALID'],
    [1.5, 'TXN_AMOUNT_INVALID'],
    [1_000_000_000_000, 'TXN_AMOUNT_INVALID'],
  ])('rejects amount %s', (amount, code) => {
    const { engine } = setup();
    expect(() => engine.start({ type: 'purchase', amount, currency: '978' })).toThrow(expect.objectContaining({ code }));
  });

  it.each([['999'], ['840']])('rejects currency %s (unknown, or not the terminal’s)', (currency) => {
    const { engine } = setup();
    expect(() => engine.start({ type: 'purchase', amount: 1, currency })).toThrow(expect.objectContaining({ code: 'TXN_CURRENCY_UNSUPPORTED' }));
  });

  it.each([
    ['HOST_TIMEOUT', 'maybe-sent', 'NO HOST RESPONSE', 1],
    ['HOST_CONNECTION_LOST', 'maybe-sent', 'HOST CONNECTION LOST', 1],
    ['HOST_UNREACHABLE', 'not-sent', 'HOST UNAVAILABLE', 0],
  ] as const)('fails on %s and records a reversal only when the request may have reached the host (%s)', async (code, delivery, reason, reversals) => {
    const host = new FakeHost(() => Promise.reject(new HostError(code, 'host trouble', delivery)));
    const ctx = setup(host);
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.present(testCard());
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'failed', errorCode: code, reason });
    expect(ctx.reversals.pending()).toHaveLength(reversals);
    if (reversals) expect(ctx.reversals.pending()[0]).toMatchObject({ stan: '000042', amountMinor: 700, maskedPan: '411111******1111', reason: code });
  });

  it('owes a reversal when the host fails with anything but a HostError: doubt means the request may have reached it', async () => {
    const host = new FakeHost(() => Promise.reject(new TypeError('a bug in a host client')));
    const ctx = setup(host);
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.present(testCard());
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'failed', errorCode: 'INTERNAL', reason: 'HOST ERROR' });
    expect(ctx.reversals.pending()).toEqual([expect.objectContaining({ stan: '000042', amountMinor: 700, reason: 'INTERNAL' })]);
  });

  it('records each step for the journal before the next one', async () => {
    const { engine, reader, steps } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    reader.present(testCard());
    await engine.wait(id);
    expect(steps).toEqual(['created waiting-for-card', 'card 411111******1111 411111******1111', 'sent 000042', 'response 00', 'ended approved']);
  });

  it('cancels, with the reason on the display, when the reader goes away mid-transaction', async () => {
    const { engine, reader, display } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.fail(new PosError('DEVICE_DISCONNECTED', 'gone', { path: '/dev/x' }));
    expect(await engine.wait(id)).toMatchObject({ status: 'cancelled', errorCode: 'DEVICE_DISCONNECTED', reason: 'READER DISCONNECTED' });
    expect(display.shown.at(-1)).toMatchObject({ kind: 'cancelled', reason: 'READER DISCONNECTED' });
  });

  it.each([
    ['a card pulled during the read', 'EMV_CARD_REMOVED', 'cancelled', 'CARD REMOVED'],
    ['a card that says it is blocked', 'EMV_CARD_BLOCKED', 'failed', 'CARD BLOCKED'],
    ['a card whose applications are blocked', 'EMV_APPLICATION_BLOCKED', 'failed', 'CARD BLOCKED'],
    ['a card with no application in common', 'EMV_NO_APPLICATION', 'failed', 'CARD NOT SUPPORTED'],
  ] as const)('%s ends the purchase with the card, not the reader, named on the display', async (_what, code, status, reason) => {
    const { engine, reader, display } = setup();
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    reader.fail(new PosError(code, 'from the card'));
    expect(await engine.wait(id)).toMatchObject({ status, errorCode: code, reason });
    expect(display.shown.at(-1)).toMatchObject({ kind: status, reason });
  });
});

describe('TransactionEngine when the journal fails', () => {
  it('refuses to start a transaction the journal cannot record', () => {
    const { engine } = setup(undefined, {}, undefined, {
      begin: () => {
        throw new PosError('JOURNAL_FAULTED', 'disk full earlier', { fault: 'JOURNAL_DISK_FULL' });
      },
    });
    expect(() => engine.start({ type: 'purchase', amount: 100, currency: '978' })).toThrow(expect.objectContaining({ code: 'JOURNAL_FAULTED' }));
    expect(engine.current).toBeNull();
  });

  it('abandons a transaction whose step cannot be recorded, before anything is sent', async () => {
    const { engine, reader, host, display } = setup(undefined, {}, undefined, {
      cardRead: () => {
        throw new PosError('JOURNAL_DISK_FULL', 'full', {});
      },
    });
    const { id } = engine.start({ type: 'purchase', amount: 100, currency: '978' });
    await reader.armed();
    const card = testCard();
    reader.present(card);
    expect(await engine.wait(id)).toMatchObject({ status: 'failed', errorCode: 'JOURNAL_DISK_FULL', reason: 'TERMINAL FAULT' });
    expect(host.requests).toHaveLength(0);
    expect(card.pan.wiped).toBe(true);
    expect(display.shown.at(-1)).toMatchObject({ kind: 'failed', reason: 'TERMINAL FAULT' });
    expect(engine.current).toBeNull();
  });
});

describe('TransactionEngine chip and PIN', () => {
  it('approves a chip card with online PIN: PIN block and chip data go to the host, the answer back to the card', async () => {
    const pinpad = new FakePinPad();
    const host = new FakeHost((req) => Promise.resolve({ responseCode: '00', approved: true, authCode: 'OK1234', rrn: '1', stan: req.stan, issuerTlv: Buffer.from('910A', 'hex') }));
    const ctx = setup(host, { pinpad }, new FakeChipReader());
    const { id } = ctx.engine.start({ type: 'purchase', amount: 5000, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'), true);
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'approved', entryMode: 'chip', authCode: 'OK1234' });
    expect(ctx.host.requests[0]).toMatchObject({ pin: true, chip: true });
    expect(pinpad.requests).toEqual([{ maskedPan: '411111******1111', amountMinor: 5000 }]);
    expect(ctx.reader.completions).toEqual([{ approved: true, responseCode: '00', issuerTlv: Buffer.from('910A', 'hex') }]);
    expect(ctx.display.shown.map((s) => s.kind)).toEqual(['present-card', 'enter-pin', 'processing', 'approved']);
    expect(ctx.display.shown[0]?.prompt).toBe('INSERT OR SWIPE CARD');
  });

  /** A chip purchase of 50.00 the host approves, then the card's last word is `decision`. */
  async function chipPurchaseEndingWith(decision: FakeChipReader['cardDecision']) {
    const reader = new FakeChipReader();
    reader.cardDecision = decision;
    const ctx = setup(undefined, {}, reader);
    const { id } = ctx.engine.start({ type: 'purchase', amount: 5000, currency: '978' });
    await reader.armed();
    reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'));
    return { ctx, id, outcome: await ctx.engine.wait(id) };
  }

  it('reverses when the card declines after the host approved', async () => {
    const { ctx, id, outcome } = await chipPurchaseEndingWith('declined');
    expect(outcome).toMatchObject({ status: 'declined', errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD', responseCode: null, authCode: null });
    expect(ctx.reversals.pending()).toEqual([expect.objectContaining({ transactionId: id, stan: '000042', reason: 'TXN_CARD_DECLINED', amountMinor: 5000 })]);
  });

  it('reverses when the card is pulled before completion of a host approval', async () => {
    const { ctx, outcome } = await chipPurchaseEndingWith('removed');
    expect(outcome).toMatchObject({ status: 'failed', errorCode: 'DEVICE_DISCONNECTED' });
    expect(ctx.reversals.pending()).toHaveLength(1);
  });

  it('does not reverse a host decline the card agrees with', async () => {
    const host = new FakeHost((req) => Promise.resolve({ responseCode: '51', approved: false, authCode: null, rrn: null, stan: req.stan }));
    const ctx = setup(host, {}, new FakeChipReader());
    const { id } = ctx.engine.start({ type: 'purchase', amount: 5000, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'));
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'declined', responseCode: '51' });
    expect(ctx.reader.completions[0]).toMatchObject({ approved: false, responseCode: '51' });
    expect(ctx.reversals.pending()).toHaveLength(0);
  });

  it('asks for the chip when a chip card is swiped at a chip reader', async () => {
    const ctx = setup(undefined, {}, new FakeChipReader());
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    const swiped = testCard('4111111111111111', undefined, 'visa', '201');
    ctx.reader.present(swiped);
    await ctx.reader.armed();
    expect(swiped.pan.wiped).toBe(true);
    expect(ctx.display.shown.at(-1)).toMatchObject({ prompt: 'INSERT CHIP' });
    ctx.reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'));
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'approved', entryMode: 'chip' });
    expect(ctx.reader.requests).toHaveLength(2);
  });

  it.each([
    [new PosError('TXN_CANCELLED', 'cancel key', {}), 'cancelled', 'CANCELLED BY CARDHOLDER'],
    [new PosError('DEVICE_READ_TIMEOUT', 'nobody typed', {}), 'cancelled', 'NO PIN ENTERED'],
    [new PosError('DEVICE_DISCONNECTED', 'unplugged', {}), 'cancelled', 'PIN PAD DISCONNECTED'],
  ] as const)('ends without a request when PIN entry fails (%s)', async (error, status, reason) => {
    const pinpad = new FakePinPad();
    pinpad.outcome = error;
    const ctx = setup(undefined, { pinpad }, new FakeChipReader());
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'), true);
    expect(await ctx.engine.wait(id)).toMatchObject({ status, reason, errorCode: error.code });
    expect(ctx.host.requests).toHaveLength(0);
  });

  it('fails when the card needs a PIN and no PIN pad is attached', async () => {
    const ctx = setup(undefined, {}, new FakeChipReader());
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.presentChip(testCard('4111111111111111', undefined, 'visa', '201'), true);
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'failed', errorCode: 'TXN_PIN_UNAVAILABLE' });
    expect(ctx.host.requests).toHaveLength(0);
  });
});

describe("online PIN during the terminal's own cardholder verification", () => {
  it('takes the PIN block when the kernel asks, and sends it without asking again', async () => {
    const pinpad = new FakePinPad();
    const { engine, reader, host, display } = setup(new FakeHost(approveAll), { pinpad }, new FakeChipReader());
    const { id } = engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    const card = testCard('4761739001010119', { year: 2030, month: 12 }, 'visa', '201');
    const ask = reader.requests[0]?.enterOnlinePin;
    expect(ask).toBeTypeOf('function');
    await ask?.(chipCardOf(card));
    expect(engine.get(id)?.state).toBe('waiting-for-pin');
    expect(display.shown.map((s) => s.kind)).toContain('enter-pin');
    reader.presentRead({ entryMode: 'chip', card: chipCardOf(card), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF0011', 'hex')) }, onlinePinEntered: true, firstDecision: 'online' });
    const result = await engine.wait(id);
    expect(result.status).toBe('approved');
    expect(pinpad.requests).toEqual([{ maskedPan: '476173******0119', amountMinor: 1234 }]);
    expect(host.requests).toMatchObject([{ pin: true, chip: true }]);
  });

  it('is not offered when no PIN pad is attached', async () => {
    const { engine, reader } = setup(new FakeHost(approveAll), {}, new FakeChipReader());
    engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    expect(reader.requests[0]?.enterOnlinePin).toBeUndefined();
  });

  it('a PIN the cardholder cancels rejects the kernel’s request with kind cancelled', async () => {
    const pinpad = new FakePinPad();
    pinpad.outcome = new PosError('PIN_ENTRY_CANCELLED', 'cancel key', {});
    const { engine, reader } = setup(new FakeHost(approveAll), { pinpad }, new FakeChipReader());
    engine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await reader.armed();
    const card = testCard('4761739001010119', { year: 2030, month: 12 }, 'visa', '201');
    await expect(reader.requests[0]?.enterOnlinePin?.(chipCardOf(card))).rejects.toMatchObject({ kind: 'cancelled' });
  });
});
