/**
 * What `pos journal` does (its command lines: `../commands/journal.ts`):
 * read the transaction journal, never write it.
 *
 * The journal is read at `--dir`, else the configured `journal.dir`. Card
 * data is masked in the journal itself, so nothing here can show a PAN.
 */
import { loadConfig } from '../../config/load.js';
import { JournalReader, parseSince, parseStatus, type JournalEntry, type JournalStep, type ListFilter } from '../../txn/journal/index.js';
import { PosError } from '../../util/errors.js';
import { formatAmount } from '../../util/iso4217.js';

export interface LsFlags {
  readonly since?: string;
  readonly status?: string;
  readonly json?: boolean;
}

function filterOf(flags: LsFlags): ListFilter {
  return {
    ...(flags.since === undefined ? {} : { since: parseSince(flags.since) }),
    ...(flags.status === undefined ? {} : { status: parseStatus(flags.status) }),
  };
}

function amountText(e: JournalEntry): string {
  try {
    return formatAmount(e.amountMinor, e.currency);
  } catch {
    return `${e.amountMinor} ${e.currency}`;
  }
}

const LS_HEADER = ['SEQ', 'CREATED', 'STATE', 'AMOUNT', 'CARD', 'STAN', 'RC', 'OFFLINE', 'ID'];

/** `journal ls`: a table (or JSON array) of entries, oldest first. */
export function lsCommand(reader: JournalReader, flags: LsFlags = {}): string {
  const entries = reader.list(filterOf(flags));
  if (flags.json === true) return JSON.stringify(entries, null, 2) + '\n';
  const rows = entries.map((e) => [
    String(e.seq),
    e.createdAt,
    e.state,
    amountText(e),
    e.maskedPan ?? '-',
    e.stan ?? '-',
    e.responseCode ?? e.errorCode ?? '-',
    e.offline ? 'yes' : '',
    e.id,
  ]);
  const widths = LS_HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [LS_HEADER, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

/** `journal show`: one entry with its history of committed steps. */
export function showCommand(reader: JournalReader, id: string, flags: { readonly json?: boolean } = {}): string {
  if (id.trim() === '') throw new PosError('JOURNAL_QUERY_INVALID', 'A transaction id is required', { option: 'id' });
  const { entry, steps } = reader.get(id);
  if (flags.json === true) return JSON.stringify({ ...entry, steps }, null, 2) + '\n';
  const fields: [string, string][] = [
    ['id', entry.id],
    ['kind', entry.kind],
    ['state', entry.state],
    ['amount', amountText(entry)],
    ['card', `${entry.maskedPan ?? '-'}${entry.brand === null ? '' : ` (${entry.brand})`}`],
    ['entry mode', entry.entryMode ?? '-'],
    ['stan', entry.stan ?? '-'],
    ['response code', entry.responseCode ?? '-'],
    ['auth code', entry.authCode ?? '-'],
    ['rrn', entry.rrn ?? '-'],
    ['error', entry.errorCode ?? '-'],
    ['reason', entry.reason ?? '-'],
    ['offline', entry.offline ? `yes (${entry.adviceAttempts} advice sends)` : 'no'],
    ['batch', String(entry.batchNo)],
    ['terminal', entry.terminalId],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const head = fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  return `${head}\n\nsteps:\n${steps.map(stepLine).join('\n')}\n`;
}

function stepLine(step: JournalStep): string {
  return `  ${step.at}  ${step.state}${step.note === null ? '' : `  (${step.note})`}`;
}

/** `journal export --csv`: every entry (or the filtered ones) as RFC 4180 CSV. */
export function exportCommand(reader: JournalReader, flags: LsFlags & { readonly csv?: boolean }): string {
  requireCsv(flags);
  return reader.csv(filterOf(flags));
}

function requireCsv(flags: { readonly csv?: boolean }): void {
  if (flags.csv !== true) throw new PosError('JOURNAL_QUERY_INVALID', 'Say which format: --csv', { option: 'csv' });
}

/** The folder to read: `--dir`, else the configured `journal.dir`. */
export function journalDir(dir: string | undefined, configPath: string | undefined): string {
  return dir ?? loadConfig({ path: configPath }).config.journal.dir;
}

function withReader<T>(dir: string | undefined, configPath: string | undefined, fn: (reader: JournalReader) => T): T {
  const reader = JournalReader.open(journalDir(dir, configPath));
  try {
    return fn(reader);
  } finally {
    reader.close();
  }
}

/** The folder a `pos journal` command reads: `--dir`, else the configuration's. */
export interface DirFlag {
  readonly dir?: string;
}

export function runJournalLs(flags: LsFlags & DirFlag, configPath: string | undefined): void {
  filterOf(flags); // bad options are reported before the journal is opened
  process.stdout.write(withReader(flags.dir, configPath, (r) => lsCommand(r, flags)));
}

export function runJournalShow(id: string, flags: { readonly json?: boolean } & DirFlag, configPath: string | undefined): void {
  process.stdout.write(withReader(flags.dir, configPath, (r) => showCommand(r, id, flags)));
}

export function runJournalExport(flags: LsFlags & { readonly csv?: boolean } & DirFlag, configPath: string | undefined): void {
  requireCsv(flags);
  filterOf(flags);
  process.stdout.write(withReader(flags.dir, configPath, (r) => exportCommand(r, flags)));
}
