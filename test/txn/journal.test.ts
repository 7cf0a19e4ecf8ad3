/** The journal over real SQLite files: steps, the state machine, reversals, STANs, recovery, totals, and what reaches the disk. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JOURNAL_FILE, MIGRATIONS, SCHEMA_VERSION, migrate, recoverJournal, TRANSITIONS, JOURNAL_STATES, type JournalState } from '../../src/txn/journal/index.js';
import { card, currencyTotals, journalBytes, openJournal, OTHER_PAN, PAN, tempDir } from './journal-helpers.js';
import { thrown } from '../pos-error.js';

const open: Journal[] = [];
function fresh(dir = tempDir()): { journal: Journal; dir: string } {
  const journal = openJournal(dir);
  open.push(journal);
  return { journal, dir };
}
afterEach(() => {
  for (const j of open.splice(0)) j.close();
});

const T0 = new Date('2025-03-01T09:59:00Z');

/** Drives one purchase through the online path up to `until`. */
function purchase(journal: Journal, id: string, until: JournalState, amountMinor = 1250, pan = PAN): void {
  journal.steps.begin({ id, amountMinor, currency: '978', card: card(pan) });
  if (until === 'created') return;
  journal.steps.requestSent(id, { stan: journal.stan.next(), transmittedAt: T0 });
  if (until === 'request-sent') return;
  journal.steps.responseReceived(id, { responseCode: '00', authCode: 'A1B2C3', rrn: '506012345678' });
  if (until === 'response-received') return;
  journal.steps.complete(id);
}

