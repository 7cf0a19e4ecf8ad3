/**
 * Start-up recovery: run once at start, before any new transaction. Decides
 * the end of every transaction a crash or power cut left in the middle:
 * - `request-sent`: the host may have approved → `reversal-pending`;
 * - `response-received` with an approval (`isApproval`): the chip
 *   completion was never recorded → `reversal-pending`; with a decline →
 *   `declined`;
 * - `created` (nothing sent) and `offline-approved` (the card never gave its
 *   final word) → `failed`.
 */
import type { PendingReversal } from '../../host/reversal-store.js';
import { isApproval } from '../../host/approval.js';
import type { PendingAdvice } from './advices.js';
import type { Patch } from './connection.js';
import type { TxnRow } from './entry.js';
import type { Journal } from './journal.js';
import type { JournalState } from './states.js';

export interface RecoveryReport {
  /** What recovery changed, in journal order. */
  readonly changed: readonly { readonly id: string; readonly from: JournalState; readonly to: JournalState }[];
  /** Every reversal still owed, oldest duty first (including the ones recovery just created). */
  readonly reversals: readonly PendingReversal[];
  /** Every advice still owed, oldest first. */
  readonly advices: readonly PendingAdvice[];
}

/** Ends every interrupted transaction in one SQLite transaction; returns the changes and every duty still owed. */
export function recoverJournal(journal: Journal): RecoveryReport {
  const c = journal.connection;
  const changed = c.write('recover', () => {
    const open = c.db
      .prepare(`SELECT * FROM txn WHERE state IN ('created', 'request-sent', 'response-received', 'offline-approved') ORDER BY seq`)
      .all() as TxnRow[];
    const now = c.now();
    const moves: { id: string; from: JournalState; to: JournalState }[] = [];
    for (const row of open) {
      const from = row.state as JournalState;
      const to: JournalState =
        from === 'request-sent' || (from === 'response-received' && isApproval(row.response_code))
          ? 'reversal-pending'
          : from === 'response-received'
            ? 'declined'
            : 'failed';
      const patch: Patch = to === 'reversal-pending' ? { error_code: 'JOURNAL_INTERRUPTED', duty_seq: c.nextDutySeq() } : { error_code: 'JOURNAL_INTERRUPTED' };
      c.patch(row.id, patch, now);
      c.move(row.id, from, to, now, 'recovered at start');
      moves.push({ id: row.id, from, to });
    }
    return moves;
  });
  return { changed, reversals: journal.reversals.pending(), advices: journal.advices.pending() };
}
