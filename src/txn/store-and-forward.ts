/**
 * Store-and-forward: whether the terminal may approve a purchase itself when
 * the host cannot be reached, and the queue of advices (0220) that tells the
 * host afterwards.
 *
 * The policy is deliberately narrow: chip only by default (the card's own
 * risk management has a say and the TC proves the card was there), a floor
 * limit per brand (no limit configured means never offline), and a cap on how
 * many advices — and how much money — may wait for the host at once.
 *
 * The queue lives in the journal (`advice-pending` rows). `flush()` is one
 * pass of the drain loop (`src/host/drain-loop.ts`): oldest first, one at a
 * time, stopping at the first failure so the order holds; each send is
 * counted in the journal before it starts, so a send cut short by a crash
 * goes again as a repeat (0221), which the host de-duplicates: the host books
 * each advice exactly once. A send that certainly never left (no connection)
 * is uncounted, so the host sees a 0220 first. `AdviceForwarder` runs the
 * passes: one at a time, reversals first, again with backoff.
 *
 * An advice's life is bounded (`AdviceLife`): one approved longer ago than
 * `maxAgeDays`, or sent `maxAttempts` times without the host acknowledging
 * it, leaves the queue as `advice-expired` for the operator — its sealed card
 * data destroyed, its masked row kept, not claimed at batch close — rather
 * than holding card data, and the queue, forever.
 */
import type { CardBrand } from '../card/types.js';
import type { EntryMode } from '../devices/card-reader.js';
import { drainInOrder } from '../host/drain-loop.js';
import { deliveryOf } from '../host/host-error.js';
import { PosError } from '../util/errors.js';
import type { OfflineApprovalFields } from './journal/advices.js';
import type { Journal, PendingAdvice } from './journal/index.js';

export interface OfflinePolicy {
  /** Highest amount (minor units) approvable offline, per brand. A brand not listed is never approved offline. */
  readonly floorLimits: Partial<Record<CardBrand, number>>;
  /** Entry modes that may be approved offline. Default: chip only. */
  readonly entryModes?: readonly EntryMode[];
  /**
   * The largest refund approved offline (the acquirer agreed); none when 0 or
   * absent. A refund's risk is the merchant's own, not the card's: it has a
   * limit of its own, not the brand floor limits.
   */
  readonly refundLimitMinor?: number;
  /** At most this many advices waiting for the host. */
  readonly maxQueuedCount: number;
  /** At most this much money (minor units, same currency) waiting for the host, including this one. */
  readonly maxQueuedTotalMinor: number;
}

export interface OfflineCandidate {
  /** What would be approved: a purchase, or a refund (credited on the terminal's word until the advice is in). */
  readonly kind: 'purchase' | 'refund';
  readonly brand: CardBrand;
  readonly entryMode: EntryMode;
  readonly amountMinor: number;
  readonly currency: string;
  /** The terminal's EMV kernel decided (its action codes and per-AID floor limits): the brand floor limits do not apply, the queue caps do. */
  readonly kernelDecides?: boolean;
}

/**
 * `card-data`: the terminal holds no clear card data to forward (an encrypting reader's masked read).
 * `cvm`: a stripe read asked for online PIN, which nobody could verify offline (a chip card decides that itself).
 */
export type OfflineRefusal = 'type' | 'entry-mode' | 'brand' | 'floor-limit' | 'queue-count' | 'queue-total' | 'card-data' | 'cvm';

export type OfflineDecision = { readonly allowed: true } | { readonly allowed: false; readonly refusal: OfflineRefusal };

export const DEFAULT_OFFLINE_ENTRY_MODES: readonly EntryMode[] = ['chip'];

/** The policy alone, over the queue as it stands: a pure function. */
export function decideOffline(policy: OfflinePolicy, candidate: OfflineCandidate, queue: readonly PendingAdvice[]): OfflineDecision {
  const refundLimit = policy.refundLimitMinor ?? 0;
  if (candidate.kind === 'refund' && refundLimit <= 0) return { allowed: false, refusal: 'type' };
  const modes = policy.entryModes ?? DEFAULT_OFFLINE_ENTRY_MODES;
  if (!modes.includes(candidate.entryMode)) return { allowed: false, refusal: 'entry-mode' };
  if (candidate.kind === 'refund') {
    if (candidate.amountMinor > refundLimit) return { allowed: false, refusal: 'floor-limit' };
  } else if (candidate.kernelDecides !== true) {
    const floor = policy.floorLimits[candidate.brand];
    if (floor === undefined || floor <= 0) return { allowed: false, refusal: 'brand' };
    if (candidate.amountMinor > floor) return { allowed: false, refusal: 'floor-limit' };
  }
  if (queue.length + 1 > policy.maxQueuedCount) return { allowed: false, refusal: 'queue-count' };
  const queued = queue.filter((a) => a.currency === candidate.currency).reduce((sum, a) => sum + a.amountMinor, 0);
  if (queued + candidate.amountMinor > policy.maxQueuedTotalMinor) return { allowed: false, refusal: 'queue-total' };
  return { allowed: true };
}

/** What the host layer implements to send one advice (0220, or 0221 when `repeat`). */
export interface AdviceSender {
  /**
   * Resolves once the host has acknowledged the advice; rejects when it may
   * not have (the advice stays queued and goes again as a repeat).
   */
  sendAdvice(advice: PendingAdvice, options: { readonly repeat: boolean }): Promise<void>;
}

/** How long an advice may wait for the host's acknowledgement. */
export interface AdviceLife {
  /** Days since the offline approval. */
  readonly maxAgeDays: number;
  /** Sends that may have reached the host without an acknowledgement. */
  readonly maxAttempts: number;
}

