/**
 * The transaction journal: one SQLite file (WAL, synchronous=FULL) that
 * survives a power cut, written through role objects that share one
 * database handle (`JournalConnection`):
 *
 *   journal.steps      one transaction's life, created → its end (`steps.ts`)
 *   journal.reversals  reversal duties, the host layer's `ReversalStore` (`reversals.ts`)
 *   journal.stan       DE 11, the terminal's one STAN counter (`stan.ts`)
 *   journal.advices    offline approvals and their advice queue (`advices.ts`)
 *   journal.batches    the open batch's totals and its close (`batches.ts`)
 *   journal.retention  settled rows forgotten after `journal.retentionDays` (`retention.ts`)
 *   recoverJournal()   start-up recovery, a function of the whole journal (`recovery.ts`)
 *
 * Every method that records a step is synchronous and returns only after its
 * SQLite transaction has committed, so the engine can take the next step
 * (send the request, show APPROVED) knowing the last one is on disk. One
 * step is one transaction: a refused or failed step leaves the row exactly
 * as it was. A write fault is kept as `fault` (`connection.ts` says when it
 * clears); what was committed before stays committed.
 */
import type { PosError } from '../../util/errors.js';
import { AdviceLog } from './advices.js';
import { BatchLog } from './batches.js';
import type { JournalConnection } from './connection.js';
import type { JournalEntry } from './entry.js';
import { openConnection, type JournalOptions } from './open.js';
import { findByReference, findEntry, getEntry, listEntries, openBatchNo, referringEntries, type ListFilter } from './queries.js';
import { RetentionLog } from './retention.js';
import { ReversalLog } from './reversals.js';
import { JournalStan } from './stan.js';
import { StepLog } from './steps.js';

export { checkJournalDir, DEFAULT_BUSY_TIMEOUT_MS, JOURNAL_FILE, type JournalOptions } from './open.js';

export class Journal {
  /** The one database handle the roles share; recovery and retention write through it too. */
  readonly connection: JournalConnection;
  readonly steps: StepLog;
  readonly reversals: ReversalLog;
  readonly stan: JournalStan;
  readonly advices: AdviceLog;
  readonly batches: BatchLog;
  readonly retention: RetentionLog;

  private constructor(connection: JournalConnection) {
    this.connection = connection;
    this.steps = new StepLog(connection);
    this.reversals = new ReversalLog(connection);
    this.stan = new JournalStan(connection);
    this.advices = new AdviceLog(connection);
    this.batches = new BatchLog(connection);
    this.retention = new RetentionLog(connection);
  }

  /** Opens (creating or migrating) the journal; the faults it throws are `openConnection`'s. */
  static open(options: JournalOptions): Journal {
    return new Journal(openConnection(options));
  }

  get file(): string {
    return this.connection.file;
  }

  /** The fault that stopped writes, if any. */
  get fault(): PosError | null {
    return this.connection.fault;
  }

  /** The connection's durability settings, as SQLite reports them (for `pos diag` and tests). */
  settings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'; busyTimeoutMs: number } {
    const db = this.connection.db;
    const levels = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
    return {
      journalMode: db.pragma('journal_mode', { simple: true }) as string,
      synchronous: levels[db.pragma('synchronous', { simple: true }) as number] ?? 'OFF',
      busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  close(): void {
    if (this.connection.db.open) this.connection.db.close();
  }

  get(id: string): JournalEntry {
    return this.#read((db) => getEntry(db, id));
  }

  find(id: string): JournalEntry | undefined {
    return this.#read((db) => findEntry(db, id));
  }

  /** The entry a register's idempotency key names, if any. */
  byReference(reference: string): JournalEntry | undefined {
    return this.#read((db) => findByReference(db, reference));
  }

  list(filter: ListFilter = {}): JournalEntry[] {
    return this.#read((db) => listEntries(db, filter));
  }

  /** The batch not yet closed. */
  batchNo(): number {
    return this.#read(openBatchNo);
  }

  /** The entries that name `originalId` as their original, oldest first. */
  referring(originalId: string): JournalEntry[] {
    return this.#read((db) => referringEntries(db, originalId));
  }

  #read<T>(query: (db: JournalConnection['db']) => T): T {
    return this.connection.read(() => query(this.connection.db));
  }
}
