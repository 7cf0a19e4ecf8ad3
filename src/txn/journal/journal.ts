/**
 * The transaction journal: one SQLite file (WAL, synchronous=FULL) that
 * survives a power cut. Every method that records a step is synchronous and
 * returns only after its SQLite transaction has committed, so the engine can
 * take the next step (send the request, show APPROVED) knowing the last one
 * is on disk. One step is one transaction: a refused or failed step leaves
 * the row exactly as it was.
 *
 * A write fault (disk full, read-only filesystem, I/O error) is thrown as its
 * typed `JOURNAL_*` error and kept as `fault`: the terminal takes no new
 * transaction while it stands. Every later write still tries, and the first
 * one that commits clears the fault (space was freed, the filesystem came
 * back); a damaged file (`JOURNAL_CORRUPT`) stays faulted and every write is
 * refused with `JOURNAL_FAULTED` until an engineer looks. What was committed
 * before stays committed.
 *
 * The journal is also the terminal's `ReversalStore` and its STAN source.
 */
import { accessSync, constants as fsConstants, existsSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import type { CardBrand } from '../../card/types.js';
import type { EntryMode } from '../../devices/card-reader.js';
import { isApproval } from '../../host/approval.js';
import type { PendingReversal, ReversalStore } from '../../host/reversal-store.js';
import { PosError } from '../../util/errors.js';
import type { Sensitive } from '../../util/sensitive.js';
import type { TxnStatus } from '../result.js';
import type { StanSource } from '../stan.js';
import { toEntry, type JournalEntry, type JournalKind, type JournalStep, type TxnRow } from './entry.js';
import { journalFault, type JournalFaultCode } from './faults.js';
import { makeJournalDir, pruneSettled, restrictJournalFiles } from './at-rest.js';
import { findByReference, findEntry, getEntry, listEntries, stepsOf, type ListFilter } from './queries.js';
import { migrate } from './schema.js';
import { canMove, isFinal, type JournalState } from './states.js';
import { batchTotals, type BatchClose, type BatchTotals } from './totals.js';

export const JOURNAL_FILE = 'journal.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface JournalOptions {
  /** `journal.dir`; created (0700) when missing. */
  readonly dir: string;
  /** DE 41, stored with each entry. */
  readonly terminalId: string;
  readonly clock?: () => Date;
  readonly fileName?: string;
  /** How long a write waits for another connection's lock (`pos journal` reading) before failing. */
  readonly busyTimeoutMs?: number;
  /** Caps the file at this many pages (4 KiB each): a size limit on a small card, and how tests fill the "disk". */
  readonly maxPageCount?: number;
}

/** The card, as the journal keeps it: the PAN is masked, never stored, and nothing derived from it is. */
export interface CardFacts {
  readonly pan: Sensitive;
  readonly brand: CardBrand;
  readonly entryMode: EntryMode;
}

export interface BeginInput {
  readonly id: string;
  /** The register's idempotency key; a second transaction with the same one is refused (`JOURNAL_DUPLICATE`). */
  readonly reference?: string;
  readonly kind?: JournalKind;
  readonly amountMinor: number;
  readonly currency: string;
  readonly card?: CardFacts;
}

export interface EndFields {
  /** What the register was told. */
  readonly outcome?: TxnStatus;
  readonly responseCode?: string | null;
  readonly errorCode?: string | null;
  readonly reason?: string | null;
}

export interface HostAnswer {
  readonly responseCode: string;
  readonly authCode: string | null;
  readonly rrn: string | null;
}

/** A queued offline approval, in the order it must reach the host. */
export interface PendingAdvice {
  readonly transactionId: string;
  readonly kind: JournalKind;
  readonly stan: string | null;
  readonly terminalId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly entryMode: EntryMode | null;
  readonly brand: CardBrand | null;
  readonly maskedPan: string | null;
  /** The offline response code (`Y1`, `Y3`). */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly approvedAt: string;
  /** How many sends were started before this one (a repeat is sent as such, 0221). */
  readonly attempts: number;
}

