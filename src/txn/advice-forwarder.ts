/**
 * When queued advices go to the host: after each transaction ends (`kick`),
 * when asked (`drain`), and in the background while any wait — one pass at a
 * time, again after a capped, jittered backoff, through the drain loop the
 * reversal sender runs on too (`src/host/drain-loop.ts`). Pending reversals
 * always go first — a pass drains the reversal sender once and sends no
 * advice while a reversal is still owed — so the host hears of money taken
 * back before it hears of new money taken offline.
 *
 * Ordering and exactly-once are `StoreAndForward.flush`'s: oldest first, one
 * at a time, stop at the first failure, each send counted before it starts.
 */
import type { Logger } from 'pino';
import type { BackoffPolicy } from '../host/channels/backoff.js';
import { OwedToHost } from '../host/drain-loop.js';
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
  /** How long to wait before the first retry while advices remain (`adviceRetryBackoff`). */
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly random?: () => number;
}

/** Retries start `intervalMs` apart and double, up to eight times that (at most an hour), jittered. */
export function adviceRetryBackoff(intervalMs: number): BackoffPolicy {
  return { initialMs: intervalMs, maxMs: Math.max(intervalMs, Math.min(8 * intervalMs, 3_600_000)), factor: 2, jitter: 0.3 };
}

export class AdviceForwarder extends OwedToHost<ForwardResult> {
  readonly #o: AdviceForwarderOptions;

  constructor(options: AdviceForwarderOptions) {
    super(adviceRetryBackoff(options.intervalMs), options.random);
    this.#o = options;
  }

  /** Reversals first, then every queued advice in order. */
  protected async pass(): Promise<ForwardResult> {
    try {
      return await this.#flush();
    } catch (err) {
      // A journal fault or a bug: nothing more is sent now. What is still queued is unknown: taken as owed, so the loop tries again.
      const error = asPosError(err, 'advice flush');
      this.#o.logger.error({ code: error.code }, 'advice flush failed');
      return { sent: [], expired: [], remaining: 1, error, heldByReversals: false };
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
    if (ids.length === 0) return;
    // Kind, amount and masked card: an expired refund is a credit the customer was promised and the acquirer never heard of.
    const advices = ids.map((id) => this.#o.saf.expiredFacts(id) ?? { id });
    this.#o.logger.error({ expired: advices, code: 'SAF_ADVICE_EXPIRED' }, 'advices expired unacknowledged: the operator must settle them');
  }
}
