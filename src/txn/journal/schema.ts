/**
 * The journal's schema, as an ordered list of forward migrations. The file's
 * `PRAGMA user_version` is the number of migrations applied; each migration
 * runs in its own transaction together with the version bump, so a power cut
 * leaves the file at one version or the next, never in between. A file with a
 * higher version than this list knows was written by newer software: refuse it
 * rather than guess.
 *
 * Never edit a released migration; append a new one.
 */
import type { Database } from 'better-sqlite3';
import { PosError } from '../../util/errors.js';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
  /**
   * The migration rebuilds a table others reference (SQLite cannot change a
   * CHECK in place): foreign keys are off while it runs — a pragma that has
   * no effect inside a transaction — and checked before it commits.
   */
  readonly rebuildsTable?: true;
}

/**
 * The `txn` table as version 7 laid it out, made as `txn_new` with `kinds` in
 * its CHECK, filled from `txn` by `copied` (the old table's columns), and put
 * in its place with its indexes: how a migration changes the kinds (SQLite
 * changes a CHECK only by rebuilding the table, lang_altertable.html §7).
 * Frozen with the versions that use it: later columns come by ALTER TABLE.
 */
function rebuildTxnTable(kinds: readonly string[], copied: string): string {
  return `
      CREATE TABLE txn_new (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        kind            TEXT NOT NULL CHECK (kind IN (${kinds.map((k) => `'${k}'`).join(', ')})),
        state           TEXT NOT NULL,
        terminal_id     TEXT NOT NULL,
        amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
        tip_minor       INTEGER NOT NULL DEFAULT 0 CHECK (tip_minor >= 0),
        cashback_minor  INTEGER NOT NULL DEFAULT 0 CHECK (cashback_minor >= 0),
        currency        TEXT NOT NULL,
        original_id     TEXT,
        stan            TEXT,
        transmitted_at  TEXT,
        entry_mode      TEXT,
        brand           TEXT,
        masked_pan      TEXT,
        response_code   TEXT,
        auth_code       TEXT,
        rrn             TEXT,
        error_code      TEXT,
        reason          TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        ended_at        TEXT,
        offline         INTEGER NOT NULL DEFAULT 0,
        duty_seq        INTEGER,
        advice_attempts INTEGER NOT NULL DEFAULT 0,
        batch_no        INTEGER NOT NULL DEFAULT 1,
        advice_card     BLOB,
        reference       TEXT,
        outcome         TEXT CHECK (outcome IN ('approved', 'declined', 'cancelled', 'failed')),
        emv             TEXT,
        voided_at       TEXT
      );
      INSERT INTO txn_new (${copied})
        SELECT ${copied}
        FROM txn;
      DROP TABLE txn;
      ALTER TABLE txn_new RENAME TO txn;
      CREATE INDEX txn_state ON txn (state);
      CREATE INDEX txn_created_at ON txn (created_at);
      CREATE INDEX txn_batch ON txn (batch_no);
      CREATE UNIQUE INDEX txn_reference ON txn (reference) WHERE reference IS NOT NULL;
      CREATE INDEX txn_original ON txn (original_id) WHERE original_id IS NOT NULL;
`;
}