export interface RecoveryReport {
  /** What recovery changed, in journal order. */
  readonly changed: readonly { readonly id: string; readonly from: JournalState; readonly to: JournalState }[];
  /** Every reversal still owed, oldest duty first (including the ones recovery just created). */
  readonly reversals: readonly PendingReversal[];
  /** Every advice still owed, oldest first. */
  readonly advices: readonly PendingAdvice[];
}

type Column =
  | 'outcome'
  | 'stan'
  | 'transmitted_at'
  | 'entry_mode'
  | 'brand'
  | 'masked_pan'
  | 'response_code'
  | 'auth_code'
  | 'rrn'
  | 'error_code'
  | 'reason'
  | 'offline'
  | 'duty_seq'
  | 'advice_card';
type Patch = Partial<Record<Column, string | number | Buffer | null>>;

export class Journal implements ReversalStore {
  readonly file: string;
  /** The STAN source backed by the journal: the last STAN survives a restart. */
  readonly stan: StanSource;
  readonly #db: Db;
  readonly #clock: () => Date;
  readonly #terminalId: string;
  #fault: PosError | null = null;

  private constructor(db: Db, file: string, options: JournalOptions) {
    this.#db = db;
    this.file = file;
    this.#clock = options.clock ?? (() => new Date());
    this.#terminalId = options.terminalId;
    this.stan = { next: () => this.nextStan() };
  }

