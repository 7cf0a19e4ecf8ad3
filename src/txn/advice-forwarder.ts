/**
 * When queued advices go to the host: after each transaction ends, when
 * asked (`flush`), and on a timer while any wait. Pending reversals always go
 * first — a flush drains the reversal sender once and sends no advice while a
 * reversal is still owed — so the host hears of money taken back before it
 * hears of new money taken offline.
 *
 * Ordering and exactly-once are `StoreAndForward.flush`'s: oldest first, one
 * at a time, stop at the first failure, each send counted before it starts.
 */
import type { Logger } from 'pino';
import { asPosError } from '../util/errors.js';
import type { FlushResult, StoreAndForward } from './store-and-forward.js';

export interface ForwardResult extends FlushResult {
  /** Reversals were still owed, so no advice was sent. */
  readonly heldByReversals: boolean;
}

export interface AdviceForwarderOptions {
  readonly saf: StoreAndForward;
  /** One pass of the reversal sender; resolves with what it left. */
  readonly drainReversals?: () => Promise<{ readonly remaining: number }>;
  /** How long to wait between tries while advices remain. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class AdviceForwarder {
  readonly #o: AdviceForwarderOptions;
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: AdviceForwarderOptions) {
    this.#o = options;
  }

  /** Reversals first, then every queued advice in order. Never rejects. */
  async flush(): Promise<ForwardResult> {
    try {
      return await this.#flush();
    } catch (err) {
      // A journal fault or a bug: nothing more is sent now; the timer tries again.
      const error = asPosError(err, 'advice flush');
      this.#o.logger.error({ code: error.code }, 'advice flush failed');
      return { sent: [], expired: [], remaining: 0, error, heldByReversals: false };
    }
  }

  async #flush(): Promise<ForwardResult> {
    // An advice's life ends on time even while reversals hold the queue.
    const outlived = this.#o.saf.expireOutlived();
    this.#reportExpired(outlived);
    const drained = await this.#o.drainReversals?.();
    const pending = this.#o.saf.pending().length;
    if (drained !== undefined && drained.remaining > 0) {
      return { sent: [], expired: outlived, remaining: pending, error: null, heldByReversals: true };
    }
    if (pending === 0) return { sent: [], expired: outlived, remaining: 0, error: null, heldByReversals: false };
    const result = await this.#o.saf.flush();
    this.#reportExpired(result.expired);
    if (result.sent.length > 0) this.#o.logger.info({ sent: result.sent.length, remaining: result.remaining }, 'advices acknowledged');
    if (result.error !== null) this.#o.logger.warn({ code: result.error.code, remaining: result.remaining }, 'advice not acknowledged; kept in order');
    return { ...result, expired: [...outlived, ...result.expired], heldByReversals: false };
  }

  #reportExpired(ids: readonly string[]): void {
    if (ids.length > 0) this.#o.logger.error({ expired: ids, code: 'SAF_ADVICE_EXPIRED' }, 'advices expired unacknowledged: the operator must settle them');
  }

  /** Flushes now and then every `intervalMs` while advices remain. */
  start(): void {
    this.#started = true;
    this.#schedule(0);
  }

  /** Something changed (a transaction ended, the host answered): try soon. Background mode only. */
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
      void this.flush().then(
        (r) => {
          if (this.#started && (r.remaining > 0 || r.error !== null)) this.#schedule(this.#o.intervalMs);
        },
        () => undefined,
      );
    }, delayMs);
    this.#timer.unref();
  }
}
