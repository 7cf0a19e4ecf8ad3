/**
 * When the journal forgets: settled rows older than `journal.retentionDays`
 * are pruned at start and then once a day (`journal.retention`; `at-rest.ts`
 * says which rows). A prune that fails is logged and tried the next day; it
 * never stops a payment.
 */
import type { Logger } from 'pino';
import { asPosError } from '../../util/errors.js';
import { pruneSettled, retentionCutoff } from './at-rest.js';
import type { JournalConnection } from './connection.js';
import type { Journal } from './journal.js';

export const RETENTION_INTERVAL_MS = 86_400_000;

/** The journal's retention role: it forgets settled rows. */
export class RetentionLog {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /**
   * Deletes settled rows that ended before `cutoff` (`at-rest.ts` says which)
   * in one transaction, then truncates the WAL; returns how many transactions went.
   */
  prune(cutoff: Date): number {
    const c = this.#c;
    const pruned = c.write('prune', () => pruneSettled(c.db, cutoff));
    if (pruned > 0) c.truncateWal();
    return pruned;
  }
}

export interface RetentionOptions {
  readonly retentionDays: number;
  readonly logger: Logger;
  readonly clock?: () => Date;
  readonly intervalMs?: number;
}

/** Prunes once now, then every `intervalMs` (a day); `stop()` ends it. */
export function startRetention(journal: Journal, options: RetentionOptions): { stop(): void } {
  const clock = options.clock ?? (() => new Date());
  const run = (): void => {
    try {
      const pruned = journal.retention.prune(retentionCutoff(clock(), options.retentionDays));
      if (pruned > 0) options.logger.info({ pruned, retentionDays: options.retentionDays }, 'journal: settled rows past retention deleted');
    } catch (err) {
      options.logger.warn({ code: asPosError(err, 'journal prune').code }, 'journal prune failed; tried again tomorrow');
    }
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