  /**
   * Opens (creating or migrating) the journal. Throws `JOURNAL_CORRUPT` for a
   * file that is not a database or fails `PRAGMA quick_check` (the file is
   * left as it is, for an engineer), `JOURNAL_READ_ONLY`, `JOURNAL_DISK_FULL`,
   * `JOURNAL_SCHEMA_TOO_NEW`, `JOURNAL_DIR_INVALID` or `JOURNAL_UNAVAILABLE`.
   * A failed open removes the files it created (never one that was there).
   */
  static open(options: JournalOptions): Journal {
    const file = join(options.dir, options.fileName ?? JOURNAL_FILE);
    // What a failed open made, it removes: a full disk at start must not leave an empty journal.db.
    const existing = existingJournalFiles(file);
    let db: Db | undefined;
    try {
      makeJournalDir(options.dir);
      db = new Database(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
      // 0600 before the WAL exists, so SQLite makes -wal and -shm with the same mode; again after, for files an older run left.
      restrictJournalFiles(file);
      db.pragma('journal_mode = WAL');
      restrictJournalFiles(file);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Deleted and overwritten content (an advice's sealed card data once sent) is zeroed, not left in free space.
      db.pragma('secure_delete = ON');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') {
        throw new PosError('JOURNAL_CORRUPT', 'The journal file fails its integrity check', { file, check: 'quick_check' });
      }
      if (migrate(db).length > 0) compact(db);
      // SQLite silently falls back to read-only when it cannot open the file for writing (and a
      // current schema needs no write to open): take the write lock once so that shows now, not at
      // the first payment.
      const probe = db;
      probe.transaction(() => probe.prepare(`UPDATE counter SET value = value WHERE name = 'last_stan'`).run()).immediate();
      if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
      return new Journal(db, file, options);
    } catch (err) {
      db?.close();
      removeJournalFilesExcept(file, existing);
      throw refineOpenFault(journalFault(err, 'open', file), options.dir);
    }
  }

  /** The fault that stopped writes, if any. */
  get fault(): PosError | null {
    return this.#fault;
  }

  /** Whether a new transaction may start: false once a fault has been seen. */
  get writable(): boolean {
    return this.#fault === null;
  }

  /** The connection's durability settings, as SQLite reports them (for `pos diag` and tests). */
  settings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'; busyTimeoutMs: number } {
    const levels = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
    return {
      journalMode: this.#db.pragma('journal_mode', { simple: true }) as string,
      synchronous: levels[this.#db.pragma('synchronous', { simple: true }) as number] ?? 'OFF',
      busyTimeoutMs: this.#db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  // ── Steps of one transaction ────────────────────────────────────────────

  /** Records a new transaction in `created`. Refused with `JOURNAL_FAULTED` after a fault. */
  begin(input: BeginInput): JournalEntry {
    return this.#write('begin', () => {
      if (findEntry(this.#db, input.id) !== undefined) {
        throw new PosError('JOURNAL_DUPLICATE', 'A journal entry with that id already exists', { id: input.id });
      }
      if (input.reference !== undefined && findByReference(this.#db, input.reference) !== undefined) {
        throw new PosError('JOURNAL_DUPLICATE', 'A journal entry with that reference already exists', { id: input.id, field: 'reference' });
      }
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
        throw new PosError('TXN_AMOUNT_INVALID', 'Amount must be a positive whole number of minor units', { id: input.id });
      }
      const now = this.#now();
      this.#db
        .prepare(
          `INSERT INTO txn (id, reference, kind, state, terminal_id, amount_minor, currency, created_at, updated_at, batch_no)
           VALUES (@id, @reference, @kind, 'created', @terminalId, @amountMinor, @currency, @now, @now, (SELECT value FROM counter WHERE name = 'batch_no'))`,
        )
        .run({ id: input.id, reference: input.reference ?? null, kind: input.kind ?? 'purchase', terminalId: this.#terminalId, amountMinor: input.amountMinor, currency: input.currency, now });
      if (input.card !== undefined) this.#patch(input.id, this.#cardColumns(input.card), now);
      this.#stepRow(input.id, 'created', now, input.card === undefined ? null : 'card read');
      return getEntry(this.#db, input.id);
    });
  }

  /** Adds the card to a transaction begun before the card was read. */
  recordCard(id: string, card: CardFacts): JournalEntry {
    return this.#write('record card', () => {
      const from = this.#stateOf(id);
      if (from !== 'created') throw invalidStep(id, from, 'created');
      const now = this.#now();
      this.#patch(id, this.#cardColumns(card), now);
      this.#stepRow(id, 'created', now, 'card read');
      return getEntry(this.#db, id);
    });
  }

  /** Call before the request leaves: from here on, a lost answer means a reversal. Needs the card recorded. */
  requestSent(id: string, request: { readonly stan: string; readonly transmittedAt: Date }): JournalEntry {
    return this.#step(id, 'request-sent', { stan: request.stan, transmitted_at: request.transmittedAt.toISOString() }, (row) =>
      row.masked_pan === null ? 'no card recorded' : null,
    );
  }

  responseReceived(id: string, answer: HostAnswer): JournalEntry {
    return this.#step(id, 'response-received', { response_code: answer.responseCode, auth_code: answer.authCode, rrn: answer.rrn });
  }

  /** The approval is final (the chip, if any, accepted it). */
  complete(id: string): JournalEntry {
    return this.#step(id, 'completed', { outcome: 'approved' });
  }

  /**
   * Records what the register was told without moving the entry: for a
   * transaction whose money state is a duty (a reversal or advice still
   * owed) or is about to become one.
   */
  recordOutcome(id: string, fields: EndFields & { readonly outcome: TxnStatus }): JournalEntry {
    return this.#write('record outcome', () => {
      this.#patch(id, endPatch(fields), this.#now());
      return getEntry(this.#db, id);
    });
  }

  decline(id: string, fields: EndFields = {}): JournalEntry {
    return this.#step(id, 'declined', endPatch(fields));
  }

  cancel(id: string, fields: EndFields = {}): JournalEntry {
    return this.#step(id, 'cancelled', endPatch(fields));
  }

  /** Ends a transaction whose request never reached the host (or was never built). */
  fail(id: string, fields: EndFields = {}): JournalEntry {
    return this.#step(id, 'failed', endPatch(fields));
  }

  /** The outcome is unknown, or the chip refused a host approval: the request must be reversed. */
  reversalPending(id: string, reason: string): JournalEntry {
    return this.#step(id, 'reversal-pending', () => ({ error_code: reason, duty_seq: this.#nextCounter('duty_seq') }));
  }

  /** The host acknowledged the reversal. Acknowledging twice is harmless. */
  reversed(id: string): JournalEntry {
    const entry = getEntry(this.#db, id);
    if (entry.state === 'reversed') return entry;
    return this.#step(id, 'reversed', {});
  }

  /** The terminal approved without the host (store-and-forward decided it may). */
  approveOffline(id: string, approval: { readonly responseCode: string; readonly authCode: string | null }): JournalEntry {
    return this.#step(id, 'offline-approved', { response_code: approval.responseCode, auth_code: approval.authCode, offline: 1 });
  }

  /**
   * The card accepted the offline approval: queue the advice for the host,
   * with the card data it needs sealed (`src/txn/advice-card.ts`) — the
   * journal never sees it in clear.
   */
  queueAdvice(id: string, sealedCard?: Uint8Array): JournalEntry {
    return this.#step(id, 'advice-pending', () => ({
      duty_seq: this.#nextCounter('duty_seq'),
      ...(sealedCard === undefined ? {} : { advice_card: Buffer.from(sealedCard) }),
    }));
  }

