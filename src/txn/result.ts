/** What the ECR API and the demo report for one transaction. Never a clear PAN. */
import type { CardBrand } from '../card/types.js';
import type { EmvSummary, EntryMode } from '../devices/card-reader.js';
import type { ErrorCode } from '../util/errors.js';

/** How a transaction ended, as the register was told when it did. */
export type TxnStatus = 'approved' | 'declined' | 'cancelled' | 'failed';

/** What the register sees: an approved transaction it later voided (or a released pre-authorization) reads `voided`. */
export type ResultStatus = TxnStatus | 'voided';

/**
 * `purchase` (with tip or cashback), `refund` and `preauth` read a card;
 * `completion` captures a pre-authorization by its id.
 */
export type TxnType = 'purchase' | 'refund' | 'preauth' | 'completion';

/**
 * Where a transaction is now, in the order it gets there. Until `sending` is
 * over nothing has left for the host, so a cancel still stops it; from
 * `authorizing` on the request may reach the host and only its answer (or a
 * reversal) decides.
 *
 *   [waiting-for-tip] → waiting-for-card → card-read → [waiting-for-pin] → sending → authorizing → [completing] → approved | declined | cancelled | failed
 *
 * `waiting-for-tip`: the cardholder keys a tip on the PIN pad before the card
 * (`transactions.tipEntry: "pinpad"`). `sending` covers what must reach the
 * host first (owed reversals).
 */
export type TxnState = 'waiting-for-tip' | 'waiting-for-card' | 'card-read' | 'waiting-for-pin' | 'sending' | 'authorizing' | 'completing' | ResultStatus;

/** The states in which a cancel from the register still stops the transaction before anything reaches the host. */
export const CANCELLABLE_STATES: readonly TxnState[] = ['waiting-for-tip', 'waiting-for-card', 'card-read', 'waiting-for-pin', 'sending'];

export interface TransactionResult {
  readonly id: string;
  readonly type: TxnType;
  /** The register's idempotency key, when it gave one: the same key always names this transaction. */
  readonly reference?: string;
  readonly state: TxnState;
  /** Set once the transaction has ended. */
  readonly status: ResultStatus | null;
  /** The host's DE 39 — an approving code only on an approved result: a result that did not honour an approval carries none. */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
  readonly stan: string | null;
  readonly maskedPan: string | null;
  readonly brand: CardBrand | null;
  readonly entryMode: EntryMode | null;
  /** Minor units: the goods (a purchase), the refund, the amount held (a pre-authorization) or captured (a completion). */
  readonly amount: number;
  /** The tip, when there is one. */
  readonly tip?: number;
  /** The cash given out, when there is some. */
  readonly cashback?: number;
  /** What the card is charged or credited: amount, tip and cashback. */
  readonly total: number;
  /** A referenced refund's purchase, a completion's pre-authorization. */
  readonly originalId?: string;
  /** When the register voided it (a pre-authorization: released). */
  readonly voidedAt?: string;
  /** ISO 4217 numeric. */
  readonly currency: string;
  /** Why it did not complete, when a terminal-side error ended it (`CARD_EXPIRED`, `HOST_TIMEOUT`, …). */
  readonly errorCode?: ErrorCode;
  /** A short customer-readable reason (what the display showed). */
  readonly reason?: string;
  /** Approved by the terminal without the host (store-and-forward): an advice (0220) follows. */
  readonly offline?: boolean;
  /** Where the terminal ran the EMV kernel: the application, TVR, TSI, CVM results and the last cryptogram (no card data). */
  readonly emv?: EmvSummary;
  readonly startedAt: string;
  readonly endedAt: string | null;
}
