/**
 * The journal's batches: the open batch's totals (`totals.ts`) and closing
 * it once the host agrees with them (`src/txn/settlement.ts`).
 */
import type { JournalConnection } from './connection.js';
import { batchTotals, type BatchClose, type BatchTotals } from './totals.js';

export class BatchLog {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /** Totals per currency of the open batch (everything since the last batch close). */
  totals(): BatchTotals {
    return this.#c.read(() => batchTotals(this.#c.db));
  }

  /** Closes the open batch: records its totals and starts the next one. */
  close(): BatchClose {
    const c = this.#c;
    return c.write('close batch', () => {
      const totals = batchTotals(c.db);
      const closedAt = c.now();
      c.db.prepare('INSERT INTO batch_close (batch_no, closed_at, totals) VALUES (?, ?, ?)').run(totals.batchNo, closedAt, JSON.stringify(totals.currencies));
      c.db.prepare(`UPDATE counter SET value = value + 1 WHERE name = 'batch_no'`).run();
      return { ...totals, closedAt };
    });
  }
}
