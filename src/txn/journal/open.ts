/**
 * Opening the journal file: the folder (0700) and file modes, WAL with
 * `synchronous=FULL`, `secure_delete`, an integrity check, migrations, and a
 * write lock taken once so a read-only file shows at start, not at the first
 * payment. A failed open says what is wrong with the folder and removes the
 * files it made (never one that was there).
 */
import { accessSync, constants as fsConstants, existsSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { PosError } from '../../util/errors.js';
import { makeJournalDir, restrictJournalFiles } from './at-rest.js';
import { JournalConnection, truncateWal } from './connection.js';
import { journalFault } from './faults.js';
import { migrate } from './schema.js';

export const JOURNAL_FILE = 'journal.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface JournalOptions {
  /** `journal.dir`; created (0700) when missing. */
  readonly dir: string;
  /** DE 41, stored with each entry. */
  readonly terminalId: string;
  readonly clock?: () => Date;
  readonly fileName?: string;
  /** How long a write waits for another connection's lock (`pos journal` reading) before failing. */
  readonly busyTimeoutMs?: number;
  /** Caps the file at this many pages (4 KiB each): a size limit on a small card, and how tests fill the "disk". */
  readonly maxPageCount?: number;
}

/**
 * Opens (creating or migrating) the journal file. Throws `JOURNAL_CORRUPT`
 * for a file that is not a database or fails `PRAGMA quick_check` (the file
 * is left as it is, for an engineer), `JOURNAL_READ_ONLY`,
 * `JOURNAL_DISK_FULL`, `JOURNAL_SCHEMA_TOO_NEW`, `JOURNAL_DIR_INVALID` or
 * `JOURNAL_UNAVAILABLE`.
 */
export function openConnection(options: JournalOptions): JournalConnection {
  const file = join(options.dir, options.fileName ?? JOURNAL_FILE);
  // What a failed open made, it removes: a full disk at start must not leave an empty journal.db.
  const existing = existingJournalFiles(file);
  let db: Db | undefined;
  try {
    makeJournalDir(options.dir);
    db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    // 0600 before the WAL exists, so SQLite makes -wal and -shm with the same mode; again after, for files an older run left.
    restrictJournalFiles(file);
    db.pragma('journal_mode = WAL');
    restrictJournalFiles(file);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Deleted and overwritten content (an advice's sealed card data once sent) is zeroed, not left in free space.
    db.pragma('secure_delete = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      throw new PosError('JOURNAL_CORRUPT', 'The journal file fails its integrity check', { file, check: 'quick_check' });
    }
    if (migrate(db).length > 0) compact(db);
    // SQLite silently falls back to read-only when it cannot open the file for writing (and a
    // current schema needs no write to open): take the write lock once so that shows now, not at
    // the first payment.
    const probe = db;
    probe.transaction(() => probe.prepare(`UPDATE counter SET value = value WHERE name = 'last_stan'`).run()).immediate();
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    return new JournalConnection(db, file, { terminalId: options.terminalId, clock: options.clock ?? (() => new Date()) });
  } catch (err) {
    db?.close();
    removeJournalFilesExcept(file, existing);
    throw refineOpenFault(journalFault(err, 'open', file), options.dir);
  }
}

/**
 * After a migration (one dropped the PAN hash): VACUUM rebuilds the file, so
 * no free page or slack space in a page keeps what was dropped, then the WAL
 * is truncated. Best effort, like `truncateWal`: it needs free space the size
 * of the file, and a terminal must still start on a nearly full card.
 */
function compact(db: Db): void {
  try {
    db.exec('VACUUM');
  } catch {
    // VACUUM is all or nothing: the file is as the migration left it.
  }
  truncateWal(db);
}

/** The database file and the files SQLite keeps beside it (WAL, shared memory, rollback journal). */
function journalFiles(file: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => file + suffix);
}

function existingJournalFiles(file: string): ReadonlySet<string> {
  return new Set(journalFiles(file).filter((path) => existsSync(path)));
}

/** Removes the journal files that are not in `keep`; best effort (the open's own error is the one to report). */
function removeJournalFilesExcept(file: string, keep: ReadonlySet<string>): void {
  for (const path of journalFiles(file)) {
    if (keep.has(path)) continue;
    try {
      rmSync(path, { force: true });
    } catch {
      // Left for the operator: the open's error says what stopped it.
    }
  }
}

/** SQLITE_CANTOPEN (or EEXIST, ENOTDIR from making the folder) says little: say what is wrong with the folder. */
function refineOpenFault(error: PosError, dir: string): PosError {
  if (error.code !== 'JOURNAL_UNAVAILABLE') return error;
  try {
    checkJournalDir(dir);
    return error;
  } catch (err) {
    if (!(err instanceof PosError)) return error;
    return new PosError(err.code, err.message, { ...error.details, ...err.details }, { cause: error });
  }
}

/**
 * Checks, creating nothing, that `dir` is a folder the journal can write, or
 * can be made as one: `JOURNAL_DIR_INVALID` when it, or a folder on its path,
 * is a file; `JOURNAL_READ_ONLY` when it (or, while missing, its nearest
 * existing parent) cannot be written — a read-only filesystem, permissions.
 */
export function checkJournalDir(dir: string): void {
  let at = resolve(dir);
  for (;;) {
    let stat: Stats;
    try {
      stat = statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new PosError('JOURNAL_DIR_INVALID', `The journal folder ${dir} has a file in its path`, { dir, cause: code });
      const parent = dirname(at);
      if (code === 'ENOENT' && parent !== at) {
        at = parent;
        continue;
      }
      throw new PosError('JOURNAL_UNAVAILABLE', `The journal folder ${dir} cannot be inspected (${code ?? 'unknown error'})`, { dir, cause: code ?? 'unknown' });
    }
    if (!stat.isDirectory()) {
      const what = at === resolve(dir) ? 'is a file, not a folder' : `cannot be made: ${at} is a file`;
      throw new PosError('JOURNAL_DIR_INVALID', `The journal folder ${dir} ${what}`, { dir });
    }
    try {
      accessSync(at, fsConstants.W_OK);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      const what = at === resolve(dir) ? 'cannot be written' : `cannot be made (${at} cannot be written)`;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') throw new PosError('JOURNAL_READ_ONLY', `The journal folder ${dir} ${what} (${code})`, { dir, cause: code });
      throw new PosError('JOURNAL_UNAVAILABLE', `The journal folder ${dir} ${what} (${code})`, { dir, cause: code });
    }
  }
}

