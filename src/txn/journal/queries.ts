/**
 * Read-only queries shared by the journal the engine writes and the reader
 * that `pos journal` opens: listing, one entry with its steps, CSV export.
 */
import type { Database } from 'better-sqlite3';
import { PosError } from '../../util/errors.js';
import { toEntry, type JournalEntry, type JournalStep, type TxnRow } from './entry.js';
import { isJournalState, JOURNAL_STATES, type JournalState } from './states.js';

export interface ListFilter {
  /** Entries created at or after this instant. */
  readonly since?: Date;
  readonly status?: JournalState;
  /** The register's idempotency key. */
  readonly reference?: string;
  /** Newest last; at most this many (the newest ones). */
  readonly limit?: number;
}

export function listEntries(db: Database, filter: ListFilter = {}): JournalEntry[] {
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  if (filter.since !== undefined) {
    where.push('created_at >= @since');
    params['since'] = filter.since.toISOString();
  }
  if (filter.status !== undefined) {
    where.push('state = @status');
    params['status'] = filter.status;
  }
  if (filter.reference !== undefined) {
    where.push('reference = @reference');
    params['reference'] = filter.reference;
  }
  const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  const limit = filter.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(filter.limit))}`;
  const rows = db.prepare(`SELECT * FROM (SELECT * FROM txn ${clause} ORDER BY seq DESC ${limit}) ORDER BY seq`).all(params) as TxnRow[];
  return rows.map(toEntry);
}

export function findEntry(db: Database, id: string): JournalEntry | undefined {
  const row = db.prepare('SELECT * FROM txn WHERE id = ?').get(id) as TxnRow | undefined;
  return row === undefined ? undefined : toEntry(row);
}

/** The batch not yet closed. */
export function openBatchNo(db: Database): number {
  return (db.prepare(`SELECT value FROM counter WHERE name = 'batch_no'`).get() as { value: number }).value;
}

export function referringEntries(db: Database, originalId: string): JournalEntry[] {
  return (db.prepare('SELECT * FROM txn WHERE original_id = ? ORDER BY seq').all(originalId) as TxnRow[]).map(toEntry);
}

export function findByReference(db: Database, reference: string): JournalEntry | undefined {
  const row = db.prepare('SELECT * FROM txn WHERE reference = ?').get(reference) as TxnRow | undefined;
  return row === undefined ? undefined : toEntry(row);
}

export function getEntry(db: Database, id: string): JournalEntry {
  const entry = findEntry(db, id);
  if (entry === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id });
  return entry;
}

export function stepsOf(db: Database, id: string): JournalStep[] {
  return db.prepare('SELECT state, at, note FROM txn_step WHERE txn_id = ? ORDER BY seq').all(id) as JournalStep[];
}

/** Parses `--status`: one of the journal states, or a typed error listing them. */
export function parseStatus(text: string): JournalState {
  if (isJournalState(text)) return text;
  throw new PosError('JOURNAL_QUERY_INVALID', `Unknown status "${text}"; use one of: ${JOURNAL_STATES.join(', ')}`, {
    option: 'status',
    allowed: [...JOURNAL_STATES],
  });
}

/** Parses `--since`: an ISO 8601 date or date-time. */
export function parseSince(text: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text);
  const date = new Date(text);
  if (!ok || Number.isNaN(date.getTime())) {
    throw new PosError('JOURNAL_QUERY_INVALID', 'The --since value is not an ISO 8601 date or date-time', { option: 'since' });
  }
  return date;
}

export const CSV_COLUMNS = [
  'id',
  'reference',
  'outcome',
  'seq',
  'kind',
  'state',
  'terminalId',
  'amountMinor',
  'tipMinor',
  'cashbackMinor',
  'currency',
  'originalId',
  'voidedAt',
  'stan',
  'transmittedAt',
  'entryMode',
  'brand',
  'maskedPan',
  'responseCode',
  'authCode',
  'rrn',
  'errorCode',
  'reason',
  'offline',
  'onlinePin',
  'adviceAttempts',
  'batchNo',
  'createdAt',
  'updatedAt',
  'endedAt',
] as const satisfies readonly (keyof JournalEntry)[];

/** RFC 4180: quote a field when it holds a comma, a quote or a line break. */
function csvField(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(entries: readonly JournalEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map((c) => csvField(e[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
