/** The transaction journal: SQLite, one committed transaction per money step. */
export { Journal, JOURNAL_FILE, type JournalOptions } from './journal.js';
export type { BeginInput, CardFacts, EndFields, HostAnswer } from './steps.js';
export type { PendingAdvice } from './advices.js';
export { recoverJournal, type RecoveryReport } from './recovery.js';
export { JournalReader } from './reader.js';
export type { JournalEntry, JournalKind, JournalStep } from './entry.js';
export { JOURNAL_STATES, TRANSITIONS, canMove, isFinal, isJournalState, type JournalState } from './states.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from './schema.js';
export { parseSince, parseStatus, toCsv, CSV_COLUMNS, type ListFilter } from './queries.js';
export type { BatchClose, BatchTotals, CountAmount, CurrencyTotals } from './totals.js';
export { DEFAULT_RETENTION_DAYS, retentionCutoff } from './at-rest.js';
