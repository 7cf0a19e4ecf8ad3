/**
 * The journal as the receipt print spool (`print_job`, migration 8): one job
 * a copy of a transaction's receipt, kept until the printer has printed it.
 * A job holds no receipt text and no card data — the receipt is rendered
 * from the transaction's row when it prints (`src/receipt/`), so a job
 * printed after a restart prints what the first attempt would have.
 *
 *   queued ──claim──▶ printing ──▶ printed
 *     ▲                  │
 *     └──── requeue ─────┤   the printer refused before any byte (paper out, cover open, offline): as it was;
 *                        │   a device fault mid-job, or a power cut (recoverInterrupted): as a DUPLICATE
 *                        └──▶ failed          the receipt cannot be rendered (the operator's)
 *
 * Each move is a compare-and-set on the state in one commit, so a job is
 * claimed once and a printed job is never claimed again.
 */
import { PosError } from '../../util/errors.js';
import type { JournalConnection } from './connection.js';

export type PrintCopy = 'merchant' | 'customer';
export type PrintJobState = 'queued' | 'printing' | 'printed' | 'failed';

export interface PrintJobRecord {
  readonly id: number;
  readonly transactionId: string;
  readonly copy: PrintCopy;
  /** Printed marked DUPLICATE: a reprint, or a job that may have printed already. */
  readonly duplicate: boolean;
  readonly state: PrintJobState;
  /** Claims so far (each one a try at the printer). */
  readonly attempts: number;
  /** Why the last try did not print, when it did not. */
  readonly errorCode: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface PrintJobRow {
  seq: number;
  txn_id: string;
  copy: string;
  duplicate: number;
  state: string;
  attempts: number;
  error_code: string | null;
  created_at: string;
  updated_at: string;
}

export class PrintJobLog {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /**
   * Queues `copies` of a transaction's receipt in one commit, in that order.
   * A copy already queued or printed for it is queued as a DUPLICATE (so is
   * every copy with `duplicate`). `JOURNAL_NOT_FOUND` for an unknown id.
   */
  queue(transactionId: string, copies: readonly PrintCopy[], options: { readonly duplicate?: boolean } = {}): PrintJobRecord[] {
    const c = this.#c;
    return c.write('queue print job', () => {
      this.#requireTxn(transactionId);
      return copies.map((copy) => {
        const seen = c.db.prepare(`SELECT 1 FROM print_job WHERE txn_id = ? AND copy = ? AND state <> 'failed'`).get(transactionId, copy) !== undefined;
        return this.#insert(transactionId, copy, options.duplicate === true || seen);
      });
    });
  }

