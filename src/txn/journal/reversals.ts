/**
 * The journal as the reversal store: a duty is a row in `reversal-pending`,
 * owed oldest first (`duty_seq`) until the host acknowledges it (`reversed`).
 * What reaches the host for it names the original request (DE 90: its STAN
 * and DE 7) and carries no PAN.
 */
import type { EntryMode } from '../../devices/card-reader.js';
import type { PendingReversal, ReversalOutcome, ReversalStore } from '../../host/reversal-store.js';
import { invalidStep, type JournalConnection } from './connection.js';
import type { JournalEntry } from './entry.js';
import { findEntry, openBatchNo } from './queries.js';
import { canMove } from './states.js';
import { PosError } from '../../util/errors.js';

export class ReversalLog implements ReversalStore {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /**
   * Records a reversal duty. For a transaction the journal knows, this is the
   * step to `reversal-pending`; for one it has not seen (an engine not yet
   * journalling every step) the duty is recorded as a new entry.
   */
  add(reversal: PendingReversal): void {
    const c = this.#c;
    c.write('add reversal', () => {
      const known = findEntry(c.db, reversal.transactionId);
      const now = c.now();
      if (known === undefined) {
        c.db
          .prepare(
            `INSERT INTO txn (id, kind, state, terminal_id, amount_minor, currency, stan, transmitted_at, entry_mode, masked_pan,
                              error_code, duty_seq, created_at, updated_at, batch_no)
             VALUES (@id, @kind, 'reversal-pending', @terminalId, @amountMinor, @currency, @stan, @transmittedAt, @entryMode, @maskedPan,
                     @reason, @dutySeq, @now, @now, (SELECT value FROM counter WHERE name = 'batch_no'))`,
          )
          .run({
            id: reversal.transactionId,
            kind: reversal.original,
            terminalId: reversal.terminalId,
            amountMinor: reversal.amountMinor,
            currency: reversal.currency,
            stan: reversal.stan,
            transmittedAt: reversal.transmittedAt,
            entryMode: reversal.entryMode,
            maskedPan: reversal.maskedPan,
            reason: reversal.reason,
            dutySeq: c.nextDutySeq(),
            now,
          });
        c.stepRow(reversal.transactionId, 'reversal-pending', now, reversal.reason);
        return;
      }
      if (known.state === 'reversal-pending') return;
      if (!canMove(known.state, 'reversal-pending')) throw invalidStep(known.id, known.state, 'reversal-pending');
      c.patch(known.id, { stan: reversal.stan, transmitted_at: reversal.transmittedAt, error_code: reversal.reason, duty_seq: c.nextDutySeq() }, now);
      c.move(known.id, known.state, 'reversal-pending', now, reversal.reason);
    });
  }

  /** Every duty not yet acknowledged, oldest first. */
  pending(): readonly PendingReversal[] {
    return this.#c.dutyEntries('reversal-pending').map(toPendingReversal);
  }

  /** The host acknowledged the reversal of this transaction. Acknowledging twice is harmless. */
  acknowledge(transactionId: string, outcome: ReversalOutcome = 'reversed'): void {
    this.reversed(transactionId, outcome);
  }

  /**
   * The register voids a completed transaction (or releases a
   * pre-authorization): marked voided and its reversal owed, in one commit.
   * Refused with `TXN_NOT_VOIDABLE` unless it is completed and not voided.
   */
  void(id: string, reason: string): PendingReversal {
    const c = this.#c;
    return c.write('void', () => {
      const entry = c.entry(id);
      if (entry.state !== 'completed' || entry.voidedAt !== null) {
        throw new PosError('TXN_NOT_VOIDABLE', `Transaction is ${entry.voidedAt === null ? entry.state : 'voided'}`, { id, state: entry.state });
      }
      if (entry.batchNo !== openBatchNo(c.db)) throw new PosError('TXN_NOT_VOIDABLE', 'Its batch has closed', { id, state: 'settled' });
      const now = c.now();
      c.patch(id, { voided_at: now, error_code: reason, duty_seq: c.nextDutySeq() }, now);
      c.move(id, 'completed', 'reversal-pending', now, reason);
      return toPendingReversal(c.entry(id));
    });
  }

  /** The outcome is unknown, or the chip refused a host approval: the request must be reversed. */
  owe(id: string, reason: string): JournalEntry {
    return this.#c.step(id, 'reversal-pending', () => ({ error_code: reason, duty_seq: this.#c.nextDutySeq() }));
  }

  /**
   * The host acknowledged the reversal. `no-record`: it never had the
   * original, which is then in no settlement total on either side.
   */
  reversed(id: string, outcome: ReversalOutcome = 'reversed'): JournalEntry {
    const entry = this.#c.read(() => this.#c.entry(id));
    if (entry.state === 'reversed') return entry;
    return this.#c.step(id, 'reversed', outcome === 'no-record' ? { host_no_record: 1 } : {});
  }
}

function toPendingReversal(e: JournalEntry): PendingReversal {
  return {
    transactionId: e.id,
    original: e.kind,
    stan: e.stan ?? '',
    terminalId: e.terminalId,
    transmittedAt: e.transmittedAt ?? e.createdAt,
    amountMinor: e.amountMinor,
    currency: e.currency,
    entryMode: (e.entryMode ?? 'swipe') satisfies EntryMode,
    reason: e.errorCode ?? 'UNKNOWN',
    maskedPan: e.maskedPan ?? '',
    ...(e.cashbackMinor > 0 ? { cashbackMinor: e.cashbackMinor } : {}),
  };
}
