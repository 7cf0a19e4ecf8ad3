/**
 * The journal's files at rest, on a real filesystem: the PAN hash gone from
 * an older file (values, index and column, with no trace left in the files),
 * modes 0700/0600 whatever the umask, and retention — settled rows past
 * `journal.retentionDays` pruned at start and daily, nothing owed ever.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log/logger.js';
import { Journal, JOURNAL_FILE, MIGRATIONS, migrate, retentionCutoff, SCHEMA_VERSION } from '../../src/txn/journal/index.js';
import { startRetention } from '../../src/txn/journal/retention.js';
import { card, journalBytes, openJournal, OTHER_PAN, PAN, tempDir } from './journal-helpers.js';

const open: Journal[] = [];
afterEach(() => {
  for (const j of open.splice(0)) j.close();
});
function keep(journal: Journal): Journal {
  open.push(journal);
  return journal;
}

const DAY_MS = 86_400_000;
const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('a journal written with a PAN hash (schema 3), opened by this version', () => {
  const HMAC_KEY = randomBytes(32);
  const hmac = (pan: string): string => createHmac('sha256', HMAC_KEY).update(pan).digest('hex');

  /** A version-3 file as the old software left it: rows with pan_hash, an advice sealed under the old symmetric key. */
  function oldJournal(dir: string): { hashes: string[]; oldBlob: Buffer } {
    const db = new Database(join(dir, JOURNAL_FILE));
    db.pragma('journal_mode = WAL');
    // As software before secure_delete left it: old cell bytes also linger in slack space, which only a rebuild clears.
    db.pragma('secure_delete = OFF');
    expect(migrate(db, MIGRATIONS.slice(0, 3))).toEqual([1, 2, 3]);
    const insert = db.prepare(
      `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, masked_pan, pan_hash, created_at, updated_at, ended_at)
       VALUES (?, 'purchase', ?, 'T0000001', 100, '978', ?, ?, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', ?)`,
    );
    const hashes: string[] = [];
    // Enough rows to span many pages: the hashes must go from every one of them.
    for (let i = 0; i < 300; i++) {
      const pan = i % 2 === 0 ? PAN : OTHER_PAN;
      const hash = hmac(pan);
      if (!hashes.includes(hash)) hashes.push(hash);
      insert.run(`old-${i}`, 'completed', '476173******0119', hash, '2025-01-01T00:00:00.000Z');
    }
    const oldBlob = Buffer.concat([Buffer.from([0x01]), randomBytes(12), randomBytes(16), Buffer.from('old-style sealed card data'.padEnd(80, '.'))]);
    insert.run('queued', 'advice-pending', '476173******0119', hmac(PAN), null);
    db.prepare('UPDATE txn SET advice_card = ?, offline = 1 WHERE id = ?').run(oldBlob, 'queued');
    db.close();
    return { hashes, oldBlob };
  }

  it('drops the values, the index and the column, leaving no hash in the .db, -wal or -shm', () => {
    const dir = tempDir();
    const { hashes } = oldJournal(dir);
    expect(journalBytes(dir)).toContain(hashes[0]); // the scan sees them before

    const journal = keep(openJournal(dir));
    const check = new Database(join(dir, JOURNAL_FILE), { readonly: true });
    const columns = (check.prepare('PRAGMA table_info(txn)').all() as { name: string }[]).map((c) => c.name);
    const indexes = (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).all() as { name: string }[]).map((i) => i.name);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
    expect(columns).not.toContain('pan_hash');
    expect(indexes).not.toContain('txn_pan_hash');
    expect(journal.get('old-0')).toMatchObject({ state: 'completed', maskedPan: '476173******0119' });

    const bytes = journalBytes(dir);
    expect(bytes).toContain('476173******0119');
    for (const hash of hashes) {
      expect(bytes).not.toContain(hash);
      expect(bytes).not.toContain(Buffer.from(hash, 'hex').toString('latin1'));
    }
  });

  it('takes an advice sealed under the retired symmetric key out of the queue for the operator, its blob destroyed', () => {
    const dir = tempDir();
    const { oldBlob } = oldJournal(dir);
    const journal = keep(openJournal(dir));
    expect(journal.advices.pending()).toEqual([]);
    expect(journal.get('queued')).toMatchObject({ state: 'advice-expired', errorCode: 'SAF_ADVICE_EXPIRED', reason: 'retired-key', maskedPan: '476173******0119' });
    expect(journal.steps.of('queued').map((s) => [s.state, s.note])).toEqual([['advice-expired', 'sealed under the retired advice key']]);
    expect(journal.advices.sealedCard('queued')).toBeNull();
    expect(journalBytes(dir)).not.toContain(oldBlob.subarray(29).toString('latin1'));
  });

  it('truncates the WAL after migrating', () => {
    const dir = tempDir();
    oldJournal(dir);
    keep(openJournal(dir));
    expect(statSync(join(dir, `${JOURNAL_FILE}-wal`)).size).toBe(0);
  });
});

