/** What the ECR API and the demo report for one transaction. Never a clear PAN. */
import type { CardBrand } from '../card/types.js';
import type { EntryMode } from '../devices/card-reader.js';
import type { ErrorCode } from '../util/errors.js';

export type TxnStatus = 'approved' | 'declined' | 'cancelled' | 'failed';

/** Where a transaction is now: the purchase state machine's states. */
export type TxnState = 'waiting-for-card' | 'waiting-for-pin' | 'authorizing' | TxnStatus;

export interface TransactionResult {
  readonly id: string;
  readonly type: 'purchase';
  readonly state: TxnState;
  /** Set once the transaction has ended. */
  readonly status: TxnStatus | null;
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
  readonly startedAt: string;
  readonly endedAt: string | null;
}