  /**
   * The automatic print at a transaction's end (or its void): queues `copies`
   * unless a job for the transaction was queued at or after `since` (null:
   * ever), so an event announced twice prints once. Returns the jobs queued.
   */
  queueOnce(transactionId: string, copies: readonly PrintCopy[], since: string | null): PrintJobRecord[] {
    const c = this.#c;
    return c.write('queue print job once', () => {
      this.#requireTxn(transactionId);
      const earlier = c.db.prepare('SELECT 1 FROM print_job WHERE txn_id = ? AND created_at >= ?').get(transactionId, since ?? '') !== undefined;
      if (earlier) return [];
      return copies.map((copy) => this.#insert(transactionId, copy, false));
    });
  }

  /** How many jobs wait for the printer (queued, or claimed and not yet printed). */
  waiting(): number {
    const c = this.#c;
    return c.read(() => (c.db.prepare(`SELECT COUNT(*) AS n FROM print_job WHERE state IN ('queued', 'printing')`).get() as { n: number }).n);
  }

  /** The oldest queued job: jobs print in the order they were queued. */
  next(): PrintJobRecord | undefined {
    const c = this.#c;
    return c.read(() => {
      const row = c.db.prepare(`SELECT * FROM print_job WHERE state = 'queued' ORDER BY seq LIMIT 1`).get() as PrintJobRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    });
  }

  /** Committed before the first byte goes to the printer: a power cut from here on leaves the job `printing`. */
  claim(id: number): PrintJobRecord {
    return this.#move(id, 'queued', 'printing', 'attempts = attempts + 1, error_code = NULL');
  }

  printed(id: number): PrintJobRecord {
    return this.#move(id, 'printing', 'printed', 'error_code = NULL');
  }

  /**
   * Back in the queue after a try that did not print. `mayHavePrinted`: part
   * of it may be on paper (a device fault after bytes went out): it prints
   * again marked DUPLICATE.
   */
  requeue(id: number, errorCode: string, mayHavePrinted: boolean): PrintJobRecord {
    const duplicate = mayHavePrinted ? ', duplicate = 1' : '';
    return this.#move(id, 'printing', 'queued', `error_code = @errorCode${duplicate}`, { errorCode });
  }

  /** The receipt cannot be rendered: out of the queue, so the jobs behind it print; kept for the operator. */
  fail(id: number, errorCode: string): PrintJobRecord {
    return this.#move(id, 'printing', 'failed', 'error_code = @errorCode', { errorCode });
  }

  /**
   * At start: jobs a power cut (or a crash) left `printing`. The printer keeps
   * no record of what it printed, so each may or may not be on paper: it goes
   * back to the queue marked DUPLICATE — a customer may hold two slips, the
   * second saying DUPLICATE, rather than none. Returns the jobs requeued.
   */
  recoverInterrupted(): PrintJobRecord[] {
    const c = this.#c;
    return c.write('recover print jobs', () => {
      const rows = c.db.prepare(`SELECT seq FROM print_job WHERE state = 'printing' ORDER BY seq`).all() as { seq: number }[];
      const now = c.now();
      c.db.prepare(`UPDATE print_job SET state = 'queued', duplicate = 1, error_code = 'RECEIPT_PRINT_INTERRUPTED', updated_at = ? WHERE state = 'printing'`).run(now);
      return rows.map((r) => this.#get(r.seq));
    });
  }

  get(id: number): PrintJobRecord {
    return this.#c.read(() => this.#get(id));
  }

  /** A transaction's jobs (or every job), oldest first. */
  list(transactionId?: string): PrintJobRecord[] {
    const c = this.#c;
    return c.read(() => {
      const rows = (
        transactionId === undefined
          ? c.db.prepare('SELECT * FROM print_job ORDER BY seq').all()
          : c.db.prepare('SELECT * FROM print_job WHERE txn_id = ? ORDER BY seq').all(transactionId)
      ) as PrintJobRow[];
      return rows.map(toRecord);
    });
  }

  /** The transaction that ended last (the register was told its outcome), for "reprint the last receipt". */
  lastEndedId(): string | undefined {
    const c = this.#c;
    return c.read(() => {
      const row = c.db.prepare('SELECT id FROM txn WHERE outcome IS NOT NULL ORDER BY ended_at IS NULL, ended_at DESC, seq DESC LIMIT 1').get() as { id: string } | undefined;
      return row?.id;
    });
  }

  #requireTxn(transactionId: string): void {
    if (this.#c.db.prepare('SELECT 1 FROM txn WHERE id = ?').get(transactionId) === undefined) {
      throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id: transactionId });
    }
  }

  #insert(transactionId: string, copy: PrintCopy, duplicate: boolean): PrintJobRecord {
    const now = this.#c.now();
    const result = this.#c.db
      .prepare(`INSERT INTO print_job (txn_id, copy, duplicate, state, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)`)
      .run(transactionId, copy, duplicate ? 1 : 0, now, now);
    return this.#get(Number(result.lastInsertRowid));
  }

  #get(id: number): PrintJobRecord {
    const row = this.#c.db.prepare('SELECT * FROM print_job WHERE seq = ?').get(id) as PrintJobRow | undefined;
    if (row === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No print job with that id', { printJob: id });
    return toRecord(row);
  }

  #move(id: number, from: PrintJobState, to: PrintJobState, set: string, params: Record<string, string> = {}): PrintJobRecord {
    const c = this.#c;
    return c.write(`print job ${to}`, () => {
      const result = c.db
        .prepare(`UPDATE print_job SET state = @to, ${set}, updated_at = @now WHERE seq = @id AND state = @from`)
        .run({ ...params, id, from, to, now: c.now() });
      if (result.changes !== 1) {
        const state = this.#get(id).state;
        throw new PosError('JOURNAL_TRANSITION_INVALID', `A print job in ${state} cannot go to ${to}`, { printJob: id, from: state, to });
      }
      return this.#get(id);
    });
  }
}

function toRecord(row: PrintJobRow): PrintJobRecord {
  return {
    id: row.seq,
    transactionId: row.txn_id,
    copy: row.copy as PrintCopy,
    duplicate: row.duplicate === 1,
    state: row.state as PrintJobState,
    attempts: row.attempts,
    errorCode: row.error_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
