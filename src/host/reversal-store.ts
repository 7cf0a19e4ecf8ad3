/**
 * Reversal duties. When a financial request may have reached the host but no
 * usable answer came back (time-out, connection lost after sending, an answer
 * that does not decode), the customer may have been charged: the terminal must
 * reverse that request (0400 with DE 90, then 0401 repeats) until the host
 * acknowledges. The terminal records the duty in a `ReversalStore` (the
 * engine's ledger owes it, the journal keeps it); the host layer sends it and
 * acknowledges it here. A store must keep a duty once `add` returns.
 */
import type { EntryMode } from '../devices/card-reader.js';
import type { CardRequestKind, FollowUpRequest } from './model.js';

export interface PendingReversal {
  readonly transactionId: string;
  /** What is being reversed: a card request (a void, a release, or an unknown outcome) or a follow-up (`FollowUpRequest['kind']`). */
  readonly original: CardRequestKind | FollowUpRequest['kind'];
  readonly stan: string;
  /** DE 41 of the original request. */
  readonly terminalId: string;
  /** DE 7 of the original request, ISO string (UTC). */
  readonly transmittedAt: string;
  /** DE 4 of the original (as approved or adjusted; tip and cashback included). */
  readonly amountMinor: number;
  /** A purchase's cashback within `amountMinor`: the reversal's DE 3 is 09 then. */
  readonly cashbackMinor?: number;
  readonly currency: string;
  readonly entryMode: EntryMode;
  /** The error that made the outcome unknown. */
  readonly reason: string;
  readonly maskedPan: string;
}

export interface ReversalStore {
  /** Records a reversal that must be sent; it is kept once this returns. */
  add(reversal: PendingReversal): void;
  /** Reversals not yet acknowledged by the host, oldest first. */
  pending(): readonly PendingReversal[];
  /**
   * The host acknowledged the reversal of this transaction: forget the duty.
   * `no-record`: it answered that it never had the original (DE 39 25), so
   * the original is in no total at the host either.
   */
  acknowledge(transactionId: string, outcome?: ReversalOutcome): void;
}

/** How the host acknowledged a reversal: it undid the original, or it never had it. */
export type ReversalOutcome = 'reversed' | 'no-record';
