import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../drivers/transport/memory-transport.js';
import { backoffDelayMs, createReconnector, isDeviceGone, isPortBusy, type ReconnectEvent } from '../../drivers/reconnect/reconnector.js';
import { PosError } from '../../src/util/errors.js';
import { flushMicrotasks } from './reader-harness.js';

const errno = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('backoff', () => {
  it.each([
    [1, 250],
    [2, 500],
    [3, 1000],
    [6, 8000],
    [7, 10000],
    [30, 10000],
  ])('attempt %i without jitter waits %i ms (capped at 10 s)', (attempt, ms) => {
    expect(backoffDelayMs(attempt, { jitter: 0 })).toBe(ms);
  });

  it('jitter stays within ±20 % and never above the cap (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const base = Math.min(10_000, 250 * 2 ** (attempt - 1));
        const ms = backoffDelayMs(attempt, { random: () => r });
        expect(ms).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(ms).toBeLessThanOrEqual(10_000);
      }),
    );
  });
});

describe('classifying failures', () => {
  it.each([
    [errno('EIO', 'EIO: i/o error, read'), true],
    [errno('ENXIO', 'no such device or address'), true],
    [new Error('Bad file descriptor'), true],
    [new PosError('DEVICE_DISCONNECTED', 'gone', {}), true],
    [new PosError('DEVICE_OPEN_FAILED', 'x', {}, { cause: errno('ENODEV', 'x') }), true],
    [errno('EINVAL', 'invalid argument'), false],
  ])('%s gone: %s', (err, gone) => {
    expect(isDeviceGone(err)).toBe(gone);
  });

  it.each([
    [new PosError('DEVICE_OPEN_FAILED', 'x', {}, { cause: new Error('Error Resource temporarily unavailable Cannot lock port') }), true],
    [errno('EBUSY', 'busy'), true],
    [errno('ENOENT', 'no such file'), false],
  ])('%s busy: %s', (err, busy) => {
    expect(isPortBusy(err)).toBe(busy);
  });
});

describe('Reconnector (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(script: (attempt: number) => 'ok' | Error) {
    const opened: MemoryTransport[] = [];
    let calls = 0;
    const events: ReconnectEvent<MemoryTransport>[] = [];
    const r = createReconnector<MemoryTransport>({
      target: '/dev/ttyUSB0',
      random: () => 0.5, // no jitter
      open: () => {
        const outcome = script(++calls);
        if (outcome !== 'ok') return Promise.reject(outcome);
        const [host] = createMemoryTransportPair({ host: `/dev/ttyUSB0#${calls}` });
        opened.push(host);
        return Promise.resolve(host);
      },
    });
    r.onEvent((e) => events.push(e));
    return { r, opened, events, calls: () => calls };
  }

  const kinds = (events: readonly ReconnectEvent<unknown>[]): string[] =>
    events.map((e) => (e.type === 'retry' ? `retry:${e.delayMs}${e.busy ? ':busy' : ''}` : e.type));

  it('unplug → disconnected → reopened with backoff → connected with the new transport', async () => {
    const { r, opened, events } = harness((n) => (n === 1 || n === 4 ? 'ok' : errno('ENOENT', 'No such file or directory')));
    r.start();
    await flushMicrotasks();
    expect(r.state()).toBe('connected');
    opened[0]!.unplug();
    await flushMicrotasks();
    expect(r.state()).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(250); // attempt 1 fails
    await vi.advanceTimersByTimeAsync(500); // attempt 2 fails
    expect(r.state()).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(1000); // attempt 3 opens
    expect(r.state()).toBe('connected');
    expect(r.current()).toBe(opened[1]);
    expect(kinds(events)).toEqual(['connected', 'disconnected', 'retry:250', 'retry:500', 'retry:1000', 'connected']);
    await r.close();
  });

  it('a port still locked by the dying handle is retried at the short busy delay, not backed off', async () => {
    const busy = new PosError('DEVICE_OPEN_FAILED', 'x', {}, { cause: new Error('Error Resource temporarily unavailable Cannot lock port') });
    const { r, events } = harness((n) => (n === 1 || n >= 5 ? 'ok' : busy));
    r.start();
    await flushMicrotasks();
    r.current()!.unplug();
    await flushMicrotasks();
    await vi.advanceTimersByTimeAsync(250 + 3 * 100);
    expect(kinds(events)).toEqual(['connected', 'disconnected', 'retry:250', 'retry:100:busy', 'retry:100:busy', 'retry:100:busy', 'connected']);
    await r.close();
  });

  it('a device absent at start is picked up when it appears', async () => {
    const { r, events } = harness((n) => (n < 3 ? errno('ENOENT', 'absent') : 'ok'));
    r.start();
    await vi.advanceTimersByTimeAsync(250 + 500);
    expect(kinds(events)).toEqual(['retry:250', 'retry:500', 'connected']);
    await r.close();
  });

  it('gives up after maxAttempts with RECONNECT_GAVE_UP naming the target and last code', async () => {
    const events: ReconnectEvent<MemoryTransport>[] = [];
    const r = createReconnector<MemoryTransport>({
      target: 'hid:0801:0002',
      maxAttempts: 2,
      jitter: 0,
      open: () => Promise.reject(new PosError('HID_DEVICE_NOT_FOUND', 'absent', { vendorId: 0x801, productId: 2 })),
    });
    r.onEvent((e) => events.push(e));
    r.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const last = events.at(-1);
    expect(last?.type).toBe('gave-up');
    if (last?.type === 'gave-up') {
      expect(last.error.code).toBe('RECONNECT_GAVE_UP');
      expect(last.error.details).toEqual({ target: 'hid:0801:0002', attempts: 2, lastCode: 'HID_DEVICE_NOT_FOUND' });
    }
    expect(r.state()).toBe('closed');
  });

  it('close() while waiting stops retrying and closes nothing twice', async () => {
    const { r, calls } = harness(() => errno('ENOENT', 'absent'));
    r.start();
    await flushMicrotasks();
    await r.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls()).toBe(1);
  });

  it('a write failing with EBADF (reportFailure) drops the transport and reconnects', async () => {
    const { r, events } = harness(() => 'ok');
    r.start();
    await flushMicrotasks();
    r.reportFailure(errno('EBADF', 'Bad file descriptor'));
    r.reportFailure(errno('EINVAL', 'not a disconnect')); // ignored: not connected any more, and not gone anyway
    await vi.advanceTimersByTimeAsync(250);
    expect(kinds(events)).toEqual(['connected', 'disconnected', 'retry:250', 'connected']);
    await r.close();
  });
});