describe('journal file modes', () => {
  function withUmask<T>(mask: number, fn: () => T): T {
    const before = process.umask(mask);
    try {
      return fn();
    } finally {
      process.umask(before);
    }
  }

  it('makes the folder 0700 and journal.db, -wal and -shm 0600 under a permissive umask (022)', () => {
    const dir = join(tempDir(), 'state', 'journal');
    const journal = keep(withUmask(0o022, () => openJournal(dir)));
    journal.steps.begin({ id: 't1', amountMinor: 100, currency: '978', card: card() });
    expect(modeOf(dir)).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) {
      const file = join(dir, JOURNAL_FILE + suffix);
      expect(existsSync(file)).toBe(true);
      expect([suffix, modeOf(file)]).toEqual([suffix, 0o600]);
    }
  });

  it('tightens files an older run left 0644, and the WAL SQLite makes again after a clean close', () => {
    const dir = tempDir();
    withUmask(0o022, () => {
      const first = openJournal(dir);
      first.steps.begin({ id: 't1', amountMinor: 100, currency: '978', card: card() });
      first.close(); // a clean close removes -wal and -shm
    });
    chmodSync(join(dir, JOURNAL_FILE), 0o644);
    writeFileSync(join(dir, `${JOURNAL_FILE}-wal`), Buffer.alloc(0), { mode: 0o644 });
    chmodSync(join(dir, `${JOURNAL_FILE}-wal`), 0o644);
    const journal = keep(withUmask(0o022, () => openJournal(dir)));
    journal.steps.begin({ id: 't2', amountMinor: 100, currency: '978', card: card() });
    for (const suffix of ['', '-wal', '-shm']) expect([suffix, modeOf(join(dir, JOURNAL_FILE + suffix))]).toEqual([suffix, 0o600]);
  });

  it('leaves an existing folder as its owner set it', () => {
    const dir = join(tempDir(), 'mine');
    mkdirSync(dir, { mode: 0o750 });
    chmodSync(dir, 0o750);
    keep(openJournal(dir));
    expect(modeOf(dir)).toBe(0o750);
    expect(modeOf(join(dir, JOURNAL_FILE))).toBe(0o600);
  });
});

