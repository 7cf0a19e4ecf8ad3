/**
 * Sends the reversal duties of a `ReversalStore` to the host, oldest first,
 * until each is acknowledged: the first attempt as 0400, every later one as
 * 0401 (repeat), all with DE 90 naming the original. A duty is forgotten only
 * when the host answers (`acknowledge` in the store); a failure keeps it and
 * the order: nothing newer is sent ahead of an older unacknowledged duty.
 *
 *   engine ──add──▶ store ──pending()──▶ sender ──0400/0401──▶ host ──0410──▶ store.acknowledge
 *
 * `drain()` is one pass the engine awaits before a new transaction; `start()`
 * keeps draining in the background with capped, jittered backoff while
 * duties remain. How a reversal goes on the wire is the `ReversalAttempt`'s
 * business: each host client makes its own (`reversalAttempt()` of
 * `Iso8583HostClient` and of `JsonGatewayClient`).
 */
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { isPosError } from '../util/errors.js';
import { backoffDelayMs, type BackoffPolicy } from './channels/backoff.js';
import type { PendingReversal, ReversalStore } from './reversal-store.js';

/** Sends one reversal; resolves when the host acknowledged it, rejects (a `PosError`) otherwise. `attempt` 0 is the 0400, later ones 0401. */
export type ReversalAttempt = (reversal: PendingReversal, attempt: number) => Promise<void>;

export interface DrainResult {
  readonly acknowledged: number;
  readonly remaining: number;
  /** The code that stopped the pass, when one did. */
  readonly stoppedBy: string | null;
}

export const DEFAULT_REVERSAL_BACKOFF: BackoffPolicy = { initialMs: 2000, maxMs: 120_000, factor: 2, jitter: 0.3 };

export interface ReversalSenderOptions {
  readonly store: ReversalStore;
  readonly send: ReversalAttempt;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly logger?: Logger;
}

export class ReversalSender {
  readonly #o: ReversalSenderOptions;
  readonly #log: Logger;
  /** Attempts made per transaction in this process (0400 first, then 0401). */
  readonly #attempts = new Map<string, number>();
  #running: Promise<DrainResult> | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #started = false;

  constructor(options: ReversalSenderOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** How many attempts this process made for a transaction. */
  attemptsFor(transactionId: string): number {
    return this.#attempts.get(transactionId) ?? 0;
  }

  /** One pass over the store, oldest first, stopping at the first duty the host does not acknowledge. Never rejects. */
  drain(): Promise<DrainResult> {
    if (this.#running !== null) return this.#running;
    const pass = this.#pass().finally(() => {
      this.#running = null;
    });
    this.#running = pass;
    return pass;
  }

  /** Drains now and keeps draining in the background while duties remain. */
  start(): void {
    this.#started = true;
    this.#schedule(0);
  }

  /** A duty was added: drain soon (background mode only). */
  notify(): void {
    if (this.#started) this.#schedule(0);
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #pass(): Promise<DrainResult> {
    let acknowledged = 0;
    for (const reversal of this.#o.store.pending()) {
      const attempt = this.attemptsFor(reversal.transactionId);
      this.#attempts.set(reversal.transactionId, attempt + 1);
      try {
        await this.#o.send(reversal, attempt);
      } catch (err) {
        const code = isPosError(err) ? err.code : 'INTERNAL';
        this.#log.warn({ transactionId: reversal.transactionId, stan: reversal.stan, attempt, code }, 'reversal not acknowledged; kept');
        return { acknowledged, remaining: this.#o.store.pending().length, stoppedBy: code };
      }
      this.#o.store.acknowledge(reversal.transactionId);
      this.#attempts.delete(reversal.transactionId);
      acknowledged += 1;
      this.#log.info({ transactionId: reversal.transactionId, stan: reversal.stan, attempt }, 'reversal acknowledged');
    }
    return { acknowledged, remaining: this.#o.store.pending().length, stoppedBy: null };
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.drain().then((r) => {
        if (!this.#started) return;
        if (r.remaining === 0) {
          this.#failures = 0;
          return;
        }
        const delay = r.stoppedBy === null ? 0 : backoffDelayMs(this.#o.backoff ?? DEFAULT_REVERSAL_BACKOFF, this.#failures++, this.#o.random);
        this.#schedule(delay);
      });
    }, delayMs);
    this.#timer.unref();
  }
}
