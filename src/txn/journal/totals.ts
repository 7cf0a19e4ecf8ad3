/**
 * Settlement totals of the open batch, per currency: what the terminal will
 * claim at batch close. Debits are purchases the cardholder was charged for
 * (online approvals and offline approvals, whether or not the advice has gone
 * yet); credits are refunds; reversals are requests taken back, reported apart
 * because they were never counted as debits. A reversal still pending is in
 * none of them: the host will decide it.
 */
import type { Database } from 'better-sqlite3';

export interface CountAmount {
  readonly count: number;
  readonly amountMinor: number;
}

export interface CurrencyTotals {
  readonly currency: string;
  readonly debits: CountAmount;
  readonly credits: CountAmount;
  readonly reversals: CountAmount;
  /** Of the debits, those approved offline. */
  readonly offline: CountAmount;
  /** Debits minus credits. */
  readonly netMinor: number;
}

export interface BatchTotals {
  readonly batchNo: number;
  /** When the previous batch closed (null for the first batch). */
  readonly since: string | null;
  readonly currencies: readonly CurrencyTotals[];
}

export interface BatchClose extends BatchTotals {
  readonly closedAt: string;
}

interface TotalsRow {
  currency: string;
  debit_count: number;
  debit_amount: number;
  credit_count: number;
  credit_amount: number;
  reversal_count: number;
  reversal_amount: number;
  offline_count: number;
  offline_amount: number;
}

const SETTLED = `state IN ('completed', 'advice-pending', 'advice-sent')`;

export function batchTotals(db: Database): BatchTotals {
  const batchNo = (db.prepare(`SELECT value FROM counter WHERE name = 'batch_no'`).get() as { value: number }).value;
  const previous = db.prepare('SELECT closed_at FROM batch_close WHERE batch_no = ?').get(batchNo - 1) as { closed_at: string } | undefined;
  const rows = db
    .prepare(
      `SELECT currency,
         SUM(kind = 'purchase' AND ${SETTLED})                                   AS debit_count,
         SUM(CASE WHEN kind = 'purchase' AND ${SETTLED} THEN amount_minor ELSE 0 END) AS debit_amount,
         SUM(kind = 'refund' AND ${SETTLED})                                     AS credit_count,
         SUM(CASE WHEN kind = 'refund' AND ${SETTLED} THEN amount_minor ELSE 0 END)   AS credit_amount,
         SUM(state = 'reversed')                                                 AS reversal_count,
         SUM(CASE WHEN state = 'reversed' THEN amount_minor ELSE 0 END)          AS reversal_amount,
         SUM(kind = 'purchase' AND offline = 1 AND ${SETTLED})                   AS offline_count,
         SUM(CASE WHEN kind = 'purchase' AND offline = 1 AND ${SETTLED} THEN amount_minor ELSE 0 END) AS offline_amount
       FROM txn WHERE batch_no = ? GROUP BY currency ORDER BY currency`,
    )
    .all(batchNo) as TotalsRow[];
  const currencies = rows
    .map((r) => ({
      currency: r.currency,
      debits: { count: r.debit_count, amountMinor: r.debit_amount },
      credits: { count: r.credit_count, amountMinor: r.credit_amount },
      reversals: { count: r.reversal_count, amountMinor: r.reversal_amount },
      offline: { count: r.offline_count, amountMinor: r.offline_amount },
      netMinor: r.debit_amount - r.credit_amount,
    }))
    .filter((t) => t.debits.count + t.credits.count + t.reversals.count > 0);
  return { batchNo, since: previous?.closed_at ?? null, currencies };
}