export const DEFAULT_ADVICE_LIFE: AdviceLife = { maxAgeDays: 7, maxAttempts: 10 };
const DAY_MS = 86_400_000;

/** Why `advice` has outlived `life` at `now`, or null while it may still go. */
export function adviceExpiry(advice: PendingAdvice, life: AdviceLife, now: Date): 'max-age' | 'max-attempts' | null {
  if (now.getTime() - Date.parse(advice.approvedAt) > life.maxAgeDays * DAY_MS) return 'max-age';
  if (advice.attempts >= life.maxAttempts) return 'max-attempts';
  return null;
}

export interface FlushResult {
  readonly sent: readonly string[];
  /** Advices that outlived their life and left the queue (`advice-expired`). */
  readonly expired: readonly string[];
  readonly remaining: number;
  /** Why the flush stopped early, if it did. */
  readonly error: PosError | null;
}

export class StoreAndForward {
  readonly #journal: Journal;
  readonly #policy: OfflinePolicy;
  readonly #sender: AdviceSender;
  readonly #life: AdviceLife;
  readonly #clock: () => Date;
  #flushing: Promise<FlushResult> | null = null;

  constructor(deps: {
    readonly journal: Journal;
    readonly policy: OfflinePolicy;
    readonly sender: AdviceSender;
    readonly life?: AdviceLife;
    readonly clock?: () => Date;
  }) {
    this.#journal = deps.journal;
    this.#policy = deps.policy;
    this.#sender = deps.sender;
    this.#life = deps.life ?? DEFAULT_ADVICE_LIFE;
    this.#clock = deps.clock ?? (() => new Date());
  }

  /** What the operator must settle of an expired advice: its kind, amount and masked card (never more). */
  expiredFacts(id: string): { readonly id: string; readonly kind: string; readonly amountMinor: number; readonly currency: string; readonly maskedPan: string | null } | undefined {
    const entry = this.#journal.find(id);
    return entry === undefined ? undefined : { id, kind: entry.kind, amountMinor: entry.amountMinor, currency: entry.currency, maskedPan: entry.maskedPan };
  }

  /** May this purchase be approved offline now? */
  decide(candidate: OfflineCandidate): OfflineDecision {
    return decideOffline(this.#policy, candidate, this.#journal.advices.pending());
  }

  /**
   * Records the terminal's offline approval (state `offline-approved`), or
   * throws `SAF_OFFLINE_REFUSED` with the policy's reason. Call before asking
   * the card for its offline decision; then `accept` or `journal.steps.decline`.
   */
  approve(id: string, candidate: OfflineCandidate, approval: OfflineApprovalFields): void {
    const decision = this.decide(candidate);
    if (!decision.allowed) {
      throw new PosError('SAF_OFFLINE_REFUSED', `Offline approval not allowed: ${decision.refusal}`, { id, refusal: decision.refusal });
    }
    this.#journal.advices.approveOffline(id, approval);
  }

  /** The card accepted (TC): queue the advice, with its card data sealed (`advice-card.ts`). */
  accept(id: string, sealedCard?: Uint8Array): void {
    this.#journal.advices.queue(id, sealedCard);
  }

  pending(): readonly PendingAdvice[] {
    return this.#journal.advices.pending();
  }

  /** Expires every queued advice past its life, whether or not the host can be reached; returns their ids. */
  expireOutlived(): string[] {
    const now = this.#clock();
    const expired: string[] = [];
    for (const advice of this.#journal.advices.pending()) {
      const expiry = adviceExpiry(advice, this.#life, now);
      if (expiry === null) continue;
      this.#journal.advices.expire(advice.transactionId, expiry);
      expired.push(advice.transactionId);
    }
    return expired;
  }

  /**
   * One pass: every queued advice, oldest first, one at a time, expiring on
   * the way those past their life; stops at the first failure. A second call
   * while one runs joins it rather than sending anything twice. Never rejects.
   */
  flush(): Promise<FlushResult> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flush(): Promise<FlushResult> {
    const expired: string[] = [];
    const pass = await drainInOrder<PendingAdvice>(
      {
        oldest: () => this.#oldestLive(expired),
        send: (advice) => this.#send(advice),
        settle: (advice) => this.#journal.advices.sent(advice.transactionId),
        remaining: () => this.#journal.advices.pending().length,
      },
      'advice',
    );
    return { sent: pass.settled.map((a) => a.transactionId), expired, remaining: pass.remaining, error: pass.error };
  }

  /** The oldest advice still within its life; those past it leave the queue on the way (their ids go to `expired`). */
  #oldestLive(expired: string[]): PendingAdvice | undefined {
    for (;;) {
      const next = this.#journal.advices.pending()[0];
      if (next === undefined) return undefined;
      const expiry = adviceExpiry(next, this.#life, this.#clock());
      if (expiry === null) return next;
      this.#journal.advices.expire(next.transactionId, expiry);
      expired.push(next.transactionId);
    }
  }

  async #send(advice: PendingAdvice): Promise<void> {
    // Counted before the send starts: if we die mid-send, the next send is a repeat.
    this.#journal.advices.attempt(advice.transactionId);
    try {
      await this.#sender.sendAdvice(advice, { repeat: advice.attempts > 0 });
    } catch (err) {
      // Certainly never sent (no connection): the next send is the first the host sees, a 0220, not a repeat.
      if (deliveryOf(err) === 'not-sent') this.#journal.advices.notSent(advice.transactionId);
      throw err;
    }
  }
}