  /** The sealed card data of a queued advice, or null when none was kept. */
  sealedAdviceCard(id: string): Buffer | null {
    return this.#read(() => {
      const row = this.#db.prepare('SELECT advice_card FROM txn WHERE id = ?').get(id) as { advice_card: Buffer | null } | undefined;
      if (row === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id });
      return row.advice_card;
    });
  }

  /** Counts a send of the advice before it starts, so a send cut short is repeated as a repeat (0221). */
  adviceAttempt(id: string): JournalEntry {
    return this.#write('advice attempt', () => {
      const from = this.#stateOf(id);
      if (from !== 'advice-pending') throw invalidStep(id, from, 'advice-pending');
      this.#db.prepare('UPDATE txn SET advice_attempts = advice_attempts + 1, updated_at = ? WHERE id = ?').run(this.#now(), id);
      return getEntry(this.#db, id);
    });
  }

  /** The send counted by `adviceAttempt` certainly never left (nothing reached the host): uncount it, so the next is no repeat. */
  adviceNotSent(id: string): JournalEntry {
    return this.#write('advice not sent', () => {
      const from = this.#stateOf(id);
      if (from !== 'advice-pending') throw invalidStep(id, from, 'advice-pending');
      this.#db.prepare('UPDATE txn SET advice_attempts = MAX(advice_attempts - 1, 0), updated_at = ? WHERE id = ?').run(this.#now(), id);
      return getEntry(this.#db, id);
    });
  }

  /**
   * The host acknowledged the advice. Its sealed card data is destroyed in
   * the same transaction: overwritten with zeros, then NULL (with
   * `secure_delete` the freed bytes are zeroed too); then the WAL is
   * checkpointed and truncated so no older page image keeps the blob.
   */
  adviceSent(id: string): JournalEntry {
    const entry = this.#step(id, 'advice-sent', () => {
      this.#db.prepare('UPDATE txn SET advice_card = zeroblob(length(advice_card)) WHERE id = ? AND advice_card IS NOT NULL').run(id);
      return { advice_card: null };
    });
    this.#truncateWal();
    return entry;
  }

  /**
   * The advice's life is over (too old, or too many sends the host never
   * acknowledged): it leaves the queue as `advice-expired` for the operator,
   * its sealed card data destroyed as in `adviceSent`; the masked row stays.
   */
  expireAdvice(id: string, reason: string): JournalEntry {
    const entry = this.#step(id, 'advice-expired', () => {
      this.#db.prepare('UPDATE txn SET advice_card = zeroblob(length(advice_card)) WHERE id = ? AND advice_card IS NOT NULL').run(id);
      return { advice_card: null, error_code: 'SAF_ADVICE_EXPIRED', reason };
    });
    this.#truncateWal();
    return entry;
  }

  // ── ReversalStore ───────────────────────────────────────────────────────

  /**
   * Records a reversal duty. For a transaction the journal knows, this is the
   * step to `reversal-pending`; for one it has not seen (an engine not yet
   * journalling every step) the duty is recorded as a new entry.
   */
  add(reversal: PendingReversal): void {
    this.#write('add reversal', () => {
      const known = findEntry(this.#db, reversal.transactionId);
      const now = this.#now();
      if (known === undefined) {
        this.#db
          .prepare(
            `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, stan, transmitted_at, entry_mode, masked_pan,
                              error_code, duty_seq, created_at, updated_at, batch_no)
             VALUES (@id, 'purchase', 'reversal-pending', @terminalId, @amountMinor, @currency, @stan, @transmittedAt, @entryMode, @maskedPan,
                     @reason, @dutySeq, @now, @now, (SELECT value FROM counter WHERE name = 'batch_no'))`,
          )
          .run({
            id: reversal.transactionId,
            terminalId: reversal.terminalId,
            amountMinor: reversal.amountMinor,
            currency: reversal.currency,
            stan: reversal.stan,
            transmittedAt: reversal.transmittedAt,
            entryMode: reversal.entryMode,
            maskedPan: reversal.maskedPan,
            reason: reversal.reason,
            dutySeq: this.#nextCounter('duty_seq'),
            now,
          });
        this.#stepRow(reversal.transactionId, 'reversal-pending', now, reversal.reason);
        return;
      }
      if (known.state === 'reversal-pending') return;
      if (!canMove(known.state, 'reversal-pending')) throw invalidStep(known.id, known.state, 'reversal-pending');
      this.#patch(known.id, { stan: reversal.stan, transmitted_at: reversal.transmittedAt, error_code: reversal.reason, duty_seq: this.#nextCounter('duty_seq') }, now);
      this.#move(known.id, known.state, 'reversal-pending', now, reversal.reason);
    });
  }

  pending(): readonly PendingReversal[] {
    return this.#read(() => (this.#dutyRows('reversal-pending')).map(toPendingReversal));
  }

  acknowledge(transactionId: string): void {
    this.reversed(transactionId);
  }

  pendingAdvices(): readonly PendingAdvice[] {
    return this.#read(() => this.#dutyRows('advice-pending').map(toPendingAdvice));
  }

  // ── STAN ────────────────────────────────────────────────────────────────

  /** DE 11: 000001–999999, wrapping; committed before it is returned, so a restart never reuses one. */
  nextStan(): string {
    return this.#write('next stan', () => {
      this.#db.prepare(`UPDATE counter SET value = CASE WHEN value >= 999999 THEN 1 ELSE value + 1 END WHERE name = 'last_stan'`).run();
      const value = (this.#db.prepare(`SELECT value FROM counter WHERE name = 'last_stan'`).get() as { value: number }).value;
      return value.toString().padStart(6, '0');
    });
  }

  // ── Start-up recovery ───────────────────────────────────────────────────

  /**
   * Run once at start, before any new transaction. Decides the end of every
   * transaction a crash or power cut left in the middle:
   * - `request-sent`: the host may have approved → `reversal-pending`;
   * - `response-received` with an approval: the chip completion was never
   *   recorded → `reversal-pending`; with a decline → `declined`;
   * - `created` (nothing sent) and `offline-approved` (the card never gave its
   *   final word) → `failed`.
   * Returns the changes and every reversal and advice still owed, oldest first.
   */
  recover(): RecoveryReport {
    const changed = this.#write('recover', () => {
      const open = this.#db
        .prepare(`SELECT * FROM txn WHERE state IN ('created', 'request-sent', 'response-received', 'offline-approved') ORDER BY seq`)
        .all() as TxnRow[];
      const now = this.#now();
      const moves: { id: string; from: JournalState; to: JournalState }[] = [];
      for (const row of open) {
        const from = row.state as JournalState;
        const approved = isApproval(row.response_code);
        const to: JournalState =
          from === 'request-sent' || (from === 'response-received' && approved)
            ? 'reversal-pending'
            : from === 'response-received'
              ? 'declined'
              : 'failed';
        const patch: Patch = to === 'reversal-pending' ? { error_code: 'JOURNAL_INTERRUPTED', duty_seq: this.#nextCounter('duty_seq') } : { error_code: 'JOURNAL_INTERRUPTED' };
        this.#patch(row.id, patch, now);
        this.#move(row.id, from, to, now, 'recovered at start');
        moves.push({ id: row.id, from, to });
      }
      return moves;
    });
    return { changed, reversals: this.pending(), advices: this.pendingAdvices() };
  }

  // ── Settlement ──────────────────────────────────────────────────────────

  /** Totals per currency of the open batch (everything since the last batch close). */
  totals(): BatchTotals {
    return this.#read(() => batchTotals(this.#db));
  }

  /** Closes the open batch: records its totals and starts the next one. */
  closeBatch(): BatchClose {
    return this.#write('close batch', () => {
      const totals = batchTotals(this.#db);
      const closedAt = this.#now();
      this.#db.prepare('INSERT INTO batch_close (batch_no, closed_at, totals) VALUES (?, ?, ?)').run(totals.batchNo, closedAt, JSON.stringify(totals.currencies));
      this.#db.prepare(`UPDATE counter SET value = value + 1 WHERE name = 'batch_no'`).run();
      return { ...totals, closedAt };
    });
  }

  // ── Reading ─────────────────────────────────────────────────────────────

  get(id: string): JournalEntry {
    return this.#read(() => getEntry(this.#db, id));
  }

  find(id: string): JournalEntry | undefined {
    return this.#read(() => findEntry(this.#db, id));
  }

  /** The entry a register's idempotency key names, if any. */
  byReference(reference: string): JournalEntry | undefined {
    return this.#read(() => findByReference(this.#db, reference));
  }

  list(filter: ListFilter = {}): JournalEntry[] {
    return this.#read(() => listEntries(this.#db, filter));
  }

  steps(id: string): JournalStep[] {
    return this.#read(() => stepsOf(this.#db, id));
  }

  // ── Retention ───────────────────────────────────────────────────────────

  /**
   * Deletes settled rows that ended before `cutoff` (`at-rest.ts` says which),
   * then truncates the WAL; returns how many transactions went.
   */
  prune(cutoff: Date): number {
    const pruned = this.#write('prune', () => pruneSettled(this.#db, cutoff));
    if (pruned > 0) this.#truncateWal();
    return pruned;
  }

  // ── Internals ───────────────────────────────────────────────────────────

  #truncateWal(): void {
    truncateWal(this.#db);
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  #cardColumns(card: CardFacts): Patch {
    return { masked_pan: card.pan.masked(), brand: card.brand, entry_mode: card.entryMode };
  }

  #stateOf(id: string): JournalState {
    return getEntry(this.#db, id).state;
  }

  /** `patch` may be a function so that counters it reads are taken inside the step's transaction. */
  #step(id: string, to: JournalState, patch: Patch | (() => Patch), precondition?: (row: TxnRow) => string | null): JournalEntry {
    return this.#write(to, () => {
      const row = this.#db.prepare('SELECT * FROM txn WHERE id = ?').get(id) as TxnRow | undefined;
      if (row === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id });
      const from = row.state as JournalState;
      if (!canMove(from, to)) throw invalidStep(id, from, to);
      const missing = precondition?.(row) ?? null;
      if (missing !== null) throw invalidStep(id, from, to, missing);
      const now = this.#now();
      this.#patch(id, typeof patch === 'function' ? patch() : patch, now);
      this.#move(id, from, to, now, null);
      return getEntry(this.#db, id);
    });
  }

  #move(id: string, from: JournalState, to: JournalState, now: string, note: string | null): void {
    // The WHERE on the old state makes the step a compare-and-set even if two connections write.
    const result = this.#db
      .prepare('UPDATE txn SET state = @to, updated_at = @now, ended_at = @endedAt WHERE id = @id AND state = @from')
      .run({ id, from, to, now, endedAt: isFinal(to) ? now : null });
    if (result.changes !== 1) throw invalidStep(id, from, to);
    this.#stepRow(id, to, now, note);
  }

  #patch(id: string, patch: Patch, now: string): void {
    const columns = Object.keys(patch) as Column[];
    if (columns.length === 0) return;
    const set = columns.map((c) => `${c} = @${c}`).join(', ');
    this.#db.prepare(`UPDATE txn SET ${set}, updated_at = @now WHERE id = @id`).run({ ...patch, id, now });
  }

  #stepRow(id: string, state: JournalState, at: string, note: string | null): void {
    this.#db.prepare('INSERT INTO txn_step (txn_id, state, at, note) VALUES (?, ?, ?, ?)').run(id, state, at, note);
  }

  #nextCounter(name: 'duty_seq'): number {
    this.#db.prepare('UPDATE counter SET value = value + 1 WHERE name = ?').run(name);
    return (this.#db.prepare('SELECT value FROM counter WHERE name = ?').get(name) as { value: number }).value;
  }

  #dutyRows(state: 'reversal-pending' | 'advice-pending'): TxnRow[] {
    return this.#db.prepare('SELECT * FROM txn WHERE state = ? ORDER BY duty_seq, seq').all(state) as TxnRow[];
  }

  /** One SQLite transaction (BEGIN IMMEDIATE), or nothing at all. */
  #write<T>(where: string, fn: () => T): T {
    if (this.#fault?.code === 'JOURNAL_CORRUPT') {
      throw new PosError('JOURNAL_FAULTED', `The journal stopped taking writes after ${this.#fault.code}`, {
        fault: this.#fault.code,
        file: this.file,
      });
    }
    try {
      const result = this.#db.transaction(fn).immediate();
      // A write committed: whatever stopped the last one (a full disk) is gone.
      this.#fault = null;
      return result;
    } catch (err) {
      // Our own refusals (bad step, unknown id) change nothing and are no fault.
      if (err instanceof PosError) throw err;
      const fault = journalFault(err, where, this.file);
      this.#fault = fault;
      throw fault;
    }
  }

  #read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw journalFault(err, 'read', this.file);
    }
  }
}