/** The kinds of version 7. */
const V7_KINDS = ['purchase', 'refund', 'preauth', 'completion', 'tip-adjust'] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'transactions, their step history, counters',
    sql: `
      CREATE TABLE txn (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        kind            TEXT NOT NULL CHECK (kind IN ('purchase', 'refund')),
        state           TEXT NOT NULL,
        terminal_id     TEXT NOT NULL,
        amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
        currency        TEXT NOT NULL,
        stan            TEXT,
        transmitted_at  TEXT,
        entry_mode      TEXT,
        brand           TEXT,
        masked_pan      TEXT,
        pan_hash        TEXT,
        response_code   TEXT,
        auth_code       TEXT,
        rrn             TEXT,
        error_code      TEXT,
        reason          TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        ended_at        TEXT
      );
      CREATE INDEX txn_state ON txn (state);
      CREATE INDEX txn_created_at ON txn (created_at);
      CREATE INDEX txn_pan_hash ON txn (pan_hash);
      CREATE TABLE txn_step (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        txn_id  TEXT NOT NULL REFERENCES txn (id),
        state   TEXT NOT NULL,
        at      TEXT NOT NULL,
        note    TEXT
      );
      CREATE INDEX txn_step_txn ON txn_step (txn_id);
      CREATE TABLE counter (
        name   TEXT PRIMARY KEY,
        value  INTEGER NOT NULL
      );
      INSERT INTO counter (name, value) VALUES ('last_stan', 0);
    `,
  },
  {
    version: 2,
    description: 'reversal and advice duties, offline approvals, settlement batches',
    sql: `
      ALTER TABLE txn ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE txn ADD COLUMN duty_seq INTEGER;
      ALTER TABLE txn ADD COLUMN advice_attempts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE txn ADD COLUMN batch_no INTEGER NOT NULL DEFAULT 1;
      CREATE INDEX txn_batch ON txn (batch_no);
      CREATE TABLE batch_close (
        batch_no   INTEGER PRIMARY KEY,
        closed_at  TEXT NOT NULL,
        totals     TEXT NOT NULL
      );
      INSERT INTO counter (name, value) VALUES ('batch_no', 1), ('duty_seq', 0);
    `,
  },
  {
    version: 3,
    description: "an advice's card data, sealed (AES-256-GCM) until the host has the advice",
    sql: `
      ALTER TABLE txn ADD COLUMN advice_card BLOB;
    `,
  },
  {
    version: 4,
    description: "the register's idempotency key and the outcome the register was told",
    sql: `
      ALTER TABLE txn ADD COLUMN reference TEXT;
      ALTER TABLE txn ADD COLUMN outcome TEXT CHECK (outcome IN ('approved', 'declined', 'cancelled', 'failed'));
      CREATE UNIQUE INDEX txn_reference ON txn (reference) WHERE reference IS NOT NULL;
    `,
  },
  {
    version: 5,
    description: 'no PAN hash: a hash beside the masked digits gives the PAN back to anyone with the key folder',
    // secure_delete is on for the connection, so the NULLed values and the dropped index's pages are overwritten;
    // the journal then truncates the WAL. Advices sealed under the old symmetric advice key cannot go to the host
    // (the terminal no longer holds that key): they leave the queue for the operator, their blobs destroyed.
    sql: `
      UPDATE txn SET pan_hash = NULL WHERE pan_hash IS NOT NULL;
      DROP INDEX IF EXISTS txn_pan_hash;
      ALTER TABLE txn DROP COLUMN pan_hash;
      INSERT INTO txn_step (txn_id, state, at, note)
        SELECT id, 'advice-expired', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'sealed under the retired advice key'
        FROM txn WHERE state = 'advice-pending' AND advice_card IS NOT NULL;
      UPDATE txn SET advice_card = zeroblob(length(advice_card)) WHERE state = 'advice-pending' AND advice_card IS NOT NULL;
      UPDATE txn SET state = 'advice-expired', advice_card = NULL, error_code = 'SAF_ADVICE_EXPIRED', reason = 'retired-key',
                     updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE state = 'advice-pending' AND advice_card IS NOT NULL;
    `,
  },
  {
    version: 6,
    description: "the terminal kernel's account of a chip transaction: AID, TVR, TSI, CVM results, cryptogram (JSON, no card data)",
    sql: `
      ALTER TABLE txn ADD COLUMN emv TEXT;
    `,
  },
  {
    version: 7,
    description: 'refunds, pre-authorizations, completions and tip adjustments: the kinds, tip and cashback, the original, the void',
    rebuildsTable: true,
    sql: rebuildTxnTable(
      V7_KINDS,
      'seq, id, kind, state, terminal_id, amount_minor, currency, stan, transmitted_at, entry_mode, brand, masked_pan, response_code, auth_code, rrn, error_code, reason, created_at, updated_at, ended_at, offline, duty_seq, advice_attempts, batch_no, advice_card, reference, outcome, emv',
    ),
  },
  {
    version: 8,
    description: 'the receipt print spool: a job a copy, queued until the printer has printed it (print-jobs.ts)',
    // A job goes with its transaction when retention prunes the row (ON DELETE CASCADE); it holds no card data.
    sql: `
      CREATE TABLE print_job (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        txn_id      TEXT NOT NULL REFERENCES txn (id) ON DELETE CASCADE,
        copy        TEXT NOT NULL CHECK (copy IN ('merchant', 'customer')),
        duplicate   INTEGER NOT NULL DEFAULT 0 CHECK (duplicate IN (0, 1)),
        state       TEXT NOT NULL CHECK (state IN ('queued', 'printing', 'printed', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        error_code  TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      CREATE INDEX print_job_state ON print_job (state, seq);
      CREATE INDEX print_job_txn ON print_job (txn_id);
    `,
  },
  {
    version: 9,
    description: 'incremental authorizations: the kind',
    rebuildsTable: true,
    // As version 7; print_job names txn, which the rename keeps.
    sql: rebuildTxnTable(
      [...V7_KINDS, 'incremental'],
      'seq, id, kind, state, terminal_id, amount_minor, tip_minor, cashback_minor, currency, original_id, stan, transmitted_at, entry_mode, brand, masked_pan, response_code, auth_code, rrn, error_code, reason, created_at, updated_at, ended_at, offline, duty_seq, advice_attempts, batch_no, advice_card, reference, outcome, emv, voided_at',
    ),
  },
  {
    version: 10,
    description: 'whether the cardholder entered a PIN that went online with the request: a flag, no PIN data (what a receipt says of the CVM)',
    sql: `
      ALTER TABLE txn ADD COLUMN online_pin INTEGER NOT NULL DEFAULT 0 CHECK (online_pin IN (0, 1));
    `,
  },
  {
    version: 11,
    description: 'a reversal the host acknowledged as having no record of the original: in no settlement total',
    sql: `
      ALTER TABLE txn ADD COLUMN host_no_record INTEGER NOT NULL DEFAULT 0 CHECK (host_no_record IN (0, 1));
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies every migration the file has not seen yet, in order; returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new PosError('JOURNAL_SCHEMA_TOO_NEW', `Journal schema version ${current} is newer than this software's ${latest}`, {
      version: current,
      supported: latest,
    });
  }
  const applied: number[] = [];
  for (const migration of migrations.slice(current)) {
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    if (migration.rebuildsTable === true) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTable === true && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
          throw new PosError('JOURNAL_CORRUPT', `Journal migration ${migration.version} would break a reference`, { version: migration.version, check: 'foreign_key_check' });
        }
        // user_version takes no bound parameter; the value is our own integer.
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    } finally {
      if (migration.rebuildsTable === true) db.pragma(`foreign_keys = ${foreignKeys === 1 ? 'ON' : 'OFF'}`);
    }
    applied.push(migration.version);
  }
  return applied;
}
