/**
 * Sends the reversal duties of a `ReversalStore` to the host, oldest first,
 * until each is acknowledged: the first attempt as 0400, every later one as
 * 0401 (repeat), all with DE 90 naming the original. A duty is forgotten only
 * when the host answers (`acknowledge` in the store); a failure keeps it and
 * the order: nothing newer is sent ahead of an older unacknowledged duty.
 *
 *   ledger ──add──▶ store ──pending()──▶ sender ──0400/0401──▶ host ──0410──▶ store.acknowledge
 *
 * `drain()` is one pass the engine awaits before a new authorization;
 * `start()` keeps draining in the background with capped, jittered backoff
 * while duties remain, `kick()` when a duty is added — the `OwedToHost`
 * loop (`drain-loop.ts`) that advices use too. How a reversal goes on the
 * wire is the `ReversalAttempt`'s business: each host client makes its own
 * (`reversalAttempt()` of `Iso8583HostClient` and of `JsonGatewayClient`).
 */
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { asPosError } from '../util/errors.js';
import type { BackoffPolicy } from './channels/backoff.js';
import { drainInOrder, OwedToHost } from './drain-loop.js';
import type { PendingReversal, ReversalOutcome, ReversalStore } from './reversal-store.js';

/** Sends one reversal; resolves with how the host acknowledged it, rejects (a `PosError`) otherwise. `attempt` 0 is the 0400, later ones 0401. */
export type ReversalAttempt = (reversal: PendingReversal, attempt: number) => Promise<ReversalOutcome>;

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

export class ReversalSender extends OwedToHost<DrainResult> {
  readonly #o: ReversalSenderOptions;
  readonly #log: Logger;
  /** Attempts made per transaction in this process (0400 first, then 0401). */
  readonly #attempts = new Map<string, number>();

  constructor(options: ReversalSenderOptions) {
    super(options.backoff ?? DEFAULT_REVERSAL_BACKOFF, options.random);
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  /** How many attempts this process made for a transaction. */
  attemptsFor(transactionId: string): number {
    return this.#attempts.get(transactionId) ?? 0;
  }

  /** One pass over the store, oldest first, stopping at the first duty the host does not acknowledge. */
  protected async pass(): Promise<DrainResult> {
    const { store } = this.#o;
    const result = await drainInOrder<PendingReversal, ReversalOutcome>(
      {
        oldest: () => store.pending()[0],
        send: (reversal) => this.#send(reversal),
        settle: (reversal, outcome) => {
          store.acknowledge(reversal.transactionId, outcome);
          this.#attempts.delete(reversal.transactionId);
        },
        remaining: () => store.pending().length,
      },
      'reversal',
    );
    return { acknowledged: result.settled.length, remaining: result.remaining, stoppedBy: result.error?.code ?? null };
  }

  async #send(reversal: PendingReversal): Promise<ReversalOutcome> {
    const attempt = this.attemptsFor(reversal.transactionId);
    this.#attempts.set(reversal.transactionId, attempt + 1);
    const at = { transactionId: reversal.transactionId, stan: reversal.stan, attempt };
    let outcome: ReversalOutcome;
    try {
      outcome = await this.#o.send(reversal, attempt);
    } catch (err) {
      this.#log.warn({ ...at, code: asPosError(err, 'reversal').code }, 'reversal not acknowledged; kept');
      throw err;
    }
    this.#log.info({ ...at, outcome }, 'reversal acknowledged');
    return outcome;
  }
}
