/**
 * Reads the terminal's journal after the run, read-only, straight from the
 * SQLite file: SQLite's own integrity check, every transaction row and every
 * step row. What the rows mean is `reconcile.ts`'s business.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface JournalRow {
  readonly id: string;
  /** purchase, refund, preauth, completion, tip-adjust or incremental. */
  readonly kind: string;
  /** The register's idempotency key. */
  readonly reference: string | null;
  readonly state: string;
  readonly stan: string | null;
  /** When the request went out, ISO (the reversal's DE 90 is built from it). */
  readonly transmittedAt: string | null;
  /** The whole amount (tip and cashback in it); a purchase's after its tip adjustments, a pre-authorization's after its increments. */
  readonly amountMinor: number;
  readonly tipMinor: number;
  readonly currency: string;
  readonly maskedPan: string | null;
  readonly responseCode: string | null;
  /** A refund's, completion's, tip adjustment's or increment's original. */
  readonly originalId: string | null;
  /** When the register voided it (or released it: a pre-authorization). */
  readonly voidedAt: string | null;
  /** Step history, oldest first. */
  readonly steps: readonly string[];
}

export interface JournalSnapshot {
  /** `PRAGMA integrity_check` lines: exactly `['ok']` for a sound file. */
  readonly integrity: readonly string[];
  readonly rows: readonly JournalRow[];
}

interface RawRow {
  id: string;
  kind: string;
  tip_minor: number;
  original_id: string | null;
  voided_at: string | null;
  reference: string | null;
  state: string;
  stan: string | null;
  transmitted_at: string | null;
  amount_minor: number;
  currency: string;
  masked_pan: string | null;
  response_code: string | null;
}

export function readJournal(stateDir: string): JournalSnapshot {
  const db = new Database(join(stateDir, 'journal.db'), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const raw = db.prepare(`SELECT id, kind, reference, state, stan, transmitted_at, amount_minor, tip_minor, currency, masked_pan, response_code, original_id, voided_at
         FROM txn ORDER BY seq`).all() as RawRow[];
    const steps = new Map<string, string[]>();
    for (const s of db.prepare('SELECT txn_id, state FROM txn_step ORDER BY seq').all() as { txn_id: string; state: string }[]) {
      const list = steps.get(s.txn_id) ?? [];
      list.push(s.state);
      steps.set(s.txn_id, list);
    }
    const rows = raw.map((r) => ({
      id: r.id,
      kind: r.kind,
      reference: r.reference,
      state: r.state,
      stan: r.stan,
      transmittedAt: r.transmitted_at,
      amountMinor: r.amount_minor,
      tipMinor: r.tip_minor,
      currency: r.currency,
      maskedPan: r.masked_pan,
      responseCode: r.response_code,
      originalId: r.original_id,
      voidedAt: r.voided_at,
      steps: steps.get(r.id) ?? [],
    }));
    return { integrity, rows };
  } finally {
    db.close();
  }
}
