/**
 * The journal's one database handle, shared by its roles (`steps`,
 * `reversals`, `stan`, `advices`, `batches`): how a write becomes one SQLite
 * transaction, how a fault is kept and cleared, and the row moves every role
 * makes (patch the row, move its state, log the step).
 *
 * A write fault (disk full, read-only filesystem, I/O error) is thrown as its
 * typed `JOURNAL_*` error and kept as `fault`: the terminal takes no new
 * transaction while it stands. Every later write still tries, and the first
 * one that commits clears the fault (space was freed, the filesystem came
 * back); a damaged file (`JOURNAL_CORRUPT`) stays faulted and every write is
 * refused with `JOURNAL_FAULTED` until an engineer looks. A write inside
 * another (a ledger step made of several role steps) joins its transaction:
 * all of it commits, or none.
 */
import type { Database as Db } from 'better-sqlite3';
import { PosError } from '../../util/errors.js';
import { toEntry, type JournalEntry, type TxnRow } from './entry.js';
import { journalFault } from './faults.js';
import { getEntry } from './queries.js';
import { canMove, isFinal, type JournalState } from './states.js';

/** The `txn` columns a step may set. */
export type Column =
  | 'outcome'
  | 'emv'
  | 'amount_minor'
  | 'tip_minor'
  | 'voided_at'
  | 'stan'
  | 'transmitted_at'
  | 'entry_mode'
  | 'brand'
  | 'masked_pan'
  | 'response_code'
  | 'auth_code'
  | 'rrn'
  | 'error_code'
  | 'reason'
  | 'offline'
  | 'duty_seq'
  | 'advice_card'
  | 'online_pin'
  | 'host_no_record';
export type Patch = Partial<Record<Column, string | number | Buffer | null>>;

/** The rows that owe the host something, in the order they must reach it. */
export type DutyState = 'reversal-pending' | 'advice-pending';

export class JournalConnection {
  readonly file: string;
  /** DE 41, stored with each entry. */
  readonly terminalId: string;
  readonly db: Db;
  readonly #clock: () => Date;
  #fault: PosError | null = null;

  constructor(db: Db, file: string, options: { readonly terminalId: string; readonly clock: () => Date }) {
    this.db = db;
    this.file = file;
    this.terminalId = options.terminalId;
    this.#clock = options.clock;
  }

  /** The fault that stopped writes, if any. */
  get fault(): PosError | null {
    return this.#fault;
  }

  now(): string {
    return this.#clock().toISOString();
  }

  /** One SQLite transaction (BEGIN IMMEDIATE), or nothing at all; inside another write, part of its transaction. */
  write<T>(where: string, fn: () => T): T {
    if (this.#fault?.code === 'JOURNAL_CORRUPT') {
      throw new PosError('JOURNAL_FAULTED', `The journal stopped taking writes after ${this.#fault.code}`, {
        fault: this.#fault.code,
        file: this.file,
      });
    }
    try {
      const result = this.db.transaction(fn).immediate();
      // A write committed: whatever stopped the last one (a full disk) is gone.
      if (!this.db.inTransaction) this.#fault = null;
      return result;
    } catch (err) {
      // Our own refusals (bad step, unknown id) change nothing and are no fault.
      if (err instanceof PosError) throw err;
      const fault = journalFault(err, where, this.file);
      this.#fault = fault;
      throw fault;
    }
  }

  read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw journalFault(err, 'read', this.file);
    }
  }

  entry(id: string): JournalEntry {
    return getEntry(this.db, id);
  }

  stateOf(id: string): JournalState {
    return this.entry(id).state;
  }

  /**
   * Moves a row to `to` (a compare-and-set on its state), with `patch` and a
   * step row. `patch` may be a function so that counters it reads are taken
   * inside the step's transaction.
   */
  step(id: string, to: JournalState, patch: Patch | (() => Patch), precondition?: (row: TxnRow) => string | null): JournalEntry {
    return this.write(to, () => {
      const row = this.db.prepare('SELECT * FROM txn WHERE id = ?').get(id) as TxnRow | undefined;
      if (row === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id });
      const from = row.state as JournalState;
      if (!canMove(from, to)) throw invalidStep(id, from, to);
      const missing = precondition?.(row) ?? null;
      if (missing !== null) throw invalidStep(id, from, to, missing);
      const now = this.now();
      this.patch(id, typeof patch === 'function' ? patch() : patch, now);
      this.move(id, from, to, now, null);
      return getEntry(this.db, id);
    });
  }

  move(id: string, from: JournalState, to: JournalState, now: string, note: string | null): void {
    // The WHERE on the old state makes the step a compare-and-set even if two connections write.
    const result = this.db
      // A row ended once keeps that moment: a void moves a completed row on, but the sale ended when it did.
      .prepare('UPDATE txn SET state = @to, updated_at = @now, ended_at = COALESCE(ended_at, @endedAt) WHERE id = @id AND state = @from')
      .run({ id, from, to, now, endedAt: isFinal(to) ? now : null });
    if (result.changes !== 1) throw invalidStep(id, from, to);
    this.stepRow(id, to, now, note);
  }

  patch(id: string, patch: Patch, now: string): void {
    const columns = Object.keys(patch) as Column[];
    if (columns.length === 0) return;
    const set = columns.map((c) => `${c} = @${c}`).join(', ');
    this.db.prepare(`UPDATE txn SET ${set}, updated_at = @now WHERE id = @id`).run({ ...patch, id, now });
  }

  stepRow(id: string, state: JournalState, at: string, note: string | null): void {
    this.db.prepare('INSERT INTO txn_step (txn_id, state, at, note) VALUES (?, ?, ?, ?)').run(id, state, at, note);
  }

  /** The next duty sequence number: duties (reversals, advices) reach the host in this order. */
  nextDutySeq(): number {
    this.db.prepare(`UPDATE counter SET value = value + 1 WHERE name = 'duty_seq'`).run();
    return (this.db.prepare(`SELECT value FROM counter WHERE name = 'duty_seq'`).get() as { value: number }).value;
  }

  dutyEntries(state: DutyState): JournalEntry[] {
    return this.read(() => (this.db.prepare('SELECT * FROM txn WHERE state = ? ORDER BY duty_seq, seq').all(state) as TxnRow[]).map(toEntry));
  }

  /** Best effort: a reader holding the WAL (`pos journal`) only delays this to the next checkpoint. */
  truncateWal(): void {
    truncateWal(this.db);
  }
}

export function truncateWal(db: Db): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Not a write fault: the step before is committed; the next checkpoint does it.
  }
}

export function invalidStep(id: string, from: JournalState, to: JournalState, missing?: string): PosError {
  return new PosError(
    'JOURNAL_TRANSITION_INVALID',
    missing === undefined ? `A transaction in ${from} cannot go to ${to}` : `A transaction in ${from} cannot go to ${to}: ${missing}`,
    { id, from, to, ...(missing === undefined ? {} : { missing }) },
  );
}