describe('journal steps', () => {
  it('records created → request sent → response received → completed, each committed with its fields and history', () => {
    const { journal, dir } = fresh();
    purchase(journal, 't1', 'completed');

    // A second connection sees everything: each step was committed.
    const other = new Database(join(dir, JOURNAL_FILE), { readonly: true });
    const row = other.prepare('SELECT * FROM txn WHERE id = ?').get('t1') as Record<string, unknown>;
    other.close();
    expect(row).toMatchObject({
      state: 'completed',
      stan: '000001',
      amount_minor: 1250,
      currency: '978',
      entry_mode: 'chip',
      brand: 'visa',
      masked_pan: '476173******0119',
      response_code: '00',
      auth_code: 'A1B2C3',
      rrn: '506012345678',
      transmitted_at: T0.toISOString(),
      terminal_id: 'T0000001',
    });
    expect(row['ended_at']).toEqual(expect.any(String));
    expect(journal.steps.of('t1').map((s) => s.state)).toEqual(['created', 'request-sent', 'response-received', 'completed']);
  });

  it('uses WAL with synchronous=FULL and a busy timeout', () => {
    const { journal } = fresh();
    expect(journal.settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 5000 });
  });

  it('keeps the card as its masked PAN only: no column holds anything derived from the PAN', () => {
    const { journal, dir } = fresh();
    purchase(journal, 't1', 'completed');
    purchase(journal, 't2', 'completed', 500, OTHER_PAN);
    expect(journal.get('t1')).toMatchObject({ maskedPan: '476173******0119', brand: 'visa', entryMode: 'chip' });
    expect(Object.keys(journal.get('t1'))).not.toContain('panHash');
    const other = new Database(join(dir, JOURNAL_FILE), { readonly: true });
    const columns = (other.prepare('PRAGMA table_info(txn)').all() as { name: string }[]).map((c) => c.name);
    other.close();
    expect(columns).toContain('masked_pan');
    expect(columns.filter((c) => /pan/.test(c))).toEqual(['masked_pan']);
  });

  it('never writes the PAN to the database or its WAL', () => {
    const { journal, dir } = fresh();
    purchase(journal, 't1', 'completed');
    purchase(journal, 't2', 'request-sent', 999, OTHER_PAN);
    journal.reversals.owe('t2', 'HOST_TIMEOUT');
    const bytes = journalBytes(dir);
    expect(bytes).toContain('476173******0119'); // the scan reads the right files
    expect(bytes).not.toContain(PAN);
    expect(bytes).not.toContain(OTHER_PAN);
    expect(bytes).not.toContain(PAN.slice(6, 12)); // the masked middle never appears anywhere
  });

  it.each<[JournalState, JournalState]>([
    ['created', 'completed'],
    ['created', 'response-received'],
    ['request-sent', 'completed'],
    ['completed', 'reversal-pending'],
    ['completed', 'declined'],
  ])('refuses %s → %s with JOURNAL_TRANSITION_INVALID and leaves the row as it was', (from, to) => {
    const { journal } = fresh();
    purchase(journal, 't1', from === 'completed' ? 'completed' : from);
    const before = journal.get('t1');
    const stepsBefore = journal.steps.of('t1');
    const act: Record<string, () => unknown> = {
      completed: () => journal.steps.complete('t1'),
      'response-received': () => journal.steps.responseReceived('t1', { responseCode: '00', authCode: null, rrn: null }),
      'reversal-pending': () => journal.reversals.owe('t1', 'HOST_TIMEOUT'),
      declined: () => journal.steps.decline('t1', { responseCode: '51' }),
    };
    const error = thrown(act[to]!);
    expect(error.code).toBe('JOURNAL_TRANSITION_INVALID');
    expect(error.details).toEqual({ id: 't1', from, to });
    expect(journal.get('t1')).toEqual(before);
    expect(journal.steps.of('t1')).toEqual(stepsBefore);
  });

  it('refuses to send a request for a transaction with no card, and an unknown id, and a duplicate id', () => {
    const { journal } = fresh();
    journal.steps.begin({ id: 't1', amountMinor: 100, currency: '978' });
    const noCard = thrown(() => journal.steps.requestSent('t1', { stan: '000001', transmittedAt: T0 }));
    expect(noCard.code).toBe('JOURNAL_TRANSITION_INVALID');
    expect(noCard.details).toMatchObject({ from: 'created', to: 'request-sent', missing: 'no card recorded' });
    journal.steps.recordCard('t1', card());
    expect(journal.steps.requestSent('t1', { stan: '000001', transmittedAt: T0 }).state).toBe('request-sent');

    const unknown = thrown(() => journal.steps.complete('nope'));
    expect(unknown.code).toBe('JOURNAL_NOT_FOUND');
    expect(unknown.details).toEqual({ id: 'nope' });
    const dup = thrown(() => journal.steps.begin({ id: 't1', amountMinor: 1, currency: '978' }));
    expect(dup.code).toBe('JOURNAL_DUPLICATE');
  });

  it('allows exactly the steps of the transition table', () => {
    // Every state pair: the table and canMove agree, and final states have no way out.
    for (const from of JOURNAL_STATES) {
      for (const to of JOURNAL_STATES) {
        expect(TRANSITIONS[from].includes(to)).toBe(
          (
            {
              created: ['request-sent', 'offline-approved', 'declined', 'cancelled', 'failed'],
              'request-sent': ['response-received', 'reversal-pending', 'offline-approved', 'failed'],
              'response-received': ['completed', 'declined', 'reversal-pending'],
              'offline-approved': ['advice-pending', 'declined', 'failed'],
              'advice-pending': ['advice-sent', 'advice-expired'],
              'reversal-pending': ['reversed'],
            } as Partial<Record<JournalState, JournalState[]>>
          )[from]?.includes(to) ?? false,
        );
      }
    }
  });
});

