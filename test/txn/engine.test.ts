import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { createLogger } from '../../src/log/logger.js';
import { TransactionEngine, type EngineDeps } from '../../src/txn/engine.js';
import { MemoryReversalStore } from '../../src/host/reversal-store.js';
import { StanCounter } from '../../src/txn/stan.js';
import { PosError } from '../../src/util/errors.js';
import { approveAll, FakeHost, FakeReader, testCard } from './fakes.js';

const NOW = new Date('2026-11-24T12:00:00Z');

function setup(host = new FakeHost(approveAll), overrides: Partial<EngineDeps> = {}) {
  const reader = new FakeReader();
  const display = new RecordingDisplay();
  const reversals = new MemoryReversalStore();
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  });
  let n = 0;
  const engine = new TransactionEngine({
    reader,
    display,
    host,
    reversals,
    stan: new StanCounter(41),
    clock: () => NOW,
    logger,
    terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' },
    newId: () => `txn-${++n}`,
    ...overrides,
  });
  return { engine, reader, display, reversals, host, log: () => logLines.join('') };
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
    expect(reader.requests).toEqual([{ amountMinor: 1234, currency: '978' }]);
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
    expect(host.requests).toEqual([{ stan: '000042', amountMinor: 1234, panSeen: '4111111111111111' }]);
    expect(display.shown.map((s) => s.kind)).toEqual(['present-card', 'processing', 'approved']);
    expect(card.pan.wiped).toBe(true);
    expect(card.track2.wiped).toBe(true);
    expect(log()).not.toContain('4111111111111111');
    expect(log()).toContain('411111******1111');
    expect(engine.current).toBeNull();
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
    engine.cancel(id);
    expect(await engine.wait(id)).toMatchObject({ status: 'cancelled', errorCode: 'TXN_CANCELLED', reason: 'CANCELLED' });
    expect(() => engine.cancel(id)).toThrow(expect.objectContaining({ code: 'TXN_NOT_CANCELLABLE' }));
    expect(() => engine.cancel('nope')).toThrow(expect.objectContaining({ code: 'TXN_NOT_FOUND' }));
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
    ['HOST_TIMEOUT', true, 'NO HOST RESPONSE', 1],
    ['HOST_CONNECTION_LOST', true, 'HOST CONNECTION LOST', 1],
    ['HOST_UNREACHABLE', false, 'HOST UNAVAILABLE', 0],
  ] as const)('fails on %s and records a reversal only when the request may have reached the host', async (code, reached, reason, reversals) => {
    const host = new FakeHost(() => Promise.reject(new PosError(code, 'host trouble', { requestMayHaveReachedHost: reached })));
    const ctx = setup(host);
    const { id } = ctx.engine.start({ type: 'purchase', amount: 700, currency: '978' });
    await ctx.reader.armed();
    ctx.reader.present(testCard());
    expect(await ctx.engine.wait(id)).toMatchObject({ status: 'failed', errorCode: code, reason });
    expect(ctx.reversals.pending()).toHaveLength(reversals);
    if (reversals) expect(ctx.reversals.pending()[0]).toMatchObject({ stan: '000042', amountMinor: 700, maskedPan: '411111******1111', reason: code });
  });
});
