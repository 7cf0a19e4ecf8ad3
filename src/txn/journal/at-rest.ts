/**
 * The journal's files at rest: who may read them, and how long a settled
 * row stays.
 *
 * Modes: the folder 0700 when the journal makes it, `journal.db`, `-wal` and
 * `-shm` 0600 whatever the umask — set with chmod after SQLite opens them,
 * since SQLite creates files 0644 less the umask (and gives the WAL and
 * shared-memory files the database file's mode when it makes them later).
 *
 * Retention: a row is pruned once it is settled — ended, in a batch the host
 * has closed — and older than the retention period. Never a row that still
 * owes the host something (a pending reversal or advice), nor an expired
 * advice waiting for the operator. Its step rows go with it; with
 * `secure_delete` on, SQLite zeroes the freed bytes, and the caller then
 * truncates the WAL so no older page image keeps them.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

export const JOURNAL_FILE_MODE = 0o600;
export const JOURNAL_DIR_MODE = 0o700;
/** The files SQLite keeps beside the database in WAL mode. */
export const SIDE_FILE_SUFFIXES = ['-wal', '-shm'] as const;
export const DEFAULT_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

/** Makes the journal folder (0700) when it is missing; an existing folder is left as its owner set it. */
export function makeJournalDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: JOURNAL_DIR_MODE });
  if (created !== undefined) chmodSync(dir, JOURNAL_DIR_MODE);
}

/** chmod 0600 the database file and whichever of its side files exist now. */
export function restrictJournalFiles(file: string): void {
  for (const path of [file, ...SIDE_FILE_SUFFIXES.map((s) => file + s)]) {
    if (existsSync(path)) chmodSync(path, JOURNAL_FILE_MODE);
  }
}

/** States that end a transaction with nothing owed; `advice-expired` waits for the operator and is kept. */
const PRUNABLE_STATES = ['completed', 'declined', 'cancelled', 'failed', 'reversed', 'advice-sent'] as const;

/** The instant before which settled rows are pruned. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * Deletes the settled rows that ended before `cutoff` (and their steps);
 * returns how many transactions went. Runs inside the caller's transaction.
 */
export function pruneSettled(db: Database, cutoff: Date): number {
  const states = PRUNABLE_STATES.map((s) => `'${s}'`).join(', ');
  const settled = `state IN (${states}) AND ended_at IS NOT NULL AND ended_at < @cutoff
    AND batch_no < (SELECT value FROM counter WHERE name = 'batch_no')`;
  const params = { cutoff: cutoff.toISOString() };
  db.prepare(`DELETE FROM txn_step WHERE txn_id IN (SELECT id FROM txn WHERE ${settled})`).run(params);
  return db.prepare(`DELETE FROM txn WHERE ${settled}`).run(params).changes;
}
