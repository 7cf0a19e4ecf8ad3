/**
 * The journal's step log: one transaction's life from `created` to its end,
 * each step one committed SQLite transaction that leaves the row exactly as
 * it was when refused. The card is kept as its masked PAN, brand and entry
 * mode; nothing derived from the PAN is.
 */
import type { CardBrand } from '../../card/types.js';
import type { EmvSummary, EntryMode } from '../../devices/card-reader.js';
import { PosError } from '../../util/errors.js';
import type { Sensitive } from '../../util/sensitive.js';
import type { TxnStatus } from '../result.js';
import { invalidStep, type JournalConnection, type Patch } from './connection.js';
import type { JournalEntry, JournalKind, JournalStep } from './entry.js';
import { findByReference, findEntry, stepsOf } from './queries.js';

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
  /** The whole amount: tip and cashback included. */
  readonly amountMinor: number;
  readonly tipMinor?: number;
  readonly cashbackMinor?: number;
  readonly currency: string;
  readonly card?: CardFacts;
  /** The transaction this one refers to; a follow-up (completion, tip adjustment) takes its masked card from it. */
  readonly originalId?: string;
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

export class StepLog {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /** Records a new transaction in `created`. Refused with `JOURNAL_FAULTED` after a fault. */
  begin(input: BeginInput): JournalEntry {
    const c = this.#c;
    return c.write('begin', () => {
      if (findEntry(c.db, input.id) !== undefined) {
        throw new PosError('JOURNAL_DUPLICATE', 'A journal entry with that id already exists', { id: input.id });
      }
      if (input.reference !== undefined && findByReference(c.db, input.reference) !== undefined) {
        throw new PosError('JOURNAL_DUPLICATE', 'A journal entry with that reference already exists', { id: input.id, field: 'reference' });
      }
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
        throw new PosError('TXN_AMOUNT_INVALID', 'Amount must be a positive whole number of minor units', { id: input.id });
      }
      const kind = input.kind ?? 'purchase';
      const original = input.originalId === undefined ? undefined : findEntry(c.db, input.originalId);
      if (input.originalId !== undefined && original === undefined) {
        throw new PosError('TXN_NOT_FOUND', 'The original transaction is not in the journal', { id: input.id, originalId: input.originalId });
      }
      const now = c.now();
      c.db
        .prepare(
          `INSERT INTO txn (id, reference, kind, state, terminal_id, amount_minor, tip_minor, cashback_minor, currency, original_id, created_at, updated_at, batch_no)
           VALUES (@id, @reference, @kind, 'created', @terminalId, @amountMinor, @tipMinor, @cashbackMinor, @currency, @originalId, @now, @now,
                   (SELECT value FROM counter WHERE name = 'batch_no'))`,
        )
        .run({
          id: input.id,
          reference: input.reference ?? null,
          kind,
          terminalId: c.terminalId,
          amountMinor: input.amountMinor,
          tipMinor: input.tipMinor ?? 0,
          cashbackMinor: input.cashbackMinor ?? 0,
          currency: input.currency,
          originalId: input.originalId ?? null,
          now,
        });
      if (input.card !== undefined) c.patch(input.id, cardColumns(input.card), now);
      else if (original !== undefined && (kind === 'completion' || kind === 'tip-adjust' || kind === 'incremental')) {
        c.patch(input.id, { masked_pan: original.maskedPan, brand: original.brand, entry_mode: original.entryMode }, now);
      }
      c.stepRow(input.id, 'created', now, input.card === undefined ? null : 'card read');
      return c.entry(input.id);
    });
  }

  /** The tip the cardholder keyed before the card was read: the whole amount and the tip, while nothing else is recorded. */
  recordTip(id: string, entered: { readonly amountMinor: number; readonly tipMinor: number }): JournalEntry {
    const c = this.#c;
    return c.write('record tip', () => {
      const from = c.stateOf(id);
      if (from !== 'created') throw invalidStep(id, from, 'created');
      if (!Number.isSafeInteger(entered.amountMinor) || entered.amountMinor <= 0 || !Number.isSafeInteger(entered.tipMinor) || entered.tipMinor < 0) {
        throw new PosError('TXN_AMOUNT_INVALID', 'The tip must be whole minor units within the amount', { id });
      }
      const now = c.now();
      c.patch(id, { amount_minor: entered.amountMinor, tip_minor: entered.tipMinor }, now);
      c.stepRow(id, 'created', now, 'tip entered');
      return c.entry(id);
    });
  }

  /** Adds the card to a transaction begun before the card was read. */
  recordCard(id: string, card: CardFacts): JournalEntry {
    const c = this.#c;
    return c.write('record card', () => {
      const from = c.stateOf(id);
      if (from !== 'created') throw invalidStep(id, from, 'created');
      const now = c.now();
      c.patch(id, cardColumns(card), now);
      c.stepRow(id, 'created', now, 'card read');
      return c.entry(id);
    });
  }

  /** The terminal kernel's account of the transaction (no card data), as it stands. */
  recordEmv(id: string, emv: EmvSummary): void {
    const c = this.#c;
    c.write('record emv', () => c.patch(id, { emv: JSON.stringify(emv) }, c.now()));
  }

  /** Call before the request leaves: from here on, a lost answer means a reversal. Needs the card recorded. */
  requestSent(id: string, request: { readonly stan: string; readonly transmittedAt: Date; readonly onlinePin?: boolean }): JournalEntry {
    const fields = { stan: request.stan, transmitted_at: request.transmittedAt.toISOString(), ...(request.onlinePin === true ? { online_pin: 1 } : {}) };
    return this.#c.step(id, 'request-sent', fields, (row) =>
      row.masked_pan === null ? 'no card recorded' : null,
    );
  }

  responseReceived(id: string, answer: HostAnswer): JournalEntry {
    return this.#c.step(id, 'response-received', { response_code: answer.responseCode, auth_code: answer.authCode, rrn: answer.rrn });
  }

  /** The approval is final (the chip, if any, accepted it). */
  complete(id: string): JournalEntry {
    return this.#c.step(id, 'completed', { outcome: 'approved' });
  }

  /**
   * An approved tip adjustment takes effect on its original: the new whole
   * amount and tip, in the same commit as the adjustment's own end.
   */
  applyTip(originalId: string, adjusted: { readonly amountMinor: number; readonly tipMinor: number; readonly adjustmentId: string }): JournalEntry {
    const c = this.#c;
    return c.write('apply tip', () => {
      const now = c.now();
      c.patch(originalId, { amount_minor: adjusted.amountMinor, tip_minor: adjusted.tipMinor }, now);
      c.stepRow(originalId, c.stateOf(originalId), now, `tip adjusted by ${adjusted.adjustmentId}`);
      return c.entry(originalId);
    });
  }

  /**
   * An approved incremental authorization takes effect on its
   * pre-authorization: the new whole amount held, in the same commit as the
   * increment's own end.
   */
  applyIncrement(originalId: string, raised: { readonly amountMinor: number; readonly incrementId: string }): JournalEntry {
    const c = this.#c;
    return c.write('apply increment', () => {
      const now = c.now();
      c.patch(originalId, { amount_minor: raised.amountMinor }, now);
      c.stepRow(originalId, c.stateOf(originalId), now, `hold raised by ${raised.incrementId}`);
      return c.entry(originalId);
    });
  }

  /**
   * Records what the register was told without moving the entry: for a
   * transaction whose money state is a duty (a reversal or advice still
   * owed) or is about to become one.
   */
  recordOutcome(id: string, fields: EndFields & { readonly outcome: TxnStatus }): JournalEntry {
    const c = this.#c;
    return c.write('record outcome', () => {
      c.patch(id, endPatch(fields), c.now());
      return c.entry(id);
    });
  }

  decline(id: string, fields: EndFields = {}): JournalEntry {
    return this.#c.step(id, 'declined', endPatch(fields));
  }

  cancel(id: string, fields: EndFields = {}): JournalEntry {
    return this.#c.step(id, 'cancelled', endPatch(fields));
  }

  /** Ends a transaction whose request never reached the host (or was never built). */
  fail(id: string, fields: EndFields = {}): JournalEntry {
    return this.#c.step(id, 'failed', endPatch(fields));
  }

  /** The transaction's steps as committed, oldest first. */
  of(id: string): JournalStep[] {
    return this.#c.read(() => stepsOf(this.#c.db, id));
  }
}

function cardColumns(card: CardFacts): Patch {
  return { masked_pan: card.pan.masked(), brand: card.brand, entry_mode: card.entryMode };
}

function endPatch(fields: EndFields): Patch {
  const patch: Patch = {};
  if (fields.outcome !== undefined) patch.outcome = fields.outcome;
  if (fields.responseCode !== undefined) patch.response_code = fields.responseCode;
  if (fields.errorCode !== undefined) patch.error_code = fields.errorCode;
  if (fields.reason !== undefined) patch.reason = fields.reason;
  return patch;
}