function invalidStep(id: string, from: JournalState, to: JournalState, missing?: string): PosError {
  return new PosError(
    'JOURNAL_TRANSITION_INVALID',
    missing === undefined ? `A transaction in ${from} cannot go to ${to}` : `A transaction in ${from} cannot go to ${to}: ${missing}`,
    { id, from, to, ...(missing === undefined ? {} : { missing }) },
  );
}

function endPatch(fields: EndFields): Patch {
  const patch: Patch = {};
  if (fields.outcome !== undefined) patch.outcome = fields.outcome;
  if (fields.responseCode !== undefined) patch.response_code = fields.responseCode;
  if (fields.errorCode !== undefined) patch.error_code = fields.errorCode;
  if (fields.reason !== undefined) patch.reason = fields.reason;
  return patch;
}

function toPendingReversal(row: TxnRow): PendingReversal {
  return {
    transactionId: row.id,
    original: 'purchase',
    stan: row.stan ?? '',
    terminalId: row.terminal_id,
    transmittedAt: row.transmitted_at ?? row.created_at,
    amountMinor: row.amount_minor,
    currency: row.currency,
    entryMode: (row.entry_mode ?? 'swipe') as EntryMode,
    reason: row.error_code ?? 'UNKNOWN',
    maskedPan: row.masked_pan ?? '',
  };
}

