/**
 * Where the engine finds transactions it no longer holds in memory: ended
 * ones, ones from before a restart, and a register's idempotency keys. The
 * journal answers it (`journal/history.ts`), so what the ECR API says of a
 * transaction survives a restart.
 */
import type { TransactionResult, TxnStatus } from './result.js';

/** A step of another transaction the register named by its idempotency key (an incremental authorization), as it ended. */
export interface StepByReference {
  readonly kind: string;
  readonly originalId: string | null;
  readonly amountMinor: number;
  /** What the register was told; null when it never was (a restart ended it). */
  readonly outcome: TxnStatus | null;
  readonly responseCode: string | null;
  readonly errorCode: string | null;
}

export interface HistoryFilter {
  /** Transactions started at or after this instant. */
  readonly since?: Date;
  readonly reference?: string;
  /** At most this many, the newest ones, oldest first. */
  readonly limit?: number;
}

export interface TxnHistory {
  byId(id: string): TransactionResult | undefined;
  byReference(reference: string): TransactionResult | undefined;
  list(filter: HistoryFilter): TransactionResult[];
  /** The transactions that name `originalId` as their original (its refunds, its completion), oldest first. */
  related(originalId: string): TransactionResult[];
  /** DE 7 of the transaction's request (ISO string), which a later message names it by; undefined when none went out. */
  transmittedAt(id: string): string | undefined;
  /** Whether the host acknowledged the transaction's reversal: it stands at nothing there. */
  reversed(id: string): boolean;
  /** Whether the transaction belongs to the batch not yet closed. */
  inOpenBatch(id: string): boolean;
  /** Whether the host acknowledged an offline approval's advice: only then was the card charged. */
  adviceAcknowledged(id: string): boolean;
  /** Any journal row a register's idempotency key names, a step of another transaction included. */
  stepByReference(reference: string): StepByReference | undefined;
}
