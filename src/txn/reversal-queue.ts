/**
 * The seam for time-out reversals. When a financial request may have reached
 * the host but no usable answer came back (time-out, connection lost after
 * sending, an answer that does not decode), the customer may have been
 * charged: the terminal must reverse that request (0400 with DE 90) until the
 * host acknowledges. The engine records the duty here; sending it is the host
 * layer's job (issue: ISO 8583 engine and reversals), and keeping it across a
 * restart is the journal's (issue: crash-safe journal).
 */
import type { EntryMode } from '../devices/card-reader.js';

export interface PendingReversal {
  readonly transactionId: string;
  readonly stan: string;
  /** DE 7 of the original request, ISO string (UTC). */
  readonly transmittedAt: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly entryMode: EntryMode;
  /** The error that made the outcome unknown. */
  readonly reason: string;
  readonly maskedPan: string;
}

export interface ReversalQueue {
  /** Records a reversal that must be sent; must not lose it once it returns. */
  add(reversal: PendingReversal): void;
  /** Reversals not yet acknowledged by the host, oldest first. */
  pending(): readonly PendingReversal[];
}

/** Keeps reversals in memory only: they are lost on restart (the journal replaces this). */
export class MemoryReversalQueue implements ReversalQueue {
  readonly #items: PendingReversal[] = [];

  add(reversal: PendingReversal): void {
    this.#items.push(reversal);
  }

  pending(): readonly PendingReversal[] {
    return [...this.#items];
  }
}