describe('journal as the reversal store', () => {
  it('keeps pending reversals across a restart, oldest duty first, and forgets them once acknowledged', () => {
    const { journal, dir } = fresh();
    purchase(journal, 'a', 'request-sent');
    purchase(journal, 'b', 'request-sent');
    journal.reversals.owe('b', 'HOST_TIMEOUT'); // b's duty arose first
    const e = journal.get('a');
    journal.reversals.add({
      transactionId: 'a',
      original: 'purchase',
      stan: e.stan!,
      terminalId: 'T0000001',
      transmittedAt: T0.toISOString(),
      amountMinor: 1250,
      currency: '978',
      entryMode: 'chip',
      reason: 'HOST_CONNECTION_LOST',
      maskedPan: '476173******0119',
    });
    journal.close();

    const again = openJournal(dir);
    open.push(again);
    expect(again.reversals.pending().map((r) => [r.transactionId, r.reason, r.stan])).toEqual([
      ['b', 'HOST_TIMEOUT', '000002'],
      ['a', 'HOST_CONNECTION_LOST', '000001'],
    ]);
    again.reversals.acknowledge('b');
    again.reversals.acknowledge('b'); // a repeated acknowledgement is harmless
    expect(again.reversals.pending().map((r) => r.transactionId)).toEqual(['a']);
    expect(again.get('b').state).toBe('reversed');
  });

  it('leaves out of the totals a request whose reversal the host answered with no record of it; one it reversed stays in', () => {
    const { journal } = fresh();
    purchase(journal, 'unseen', 'request-sent');
    purchase(journal, 'seen', 'request-sent');
    journal.reversals.owe('unseen', 'HOST_TIMEOUT');
    journal.reversals.owe('seen', 'HOST_TIMEOUT');
    journal.reversals.acknowledge('unseen', 'no-record');
    journal.reversals.acknowledge('seen', 'reversed');
    expect(journal.get('unseen').state).toBe('reversed');
    // The host counts the one it had as a debit and its reversal; the other it never counted.
    expect(journal.batches.totals().currencies).toEqual([expect.objectContaining({ debits: { count: 0, amountMinor: 0 }, reversals: { count: 1, amountMinor: 1250 } })]);
  });

  it('records a reversal for a transaction it has not seen as a new pending entry', () => {
    const { journal } = fresh();
    const owed = {
      transactionId: 'z',
      original: 'purchase',
      stan: '000042',
      terminalId: 'T0000001',
      transmittedAt: T0.toISOString(),
      amountMinor: 700,
      currency: '978',
      entryMode: 'swipe',
      reason: 'HOST_TIMEOUT',
      maskedPan: '411111******1111',
    } as const;
    journal.reversals.add(owed);
    // Read back field for field: a fresh copy equal to what was added.
    expect(journal.reversals.pending()).toEqual([{ ...owed }]);
  });
});

describe('journal STAN source', () => {
  it('continues after a restart and wraps from 999999 to 000001', () => {
    const { journal, dir } = fresh();
    expect([journal.stan.next(), journal.stan.next()]).toEqual(['000001', '000002']);
    journal.close();
    const again = openJournal(dir);
    open.push(again);
    expect(again.stan.next()).toBe('000003');

    const db = new Database(again.file);
    db.prepare(`UPDATE counter SET value = 999998 WHERE name = 'last_stan'`).run();
    db.close();
    expect([again.stan.next(), again.stan.next()]).toEqual(['999999', '000001']);
  });
});

describe('journal recovery at start', () => {
  it('turns interrupted requests and unconfirmed approvals into reversals, closes the rest, and lists duties oldest first', () => {
    const { journal, dir } = fresh();
    purchase(journal, 'done', 'completed');
    purchase(journal, 'sent', 'request-sent');
    purchase(journal, 'approved-no-chip-completion', 'response-received');
    purchase(journal, 'declined-answer', 'request-sent');
    journal.steps.responseReceived('declined-answer', { responseCode: '51', authCode: null, rrn: '1' });
    purchase(journal, 'no-request', 'created');
    journal.steps.begin({ id: 'offline', amountMinor: 300, currency: '978', card: card() });
    journal.advices.approveOffline('offline', { responseCode: 'Y1', authCode: 'Y1' });
    journal.steps.begin({ id: 'queued', amountMinor: 400, currency: '978', card: card() });
    journal.advices.approveOffline('queued', { responseCode: 'Y1', authCode: 'Y1' });
    journal.advices.queue('queued');
    journal.close(); // the power cut

    const again = openJournal(dir);
    open.push(again);
    const report = recoverJournal(again);
    expect(report.changed).toEqual([
      { id: 'sent', from: 'request-sent', to: 'reversal-pending' },
      { id: 'approved-no-chip-completion', from: 'response-received', to: 'reversal-pending' },
      { id: 'declined-answer', from: 'response-received', to: 'declined' },
      { id: 'no-request', from: 'created', to: 'failed' },
      { id: 'offline', from: 'offline-approved', to: 'failed' },
    ]);
    expect(report.reversals.map((r) => [r.transactionId, r.reason])).toEqual([
      ['sent', 'JOURNAL_INTERRUPTED'],
      ['approved-no-chip-completion', 'JOURNAL_INTERRUPTED'],
    ]);
    expect(report.advices.map((a) => a.transactionId)).toEqual(['queued']);
    expect(again.get('done').state).toBe('completed');
    // A second recovery finds nothing more to do.
    expect(recoverJournal(again).changed).toEqual([]);
  });

  it.each([
    ['00', 'reversal-pending'],
    ['08', 'reversal-pending'],
    ['10', 'reversal-pending'],
    ['11', 'reversal-pending'],
    ['05', 'declined'],
    ['51', 'declined'],
  ] as const)('recovers an answer %s the chip never completed as %s (the engine’s isApproval)', (responseCode, to) => {
    const { journal, dir } = fresh();
    purchase(journal, 't', 'request-sent');
    journal.steps.responseReceived('t', { responseCode, authCode: null, rrn: '1' });
    journal.close();
    const again = openJournal(dir);
    open.push(again);
    expect(recoverJournal(again).changed).toEqual([{ id: 't', from: 'response-received', to }]);
  });

  it('sends a host approval the chip refused to reversal', () => {
    const { journal } = fresh();
    purchase(journal, 't', 'response-received');
    journal.reversals.owe('t', 'CHIP_DECLINED_AFTER_APPROVAL');
    expect(journal.reversals.pending()[0]).toMatchObject({ transactionId: 't', reason: 'CHIP_DECLINED_AFTER_APPROVAL' });
  });
});

