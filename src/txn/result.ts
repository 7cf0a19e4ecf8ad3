/** What the ECR API and the demo report for one transaction. Never a clear PAN. */
import type { CardBrand } from '../card/types.js';
import type { EmvSummary, EntryMode } from '../devices/card-reader.js';
import type { ErrorCode } from '../util/errors.js';

export type TxnStatus = 'approved' | 'declined' | 'cancelled' | 'failed';

/**
 * Where a transaction is now, in the order it gets there. Until `sending` is
 * over nothing has left for the host, so a cancel still stops it; from
 * `authorizing` on the request may reach the host and only its answer (or a
 * reversal) decides.
 *
 *   waiting-for-card → card-read → [waiting-for-pin] → sending → authorizing → [completing] → approved | declined | cancelled | failed
 *
 * `sending` covers what must reach the host first (owed reversals).
 */
export type TxnState = 'waiting-for-card' | 'card-read' | 'waiting-for-pin' | 'sending' | 'authorizing' | 'completing' | TxnStatus;

/** The states in which a cancel from the register still stops the transaction before anything reaches the host. */
export const CANCELLABLE_STATES: readonly TxnState[] = ['waiting-for-card', 'card-read', 'waiting-for-pin', 'sending'];

export interface TransactionResult {
  readonly id: string;
  readonly type: 'purchase';
  /** The register's idempotency key, when it gave one: the same key always names this transaction. */
  readonly reference?: string;
  readonly state: TxnState;
  /** Set once the transaction has ended. */
  readonly status: TxnStatus | null;
  /** The host's DE 39 — an approving code only on an approved result: a result that did not honour an approval carries none. */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
  readonly stan: string | null;
  readonly maskedPan: string | null;
  readonly brand: CardBrand | null;
  readonly entryMode: EntryMode | null;
  /** Minor units. */
  readonly amount: number;
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