describe('journal retention', () => {
  const T0 = Date.parse('2025-01-01T10:00:00Z');

  /** A journal whose clock the test sets. */
  function clocked(dir = tempDir()) {
    let now = T0;
    const journal = keep(openJournal(dir, { clock: () => new Date(now) }));
    return { journal, dir, at: (ms: number) => (now = ms) };
  }

  function completed(journal: Journal, id: string, rrn: string): void {
    journal.steps.begin({ id, amountMinor: 100, currency: '978', card: card() });
    journal.steps.requestSent(id, { stan: journal.stan.next(), transmittedAt: new Date(T0) });
    journal.steps.responseReceived(id, { responseCode: '00', authCode: 'A00001', rrn });
    journal.steps.complete(id);
  }

  it('prunes settled rows (ended, batch closed) past the cutoff with their steps — never a duty, an expired advice or an open batch', () => {
    const { journal, dir, at } = clocked();
    completed(journal, 'old-done', 'RRNOLDDONE01');
    journal.steps.begin({ id: 'old-declined', amountMinor: 100, currency: '978', card: card() });
    journal.steps.decline('old-declined', { responseCode: '51' });
    journal.steps.begin({ id: 'old-reversal', amountMinor: 100, currency: '978', card: card() });
    journal.steps.requestSent('old-reversal', { stan: journal.stan.next(), transmittedAt: new Date(T0) });
    journal.reversals.owe('old-reversal', 'HOST_TIMEOUT');
    for (const id of ['old-advice', 'old-expired']) {
      journal.steps.begin({ id, amountMinor: 100, currency: '978', card: card() });
      journal.advices.approveOffline(id, { responseCode: 'Y3', authCode: 'Y00001' });
      journal.advices.queue(id, Buffer.alloc(60, 7));
    }
    journal.advices.expire('old-expired', 'max-age');
    journal.batches.close();
    at(T0 + 100 * DAY_MS);
    completed(journal, 'recent-closed', 'RRNRECENT001');
    journal.batches.close();
    at(T0 + 100 * DAY_MS + 1000);
    completed(journal, 'open-batch', 'RRNOPEN00001');
    at(T0 + 200 * DAY_MS);
    // Rows in the open batch are never pruned, however old: make one old enough to qualify otherwise.
    expect(journal.get('open-batch').batchNo).toBe(3);
    expect(journalBytes(dir)).toContain('RRNOLDDONE01');

    const pruned = journal.retention.prune(retentionCutoff(new Date(T0 + 120 * DAY_MS), 90));
    expect(pruned).toBe(2);
    expect(journal.list().map((e) => e.id)).toEqual(['old-reversal', 'old-advice', 'old-expired', 'recent-closed', 'open-batch']);
    expect(journal.steps.of('old-done')).toEqual([]);
    expect(journal.reversals.pending().map((r) => r.transactionId)).toEqual(['old-reversal']);
    expect(journal.advices.pending().map((a) => a.transactionId)).toEqual(['old-advice']);
    expect(statSync(join(dir, `${JOURNAL_FILE}-wal`)).size).toBe(0);
    expect(journalBytes(dir)).not.toContain('RRNOLDDONE01'); // secure_delete and a truncated WAL: the bytes are gone, not just unlinked
    expect(journalBytes(dir)).toContain('RRNRECENT001');
    expect(journal.retention.prune(retentionCutoff(new Date(T0 + 120 * DAY_MS), 90))).toBe(0);
  });

  it('runs at start and then daily, and is stopped', () => {
    vi.useFakeTimers();
    try {
      const { journal, at } = clocked();
      completed(journal, 'a', 'RRN000000001');
      journal.batches.close();
      at(T0 + 91 * DAY_MS);
      const prune = vi.spyOn(journal.retention, 'prune');
      const retention = startRetention(journal, { retentionDays: 90, logger: silentLogger, clock: () => new Date(T0 + 91 * DAY_MS) });
      expect(prune).toHaveBeenCalledTimes(1);
      expect(prune.mock.calls[0]?.[0]).toEqual(new Date(T0 + DAY_MS));
      expect(journal.list()).toEqual([]);
      vi.advanceTimersByTime(DAY_MS);
      expect(prune).toHaveBeenCalledTimes(2);
      retention.stop();
      vi.advanceTimersByTime(3 * DAY_MS);
      expect(prune).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is journal.retentionDays in config: 90 by default, a positive whole number of days', () => {
    const simulated = { devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } };
    expect(parseConfig(simulated).journal.retentionDays).toBe(90);
    expect(parseConfig({ ...simulated, journal: { retentionDays: 30 } }).journal.retentionDays).toBe(30);
    expect(() => parseConfig({ ...simulated, journal: { retentionDays: 0 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