function toPendingAdvice(row: TxnRow): PendingAdvice {
  const e = toEntry(row);
  return {
    transactionId: e.id,
    kind: e.kind,
    stan: e.stan,
    terminalId: e.terminalId,
    amountMinor: e.amountMinor,
    currency: e.currency,
    entryMode: e.entryMode,
    brand: e.brand,
    maskedPan: e.maskedPan,
    responseCode: e.responseCode,
    authCode: e.authCode,
    approvedAt: e.createdAt,
    attempts: e.adviceAttempts,
  };
}

/**
 * After a migration (one dropped the PAN hash): VACUUM rebuilds the file, so
 * no free page or slack space in a page keeps what was dropped, then the WAL
 * is truncated. Best effort, like `truncateWal`: it needs free space the size
 * of the file, and a terminal must still start on a nearly full card.
 */
function compact(db: Db): void {
  try {
    db.exec('VACUUM');
  } catch {
    // VACUUM is all or nothing: the file is as the migration left it.
  }
  truncateWal(db);
}

/** Best effort: a reader holding the WAL (`pos journal`) only delays this to the next checkpoint. */
function truncateWal(db: Db): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Not a write fault: the step before is committed; the next checkpoint does it.
  }
}

/** The database file and the files SQLite keeps beside it (WAL, shared memory, rollback journal). */
function journalFiles(file: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => file + suffix);
}

