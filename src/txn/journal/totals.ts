/**
 * Settlement totals of the open batch, per currency: what the terminal will
 * claim at batch close, in the host's terms (ISO 8583:1987 DE 74–77).
 *
 * Debits are purchases and completions the cardholder was charged for
 * (online approvals and offline approvals, whether or not the advice has gone
 * yet; a purchase at its adjusted tip); credits are refunds. A
 * pre-authorization is a hold, not a charge, and is in none of them (its
 * release is counted apart). Reversals are requests taken back — voided by
 * the register, or reversed because their outcome was unknown — reported
 * apart from the debits and credits; the host counts them in both (see
 * `settlement.ts`). A reversal still pending for an unknown outcome is in
 * none of them: the host will decide it. A void is counted from its commit:
 * its reversal goes to the host before the batch closes.
 */
import type { Database } from 'better-sqlite3';
import { openBatchNo } from './queries.js';

export interface CountAmount {
  readonly count: number;
  readonly amountMinor: number;
}

export interface CurrencyTotals {
  readonly currency: string;
  readonly debits: CountAmount;
  readonly credits: CountAmount;
  /** Debits taken back: voided by the register, or reversed for an unknown outcome. */
  readonly reversals: CountAmount;
  /** Refunds taken back, the same way. */
  readonly creditReversals: CountAmount;
  /** Of the reversals and credit reversals, those the register voided. */
  readonly voids: CountAmount;
  /** Pre-authorizations released by the register. */
  readonly releases: CountAmount;
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

/**
 * Each tally's count and amount, as `<name>_count` and `<name>_amount`
 * columns. A reversal the host acknowledged as having no record of its
 * original (`host_no_record`) leaves the original out of every tally: the
 * host never counted it either.
 */
const REVERSED_KNOWN = `(voided_at IS NOT NULL OR state = 'reversed') AND host_no_record = 0`;
const TALLIES = {
  debit: `kind IN ('purchase', 'completion') AND state IN ('completed', 'advice-pending', 'advice-sent') AND voided_at IS NULL`,
  credit: `kind = 'refund' AND state IN ('completed', 'advice-pending', 'advice-sent') AND voided_at IS NULL`,
  reversal: `kind IN ('purchase', 'completion') AND ${REVERSED_KNOWN}`,
  credit_reversal: `kind = 'refund' AND ${REVERSED_KNOWN}`,
  void: `kind <> 'preauth' AND voided_at IS NOT NULL AND host_no_record = 0`,
  release: `kind = 'preauth' AND voided_at IS NOT NULL AND host_no_record = 0`,
  offline: `kind IN ('purchase', 'completion') AND offline = 1 AND state IN ('completed', 'advice-pending', 'advice-sent') AND voided_at IS NULL`,
} as const;

type TallyName = keyof typeof TALLIES;
type TotalsRow = { currency: string } & Record<`${TallyName}_count` | `${TallyName}_amount`, number>;

const COLUMNS = Object.entries(TALLIES)
  .map(([name, when]) => `SUM(${when}) AS ${name}_count, SUM(CASE WHEN ${when} THEN amount_minor ELSE 0 END) AS ${name}_amount`)
  .join(',\n         ');

export function batchTotals(db: Database): BatchTotals {
  const batchNo = openBatchNo(db);
  const previous = db.prepare('SELECT closed_at FROM batch_close WHERE batch_no = ?').get(batchNo - 1) as { closed_at: string } | undefined;
  const rows = db.prepare(`SELECT currency,\n         ${COLUMNS}\n       FROM txn WHERE batch_no = ? GROUP BY currency ORDER BY currency`).all(batchNo) as TotalsRow[];
  const tally = (r: TotalsRow, name: TallyName): CountAmount => ({ count: r[`${name}_count`], amountMinor: r[`${name}_amount`] });
  const currencies = rows
    .map((r) => ({
      currency: r.currency,
      debits: tally(r, 'debit'),
      credits: tally(r, 'credit'),
      reversals: tally(r, 'reversal'),
      creditReversals: tally(r, 'credit_reversal'),
      voids: tally(r, 'void'),
      releases: tally(r, 'release'),
      offline: tally(r, 'offline'),
      netMinor: r.debit_amount - r.credit_amount,
    }))
    .filter((t) => t.debits.count + t.credits.count + t.reversals.count + t.creditReversals.count + t.releases.count > 0);
  return { batchNo, since: previous?.closed_at ?? null, currencies };
}
