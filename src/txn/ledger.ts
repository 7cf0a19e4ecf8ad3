/**
 * The ledger: the one port through which the engine records what happens to
 * the money, step by step, each step durable before the engine takes the
 * next (the terminal's ledger is the journal, `journal-ledger.ts`):
 *
 *   begin ──▶ cardRead ──▶ sent (takes the STAN) ──▶ answered ──▶ ended
 *                             ├──▶ reversalOwed ──────────────────▶ ended (owes a reversal)
 *                             └──▶ approveOffline (asks, and records a grant) ──▶ ended (owes an advice)
 *
 * Steps carry masked data only, except what a step must seal or mask itself
 * (`cardRead`'s PAN, which the journal masks; an advice's card, which it
 * seals to the acquirer). After a step commits the ledger announces it
 * (`LedgerEvent`): the reversal sender, the advice forwarder and the
 * cardholder simulator subscribe, so no side effect is stitched onto a step.
 */
import type { Logger } from 'pino';
import type { CardRead } from '../devices/card-reader.js';
import type { PendingReversal } from '../host/reversal-store.js';
import { asPosError } from '../util/errors.js';
import type { CardFacts } from './journal/steps.js';
import type { TransactionResult } from './result.js';
import type { OfflineRefusal } from './store-and-forward.js';

/** A step about one transaction: the snapshot the register would see at that point. */
export interface TxnStep {
  readonly result: TransactionResult;
}

export interface BeginStep extends TxnStep {
  /**
   * A step of another transaction, on a row of its own: a tip adjustment
   * (`result` holds the purchase's new tip and total) or an incremental
   * authorization (`result` holds the amount added); `originalId` names it.
   */
  readonly stepOf?: 'tip-adjust' | 'incremental';
}

/** The cardholder keyed a tip before the card was read: `result` holds the new tip and total. */
export type TipStep = TxnStep;

export interface VoidStep extends TxnStep {
  /** `TXN_VOIDED` (a purchase, refund or completion) or `TXN_RELEASED` (a pre-authorization). */
  readonly reason: 'TXN_VOIDED' | 'TXN_RELEASED';
}

export interface CardReadStep extends TxnStep {
  readonly card: CardFacts;
}

export interface SentStep extends TxnStep {
  /** The request's own DE 7 moment, so its reversal names the time the host saw. */
  readonly at: Date;
  /** The request carries the PIN block the cardholder entered. */
  readonly onlinePin?: true;
}

export interface OfflineStep extends TxnStep {
  /** Read synchronously for the policy (entry mode, brand, CVM, clear card data); the engine still owns and wipes it. */
  readonly read: CardRead;
  /**
   * The card itself approved offline (TC at the first GENERATE AC, Y1), at
   * this moment: nothing was sent, so the step takes the STAN the advice goes with.
   */
  readonly byCardAt?: Date;
}

/**
 * `disabled`: store-and-forward is off, or the host takes no advices.
 * The rest are the policy's (`store-and-forward.ts`).
 */
export type OfflineGrant =
  | { readonly granted: true; readonly responseCode: string; readonly authCode: string; readonly stan: string }
  | { readonly granted: false; readonly refusal: OfflineRefusal | 'disabled' };

/** What the money still owes the host when the register is told. */
export type Owed =
  | { readonly duty: 'reversal' }
  /** The card accepted an offline approval: the advice is queued, with `read`'s card data sealed (and the second GENERATE AC's data, when a chip gave it). */
  | { readonly duty: 'advice'; readonly read: CardRead; readonly completionTlv?: Buffer };

export interface EndedStep extends TxnStep {
  /** Absent: nothing is owed, the result's status is the journal's end state. */
  readonly owes?: Owed;
  /**
   * What an approved step of another transaction changes on it, in the same
   * commit: a tip adjustment the purchase's tip and total, an increment the
   * pre-authorization's amount (`raisedTo`).
   */
  readonly applies?: { readonly tip: true } | { readonly raisedTo: number };
}

export interface Ledger {
  /** A new transaction; throws (and nothing starts) when it cannot be recorded. */
  begin(step: BeginStep): void;
  /** The tip the cardholder keyed, before the card: the whole amount grows by it. */
  tipEntered(step: TipStep): void;
  cardRead(step: CardReadStep): void;
  /** The request is about to leave: takes the next STAN and records the send in one commit; returns the STAN. */
  sent(step: SentStep): string;
  /** The host's answer, before the card (if any) hears it. */
  answered(step: TxnStep): void;
  /**
   * The request may have reached the host and will not end honoured: it must
   * be reversed. Owed even when the journal cannot write (kept in memory,
   * sent at once, written when the journal takes writes again).
   */
  reversalOwed(reversal: PendingReversal): void;
  /** Nothing reached the host: may the terminal approve? A grant is recorded (`offline-approved`) before it returns. */
  approveOffline(step: OfflineStep): OfflineGrant;
  /** The register is told `result`; with `owes`, the duty stands and only the outcome is recorded beside it. */
  ended(step: EndedStep): void;
  /**
   * The register voids a completed transaction (or releases a
   * pre-authorization): marked voided and its reversal owed in one commit,
   * then announced. Throws, and nothing is voided, when it cannot be recorded.
   */
  voided(step: VoidStep): PendingReversal;
}

/** Announced after a step commits (a reversal owed is announced even when only memory holds it). Never card data. */
export type LedgerEvent =
  | { readonly step: 'begin' | 'tip-entered' | 'card-read' | 'sent' | 'answered' | 'approved-offline'; readonly id: string }
  | { readonly step: 'reversal-owed'; readonly reversal: PendingReversal }
  | { readonly step: 'ended'; readonly result: TransactionResult; readonly owes: Owed['duty'] | null };

export type LedgerListener = (event: LedgerEvent) => void;

/** The ledger's subscribers. A subscriber that throws is logged: the step has committed all the same. */
export class LedgerEvents {
  readonly #listeners = new Set<LedgerListener>();
  readonly #log: Logger;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Subscribes; returns the unsubscribe. */
  on(listener: LedgerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: LedgerEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#log.error({ err: asPosError(err, 'ledger subscriber'), step: event.step }, 'a ledger subscriber failed');
      }
    }
  }
}
