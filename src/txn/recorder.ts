/**
 * What the engine tells the journal at each step that matters for money. Each
 * call returns only once the step is durable, so the engine never moves on
 * before the record of the previous step is safe (the SQLite journal commits
 * synchronously). Calls carry masked data only, except `cardRead`, which gets
 * the PAN wrapped so the journal can key-hash it for matching.
 */
import type { Sensitive } from '../util/sensitive.js';
import type { TransactionResult } from './result.js';

export interface TxnRecorder {
  created(result: TransactionResult): void;
  cardRead(result: TransactionResult, pan: Sensitive): void;
  /** `at` is the request's own DE 7 moment, so a recovered reversal names the time the host saw. */
  requestSent(result: TransactionResult, at: Date): void;
  responseReceived(result: TransactionResult): void;
  /**
   * The register has been told `result`. With `reversalOwed` the money state
   * is a reversal duty (recorded, or held by `ReversalDuties` until the
   * journal can take it): only the outcome is recorded, the state is not moved.
   */
  ended(result: TransactionResult, reversalOwed: boolean): void;
}

/** Records nothing: for unit tests and tools that run without a journal. */
export const NO_RECORDER: TxnRecorder = {
  created: () => undefined,
  cardRead: () => undefined,
  requestSent: () => undefined,
  responseReceived: () => undefined,
  ended: () => undefined,
};
