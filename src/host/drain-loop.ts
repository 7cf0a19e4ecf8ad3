/**
 * One loop for what the terminal owes the host in order — reversals, then
 * offline advices. A pass takes the oldest item still owed, sends it, and
 * once the host has acknowledged it settles it and takes the next; it stops
 * at the first failure, so nothing newer ever goes ahead of an older item:
 *
 *   oldest() ──▶ send(item) ──acknowledged──▶ settle(item) ──▶ oldest() …
 *                    └──failed──▶ stop: the item and all behind it wait
 *
 * `DrainLoop` runs one pass at a time (a second `drain()` joins the one
 * running) and, once started, repeats in the background while anything is
 * owed: after a capped, jittered backoff (`channels/backoff.ts`), so a fleet
 * that lost its host does not come back at once; `kick()` tries at once (a
 * new item, the host came back), `stop()` ends it.
 */
import { asPosError, type PosError } from '../util/errors.js';
import { backoffDelayMs, type BackoffPolicy } from './channels/backoff.js';

/** A queue drained oldest first. `settle` must take the item out of what `oldest` returns next (or throw). */
export interface OrderedQueue<T, A = void> {
  /** The oldest item still owed, or undefined when none is. */
  oldest(): T | undefined;
  /** Resolves with how the host acknowledged the item; rejects when it may not have. */
  send(item: T): Promise<A>;
  /** The host has the item (`acknowledged` says how): it leaves the queue. */
  settle(item: T, acknowledged: A): void;
  /** How many items are still owed. */
  remaining(): number;
}

export interface PassResult<T> {
  /** What the host acknowledged in this pass, in order. */
  readonly settled: readonly T[];
  readonly remaining: number;
  /** What stopped the pass before the queue was empty; null when it emptied it. */
  readonly error: PosError | null;
}

/** One pass: oldest first, stopping at the first failure (a failing `oldest` or `settle` stops it too). Never rejects. */
export async function drainInOrder<T, A = void>(queue: OrderedQueue<T, A>, where: string): Promise<PassResult<T>> {
  const settled: T[] = [];
  try {
    for (let item = queue.oldest(); item !== undefined; item = queue.oldest()) {
      const acknowledged = await queue.send(item);
      queue.settle(item, acknowledged);
      settled.push(item);
    }
    return { settled, remaining: 0, error: null };
  } catch (err) {
    return { settled, remaining: remainingAfterFailure(queue), error: asPosError(err, where) };
  }
}

/** What is still owed once a pass failed; a queue that cannot even count (the journal faulted) is taken as not empty. */
function remainingAfterFailure(queue: { remaining(): number }): number {
  try {
    return queue.remaining();
  } catch {
    return 1;
  }
}

export interface DrainLoopOptions<R> {
  /** One pass; should not reject (a rejection counts as a failed pass with items left). */
  readonly pass: () => Promise<R>;
  /** The wait before the next background pass while items remain, growing with each pass that leaves some. */
  readonly backoff: BackoffPolicy;
  readonly random?: () => number;
}

export class DrainLoop<R extends { readonly remaining: number }> {
  readonly #o: DrainLoopOptions<R>;
  #running: Promise<R> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #started = false;

  constructor(options: DrainLoopOptions<R>) {
    this.#o = options;
  }

  /** One pass now; joins the pass already running instead of sending anything twice. */
  drain(): Promise<R> {
    this.#running ??= this.#o.pass().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Drains now and keeps draining in the background while anything is owed. */
  start(): void {
    this.#started = true;
    this.#schedule(0);
  }

  /** Something changed (an item was added, the host answered): drain soon. Background mode only. */
  kick(): void {
    if (this.#started) this.#schedule(0);
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.drain().then(
        (result) => this.#next(result.remaining),
        () => this.#next(1),
      );
    }, delayMs);
    this.#timer.unref();
  }

  #next(remaining: number): void {
    if (!this.#started) return;
    if (remaining === 0) {
      this.#failures = 0;
      return;
    }
    this.#schedule(backoffDelayMs(this.#o.backoff, this.#failures++, this.#o.random));
  }
}

/**
 * Something owed to the host in order, drained through its own `DrainLoop`:
 * the reversal sender and the advice forwarder are each one, and differ only
 * in what one pass does (`pass`) and how long they wait between passes.
 */
export abstract class OwedToHost<R extends { readonly remaining: number }> {
  readonly #loop: DrainLoop<R>;

  protected constructor(backoff: BackoffPolicy, random: (() => number) | undefined) {
    this.#loop = new DrainLoop({ pass: () => this.pass(), backoff, ...(random === undefined ? {} : { random }) });
  }

  /** One pass now; joins a pass already running. Never rejects. */
  drain(): Promise<R> {
    return this.#loop.drain();
  }

  /** Drains now and keeps draining in the background, with backoff, while anything is owed. */
  start(): void {
    this.#loop.start();
  }

  /** Something changed (an item was added, the host answered): drain soon. Background mode only. */
  kick(): void {
    this.#loop.kick();
  }

  stop(): void {
    this.#loop.stop();
  }

  /** One pass; should not reject. */
  protected abstract pass(): Promise<R>;
}