function existingJournalFiles(file: string): ReadonlySet<string> {
  return new Set(journalFiles(file).filter((path) => existsSync(path)));
}

/** Removes the journal files that are not in `keep`; best effort (the open's own error is the one to report). */
function removeJournalFilesExcept(file: string, keep: ReadonlySet<string>): void {
  for (const path of journalFiles(file)) {
    if (keep.has(path)) continue;
    try {
      rmSync(path, { force: true });
    } catch {
      // Left for the operator: the open's error says what stopped it.
    }
  }
}

/** SQLITE_CANTOPEN (or EEXIST, ENOTDIR from making the folder) says little: say what is wrong with the folder. */
function refineOpenFault(error: PosError, dir: string): PosError {
  if (error.code !== 'JOURNAL_UNAVAILABLE') return error;
  try {
    checkJournalDir(dir);
    return error;
  } catch (err) {
    if (!(err instanceof PosError)) return error;
    return new PosError(err.code, err.message, { ...error.details, ...err.details }, { cause: error });
  }
}

/**
 * Checks, creating nothing, that `dir` is a folder the journal can write, or
 * can be made as one: `JOURNAL_DIR_INVALID` when it, or a folder on its path,
 * is a file; `JOURNAL_READ_ONLY` when it (or, while missing, its nearest
 * existing parent) cannot be written — a read-only filesystem, permissions.
 */
