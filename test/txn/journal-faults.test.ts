/**
 * Journal faults on real files: a corrupt file at start, a read-only folder,
 * a full disk. Each is a typed JOURNAL_* error, stops new transactions, and
 * loses nothing already committed.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JournalReader, type Journal } from '../../src/txn/journal/index.js';
import { faultCodeFor } from '../../src/txn/journal/faults.js';
import { PosError } from '../../src/util/errors.js';
import { card, makeReadOnly, openJournal, tempDir } from './journal-helpers.js';
import { thrown, thrownOrNone } from '../pos-error.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function journalWith(ids: readonly string[], dir = tempDir()): { dir: string; journal: Journal } {
  const journal = openJournal(dir);
  for (const id of ids) {
    journal.steps.begin({ id, amountMinor: 1000, currency: '978', card: card() });
    journal.steps.decline(id, { responseCode: '05' });
  }
  return { dir, journal };
}

function idsIn(dir: string): string[] {
  const reader = JournalReader.open(dir);
  try {
    return reader.list().map((e) => e.id);
  } finally {
    reader.close();
  }
}

describe('a corrupt journal at start', () => {
  it('refuses a file of garbage with JOURNAL_CORRUPT and leaves its bytes untouched', () => {
    const dir = tempDir();
    const file = join(dir, JOURNAL_FILE);
    const garbage = Buffer.alloc(8192, 0x5a);
    garbage.write('not a database at all', 0, 'latin1');
    writeFileSync(file, garbage);
    const error = thrown(() => openJournal(dir));
    expect(error.code).toBe('JOURNAL_CORRUPT');
    expect(error.details).toMatchObject({ file, where: 'open', cause: 'SQLITE_NOTADB' });
    expect(readFileSync(file).equals(garbage)).toBe(true);
  });

  it('refuses a database whose pages were damaged (quick_check or SQLITE_CORRUPT)', () => {
    const { dir, journal } = journalWith(['a', 'b', 'c']);
    journal.close();
    const file = join(dir, JOURNAL_FILE);
    const bytes = readFileSync(file);
    const pageSize = 4096;
    // Keep the header page, scribble over every page after it: b-tree pages no longer parse.
    for (let i = pageSize; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(file, bytes);
    const error = thrown(() => openJournal(dir));
    expect(error.code).toBe('JOURNAL_CORRUPT');
    expect(error.details['file']).toBe(file);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});

/** Makes `dir` read-only until the test ends (or until the returned undo). */
function readOnlyForTest(dir: string): () => void {
  const undo = makeReadOnly(dir);
  cleanups.push(undo);
  return undo;
}

describe('a read-only journal folder', () => {
  it('refuses to open for writing with JOURNAL_READ_ONLY and keeps every committed row', () => {
    const { dir, journal } = journalWith(['a', 'b']);
    journal.close();
    const undo = readOnlyForTest(dir);
    const error = thrown(() => openJournal(dir));
    expect(error.code).toBe('JOURNAL_READ_ONLY');
    expect(error.details['file']).toBe(join(dir, JOURNAL_FILE));
    undo();
    cleanups.pop();
    expect(idsIn(dir)).toEqual(['a', 'b']);
  });

  it('classifies SQLITE_READONLY and EROFS as JOURNAL_READ_ONLY', () => {
    expect(['SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'EROFS'].map(faultCodeFor)).toEqual(['JOURNAL_READ_ONLY', 'JOURNAL_READ_ONLY', 'JOURNAL_READ_ONLY']);
    expect(['SQLITE_FULL', 'ENOSPC'].map(faultCodeFor)).toEqual(['JOURNAL_DISK_FULL', 'JOURNAL_DISK_FULL']);
    expect(['SQLITE_CORRUPT', 'SQLITE_NOTADB'].map(faultCodeFor)).toEqual(['JOURNAL_CORRUPT', 'JOURNAL_CORRUPT']);
  });

  it('refuses to open read-only even after an unclean shutdown left a WAL behind', () => {
    const { dir, journal } = journalWith(['a']);
    // No close(): the -wal and -shm files stay, as after a power cut. Copy the folder as it is now.
    const copy = tempDir();
    for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(copy, f));
    journal.close();
    expect(readdirSync(copy).sort()).toEqual([JOURNAL_FILE, `${JOURNAL_FILE}-shm`, `${JOURNAL_FILE}-wal`]);
    const undo = readOnlyForTest(copy);
    expect(thrown(() => openJournal(copy)).code).toBe('JOURNAL_READ_ONLY');
    undo();
    cleanups.pop();
    expect(idsIn(copy)).toEqual(['a']);
  });
});

describe('a full disk', () => {
  it('fails the step with JOURNAL_DISK_FULL, writes no half row, stays faulted while full, and keeps what was committed', () => {
    const dir = tempDir();
    const setup = openJournal(dir);
    setup.close();
    const probe = new Database(join(dir, JOURNAL_FILE), { readonly: true });
    const used = probe.pragma('page_count', { simple: true }) as number;
    probe.close();

    // The file may grow by a few pages, no more: soon a step cannot be written.
    const journal = openJournal(dir, { maxPageCount: used + 3 });
    const reason = 'x'.repeat(1500); // big rows fill pages quickly
    const committed: string[] = [];
    let error: PosError | undefined;
    let failedId = '';
    for (let i = 0; i < 200 && error === undefined; i++) {
      const id = `t${i}`;
      error = thrownOrNone(() => {
        journal.steps.begin({ id, amountMinor: 100, currency: '978', card: card() });
        journal.steps.decline(id, { reason });
        committed.push(id);
      });
      if (error !== undefined) failedId = id;
    }
    expect(error).toBeInstanceOf(PosError);
    expect(error!.code).toBe('JOURNAL_DISK_FULL');
    expect(error!.details).toMatchObject({ file: join(dir, JOURNAL_FILE), cause: 'SQLITE_FULL' });
    expect(committed.length).toBeGreaterThan(0);

    // While the disk stays full every write still tries, and fails the same way; the fault stands.
    expect(journal.fault?.code).toBe('JOURNAL_DISK_FULL');
    const refused = thrown(() => {
      for (let i = 0; i < 20; i++) {
        journal.steps.begin({ id: `next${i}`, amountMinor: 1, currency: '978', card: card() });
        journal.steps.decline(`next${i}`, { reason });
      }
    });
    expect(refused.code).toBe('JOURNAL_DISK_FULL');
    expect(journal.fault?.code).toBe('JOURNAL_DISK_FULL');
    journal.close();

    // Nothing committed is lost; the failed step left either no row or the row as it was before that step.
    const again = openJournal(dir);
    const entries = again.list();
    expect(entries.filter((e) => e.state === 'declined' && e.id.startsWith('t')).map((e) => e.id)).toEqual(committed);
    const failed = entries.find((e) => e.id === failedId);
    if (failed !== undefined) {
      expect(failed.state).toBe('created');
      expect(again.steps.of(failedId).map((s) => s.state)).toEqual(['created']);
    }
    again.close();
  });
});