describe('journal settlement totals', () => {
  it('sums debits, credits and reversals per currency since the last batch close', () => {
    const { journal } = fresh();
    purchase(journal, 'p1', 'completed', 1000);
    purchase(journal, 'p2', 'completed', 250);
    journal.steps.begin({ id: 'usd', amountMinor: 700, currency: '840', card: card() });
    journal.advices.approveOffline('usd', { responseCode: 'Y1', authCode: null });
    journal.advices.queue('usd');
    journal.steps.begin({ id: 'r1', kind: 'refund', amountMinor: 300, currency: '978', card: card() });
    journal.steps.requestSent('r1', { stan: journal.stan.next(), transmittedAt: T0 });
    journal.steps.responseReceived('r1', { responseCode: '00', authCode: null, rrn: null });
    journal.steps.complete('r1');
    purchase(journal, 'rev', 'request-sent', 5000);
    journal.reversals.owe('rev', 'HOST_TIMEOUT');
    journal.reversals.reversed('rev');
    purchase(journal, 'still-pending', 'request-sent', 9000);
    journal.reversals.owe('still-pending', 'HOST_TIMEOUT');
    journal.steps.begin({ id: 'dec', amountMinor: 800, currency: '978', card: card() });
    journal.steps.decline('dec', { responseCode: '51' });

    const totals = journal.batches.totals();
    expect(totals.batchNo).toBe(1);
    expect(totals.since).toBeNull();
    expect(totals.currencies).toEqual([
      currencyTotals('840', { debits: [1, 700], offline: [1, 700] }, 700),
      currencyTotals('978', { debits: [2, 1250], credits: [1, 300], reversals: [1, 5000] }, 950),
    ]);

    const closed = journal.batches.close();
    expect(closed).toMatchObject({ batchNo: 1, currencies: totals.currencies });
    const next = journal.batches.totals();
    expect(next).toEqual({ batchNo: 2, since: closed.closedAt, currencies: [] });
    purchase(journal, 'p3', 'completed', 42);
    expect(journal.batches.totals().currencies).toEqual([expect.objectContaining({ currency: '978', debits: { count: 1, amountMinor: 42 } })]);
  });
});

describe('journal schema', () => {
  it('migrates a version-1 file forward in order, keeping its rows', () => {
    const dir = tempDir();
    const db = new Database(join(dir, JOURNAL_FILE));
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toEqual([1]);
    db.prepare(
      `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, created_at, updated_at) VALUES ('old', 'purchase', 'completed', 'T0000001', 55, '978', 'x', 'x')`,
    ).run();
    db.close();

    const { journal } = fresh(dir);
    expect(journal.get('old')).toMatchObject({ state: 'completed', amountMinor: 55, batchNo: 1, offline: false });
    const check = new Database(join(dir, JOURNAL_FILE), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('refuses a file written by newer software with JOURNAL_SCHEMA_TOO_NEW', () => {
    const dir = tempDir();
    const db = new Database(join(dir, JOURNAL_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = thrown(() => openJournal(dir));
    expect(error.code).toBe('JOURNAL_SCHEMA_TOO_NEW');
    expect(error.details).toEqual({ version: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION });
  });

  it('numbers migrations 1, 2, … with no gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