export function checkJournalDir(dir: string): void {
  let at = resolve(dir);
  for (;;) {
    let stat: Stats;
    try {
      stat = statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new PosError('JOURNAL_DIR_INVALID', `The journal folder ${dir} has a file in its path`, { dir, cause: code });
      const parent = dirname(at);
      if (code === 'ENOENT' && parent !== at) {
        at = parent;
        continue;
      }
      throw new PosError('JOURNAL_UNAVAILABLE', `The journal folder ${dir} cannot be inspected (${code ?? 'unknown error'})`, { dir, cause: code ?? 'unknown' });
    }
    if (!stat.isDirectory()) {
      const what = at === resolve(dir) ? 'is a file, not a folder' : `cannot be made: ${at} is a file`;
      throw new PosError('JOURNAL_DIR_INVALID', `The journal folder ${dir} ${what}`, { dir });
    }
    try {
      accessSync(at, fsConstants.W_OK);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      const what = at === resolve(dir) ? 'cannot be written' : `cannot be made (${at} cannot be written)`;
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') throw new PosError('JOURNAL_READ_ONLY', `The journal folder ${dir} ${what} (${code})`, { dir, cause: code });
      throw new PosError('JOURNAL_UNAVAILABLE', `The journal folder ${dir} ${what} (${code})`, { dir, cause: code });
    }
  }
}

export type { JournalFaultCode };
