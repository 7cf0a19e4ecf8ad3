/**
 * Opens a journal for reading only, for `pos journal`: no key, no writes, no
 * migrations (a file from newer software is refused, an older one is read as
 * it is only if it is current).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { PosError } from '../../util/errors.js';
import type { JournalEntry, JournalStep } from './entry.js';
import { journalFault } from './faults.js';
import { JOURNAL_FILE } from './open.js';
import { getEntry, listEntries, stepsOf, toCsv, type ListFilter } from './queries.js';
import { SCHEMA_VERSION } from './schema.js';

export class JournalReader {
  readonly file: string;
  readonly #db: Db;

  private constructor(db: Db, file: string) {
    this.#db = db;
    this.file = file;
  }

  static open(dir: string, fileName = JOURNAL_FILE): JournalReader {
    const file = join(dir, fileName);
    if (!existsSync(file)) throw new PosError('JOURNAL_UNAVAILABLE', `No journal at ${file}`, { file, cause: 'ENOENT' });
    let db: Db | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5_000 });
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new PosError(version > SCHEMA_VERSION ? 'JOURNAL_SCHEMA_TOO_NEW' : 'JOURNAL_UNAVAILABLE', `Journal schema version ${version}, this software reads ${SCHEMA_VERSION}`, {
          file,
          version,
          supported: SCHEMA_VERSION,
        });
      }
      return new JournalReader(db, file);
    } catch (err) {
      db?.close();
      throw journalFault(err, 'open for reading', file);
    }
  }

  list(filter: ListFilter = {}): JournalEntry[] {
    return this.#guard(() => listEntries(this.#db, filter));
  }

  get(id: string): { entry: JournalEntry; steps: JournalStep[] } {
    return this.#guard(() => ({ entry: getEntry(this.#db, id), steps: stepsOf(this.#db, id) }));
  }

  csv(filter: ListFilter = {}): string {
    return toCsv(this.list(filter));
  }

  close(): void {
    this.#db.close();
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw journalFault(err, 'read', this.file);
    }
  }
}
