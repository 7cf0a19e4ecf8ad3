/**
 * The engine's `TxnRecorder` seam, written to the journal: one journal step
 * per engine callback, each committed before the callback returns.
 *
 * `ended` maps the engine's status to the journal's end state, with the
 * outcome the register was told. When a duty was recorded first (the
 * engine's `reversals.add` moves the entry to `reversal-pending` before it
 * ends the transaction), or is owed but held in memory because the journal
 * refused it, the duty stands: only the outcome is recorded.
 */
import type { TxnRecorder } from '../recorder.js';
import type { TransactionResult } from '../result.js';
import type { Sensitive } from '../../util/sensitive.js';
import type { Journal } from './journal.js';
import type { JournalState } from './states.js';

// `offline-approved` is no duty: a card that refuses the offline approval (or is pulled) ends it here as declined or failed.
const DUTIES: readonly JournalState[] = ['reversal-pending', 'advice-pending'];

export class JournalRecorder implements TxnRecorder {
  readonly #journal: Journal;

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  created(result: TransactionResult): void {
    this.#journal.steps.begin({ id: result.id, amountMinor: result.amount, currency: result.currency, ...(result.reference === undefined ? {} : { reference: result.reference }) });
  }

  cardRead(result: TransactionResult, pan: Sensitive): void {
    this.#journal.steps.recordCard(result.id, { pan, brand: result.brand ?? 'unknown', entryMode: result.entryMode ?? 'swipe' });
  }

  requestSent(result: TransactionResult, at: Date): void {
    // The engine's own send time: DE 7 of the request and DE 90 of its reversal must agree.
    this.#journal.steps.requestSent(result.id, { stan: result.stan ?? '', transmittedAt: at });
  }

  responseReceived(result: TransactionResult): void {
    this.#journal.steps.responseReceived(result.id, { responseCode: result.responseCode ?? '', authCode: result.authCode, rrn: result.rrn });
  }

  ended(result: TransactionResult, reversalOwed: boolean): void {
    const fields = { errorCode: result.errorCode ?? null, reason: result.reason ?? null };
    const state = this.#journal.get(result.id).state;
    if (result.status !== null && (reversalOwed || DUTIES.includes(state))) {
      this.#journal.steps.recordOutcome(result.id, { ...fields, outcome: result.status, responseCode: result.responseCode });
      return;
    }
    switch (result.status) {
      case 'approved':
        this.#journal.steps.complete(result.id);
        return;
      case 'declined':
        this.#journal.steps.decline(result.id, { ...fields, outcome: 'declined', responseCode: result.responseCode });
        return;
      case 'cancelled':
        this.#journal.steps.cancel(result.id, { ...fields, outcome: 'cancelled' });
        return;
      case 'failed':
      case null:
        this.#journal.steps.fail(result.id, { ...fields, outcome: 'failed' });
        return;
    }
  }
}
