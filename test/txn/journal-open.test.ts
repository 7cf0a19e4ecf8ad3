/**
 * Opening the journal at start on a filesystem that cannot take it: a typed
 * error, and nothing left behind that was not there before — no 0-byte
 * journal.db for the next start to trip over. Real small filesystems (tmpfs,
 * root only; CI runs them).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkJournalDir } from '../../src/txn/journal/journal.js';
import { thrown } from '../pos-error.js';
import { canMountTmpfs, mountTmpfs, type Mount } from '../cli/mounts.js';
import { openJournal, tempDir } from './journal-helpers.js';

const mounts: Mount[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});

function mounted(options: string): string {
  const mount = mountTmpfs(tempDir('pos-journal-mnt-'), options);
  mounts.push(mount);
  return mount.dir;
}

/** Fills the filesystem under `dir` to the last byte with one file. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 0x2e);
  const filler = join(dir, 'filler');
  writeFileSync(filler, '');
  try {
    for (;;) writeFileSync(filler, chunk, { flag: 'a' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

describe('a full disk at start', () => {
  it.skipIf(!canMountTmpfs)('JOURNAL_DISK_FULL, and no journal.db (nor -wal, -shm) is left behind', () => {
    const dir = mounted('size=64k');
    fill(dir);
    const error = thrown(() => openJournal(dir));
    expect(error.code).toBe('JOURNAL_DISK_FULL');
    expect(readdirSync(dir)).toEqual(['filler']);
  });

  it.skipIf(!canMountTmpfs)('the same in a journal folder the open makes on that disk', () => {
    const root = mounted('size=64k');
    fill(root);
    const dir = join(root, 'state');
    expect(thrown(() => openJournal(dir)).code).toBe('JOURNAL_DISK_FULL');
    // A tmpfs folder takes no data block, so the folder is made; it is left empty.
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(!canMountTmpfs)('once there is room the journal opens there (the refusal was the disk, not the folder)', () => {
    const dir = mounted('size=1m');
    openJournal(dir).close();
    expect(readdirSync(dir)).toContain('journal.db');
  });
});

describe('a journal folder that cannot be one', () => {
  it('a regular file in its place: JOURNAL_DIR_INVALID, from the check and from the open', () => {
    const file = join(tempDir(), 'journal');
    writeFileSync(file, '');
    expect(thrown(() => checkJournalDir(file))).toMatchObject({ code: 'JOURNAL_DIR_INVALID', kind: 'config', details: { dir: file } });
    expect(thrown(() => openJournal(file)).code).toBe('JOURNAL_DIR_INVALID');
  });

  it('a regular file on its path: JOURNAL_DIR_INVALID', () => {
    const file = join(tempDir(), 'journal');
    writeFileSync(file, '');
    expect(thrown(() => checkJournalDir(join(file, 'a', 'b'))).code).toBe('JOURNAL_DIR_INVALID');
    expect(thrown(() => openJournal(join(file, 'a'))).code).toBe('JOURNAL_DIR_INVALID');
  });

  it('a folder that is missing but can be made passes the check, which makes nothing', () => {
    const dir = join(tempDir(), 'a', 'b');
    expect(() => checkJournalDir(dir)).not.toThrow();
    expect(readdirSync(join(dir, '..', '..'))).toEqual([]);
  });

  it.skipIf(!canMountTmpfs)('on a read-only filesystem, present or still to be made: JOURNAL_READ_ONLY', () => {
    const ro = mounted('ro');
    expect(thrown(() => checkJournalDir(ro)).code).toBe('JOURNAL_READ_ONLY');
    expect(thrown(() => checkJournalDir(join(ro, 'state'))).code).toBe('JOURNAL_READ_ONLY');
    expect(thrown(() => openJournal(ro)).code).toBe('JOURNAL_READ_ONLY');
    expect(thrown(() => openJournal(join(ro, 'state'))).code).toBe('JOURNAL_READ_ONLY');
    expect(readdirSync(ro)).toEqual([]);
  });
});
