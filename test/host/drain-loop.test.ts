/** The one drain loop behind reversals and advices: oldest first, stop at the first failure, one pass at a time, backoff while owed. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DrainLoop, drainInOrder, type OrderedQueue } from '../../src/host/drain-loop.js';
import { PosError } from '../../src/util/errors.js';

/** Items in order; `failing` items are refused by the "host" until removed from the set. */
function queueOf(items: string[], failing = new Set<string>()): OrderedQueue<string> & { sent: string[]; failing: Set<string> } {
  const sent: string[] = [];
  return {
    sent,
    failing,
    oldest: () => items[0],
    send: (item) => {
      sent.push(item);
      return failing.has(item) ? Promise.reject(new PosError('HOST_TIMEOUT', 'no answer', {})) : Promise.resolve();
    },
    settle: (item) => {
      items.splice(items.indexOf(item), 1);
    },
    remaining: () => items.length,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('drainInOrder', () => {
  it('sends oldest first and settles each once acknowledged', async () => {
    const queue = queueOf(['a', 'b', 'c']);
    expect(await drainInOrder(queue, 'test')).toEqual({ settled: ['a', 'b', 'c'], remaining: 0, error: null });
    expect(queue.sent).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first failure: nothing newer goes ahead of it', async () => {
    const queue = queueOf(['a', 'b', 'c'], new Set(['b']));
    const pass = await drainInOrder(queue, 'test');
    expect(pass).toMatchObject({ settled: ['a'], remaining: 2, error: { code: 'HOST_TIMEOUT' } });
    expect(queue.sent).toEqual(['a', 'b']);
  });

  it('takes an item added during the pass in the same pass', async () => {
    const items = ['a'];
    const queue = queueOf(items);
    const send = queue.send;
    queue.send = (item) => {
      if (item === 'a') items.push('late');
      return send(item);
    };
    expect((await drainInOrder(queue, 'test')).settled).toEqual(['a', 'late']);
  });

  it('a queue that cannot be read stops the pass with its error, counted as owed', async () => {
    const queue: OrderedQueue<string> = {
      oldest: () => {
        throw new PosError('JOURNAL_DISK_FULL', 'full', {});
      },
      send: () => Promise.resolve(),
      settle: () => undefined,
      remaining: () => {
        throw new PosError('JOURNAL_DISK_FULL', 'full', {});
      },
    };
    expect(await drainInOrder(queue, 'test')).toMatchObject({ settled: [], remaining: 1, error: { code: 'JOURNAL_DISK_FULL' } });
  });
});

describe('DrainLoop', () => {
  it('joins a pass already running instead of starting a second', async () => {
    let release = (): void => undefined;
    let passes = 0;
    const loop = new DrainLoop({
      pass: async () => {
        passes++;
        await new Promise<void>((r) => (release = r));
        return { remaining: 0 };
      },
      backoff: { initialMs: 10, maxMs: 10 },
    });
    const one = loop.drain();
    const two = loop.drain();
    release();
    expect(await one).toBe(await two);
    expect(passes).toBe(1);
  });

  it('retries in the background with a growing, capped delay while items remain, and rests once empty', async () => {
    vi.useFakeTimers();
    const queue = queueOf(['a'], new Set(['a']));
    const loop = new DrainLoop({ pass: () => drainInOrder(queue, 'test'), backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0 } });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.sent).toHaveLength(1);
    // Retries after 100, 200, 400, then 400 again (capped): nothing a moment before each, one at it.
    for (const [i, delayMs] of [100, 200, 400, 400].entries()) {
      await vi.advanceTimersByTimeAsync(delayMs - 1);
      expect(queue.sent).toHaveLength(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(queue.sent).toHaveLength(i + 2);
    }
    // The host takes it: the queue empties and the loop rests.
    queue.failing.clear();
    await vi.advanceTimersByTimeAsync(400);
    expect(queue.sent).toHaveLength(6);
    expect(queue.remaining()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(queue.sent).toHaveLength(6);
    loop.stop();
  });

  it('kick tries at once; stop ends the background passes', async () => {
    vi.useFakeTimers();
    const items: string[] = [];
    const queue = queueOf(items);
    let passes = 0;
    const loop = new DrainLoop({
      pass: () => {
        passes++;
        return drainInOrder(queue, 'test');
      },
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    loop.kick(); // not started: nothing happens
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(0);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    items.push('new');
    loop.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.sent).toEqual(['new']);
    loop.stop();
    items.push('after-stop');
    loop.kick();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(queue.sent).toEqual(['new']);
  });

  it('a pass that rejects counts as a failure: the loop tries again after its backoff', async () => {
    vi.useFakeTimers();
    let passes = 0;
    const loop = new DrainLoop({
      pass: () => {
        passes++;
        return passes === 1 ? Promise.reject(new Error('bug')) : Promise.resolve({ remaining: 0 });
      },
      backoff: { initialMs: 50, maxMs: 50, jitter: 0 },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(passes).toBe(2);
    loop.stop();
  });
});
