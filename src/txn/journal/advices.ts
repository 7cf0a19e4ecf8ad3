/**
 * The journal as the advice queue: an offline approval (`offline-approved`)
 * whose card accepted becomes a duty (`advice-pending`, in `duty_seq`
 * order), with the card data the advice needs sealed to the acquirer
 * (`src/txn/advice-card.ts`) — the journal never sees it in clear. Each send
 * is counted before it starts; the sealed data is destroyed when the host
 * has the advice or its life ends.
 */
import type { CardBrand } from '../../card/types.js';
import type { EntryMode } from '../../devices/card-reader.js';
import { PosError } from '../../util/errors.js';
import { invalidStep, type JournalConnection } from './connection.js';
import type { JournalEntry, JournalKind } from './entry.js';

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

/** Overwrites the sealed card data with zeros before it is set NULL (with `secure_delete` the freed bytes are zeroed too). */
const ZERO_SEALED_CARD = 'UPDATE txn SET advice_card = zeroblob(length(advice_card)) WHERE id = ? AND advice_card IS NOT NULL';

export interface OfflineApprovalFields {
  readonly responseCode: string;
  readonly authCode: string | null;
  /** For an approval with no request sent: the STAN taken for its advice, and the moment (DE 7). */
  readonly newStan?: { readonly stan: string; readonly at: Date };
}

export class AdviceLog {
  readonly #c: JournalConnection;

  constructor(connection: JournalConnection) {
    this.#c = connection;
  }

  /** The terminal approved without the host (store-and-forward decided it may). */
  approveOffline(id: string, approval: OfflineApprovalFields): JournalEntry {
    // An approval by the card itself had no request: its STAN and DE 7 moment are the approval's.
    const fresh = approval.newStan === undefined ? {} : { stan: approval.newStan.stan, transmitted_at: approval.newStan.at.toISOString() };
    return this.#c.step(id, 'offline-approved', { response_code: approval.responseCode, auth_code: approval.authCode, offline: 1, ...fresh });
  }

  /** The card accepted the offline approval: queue the advice, with the card data it needs sealed. */
  queue(id: string, sealedCard?: Uint8Array): JournalEntry {
    return this.#c.step(id, 'advice-pending', () => ({
      duty_seq: this.#c.nextDutySeq(),
      ...(sealedCard === undefined ? {} : { advice_card: Buffer.from(sealedCard) }),
    }));
  }

  /** Every advice still owed, oldest first. */
  pending(): readonly PendingAdvice[] {
    return this.#c.dutyEntries('advice-pending').map(toPendingAdvice);
  }

  /** The sealed card data of a queued advice, or null when none was kept. */
  sealedCard(id: string): Buffer | null {
    const c = this.#c;
    return c.read(() => {
      const row = c.db.prepare('SELECT advice_card FROM txn WHERE id = ?').get(id) as { advice_card: Buffer | null } | undefined;
      if (row === undefined) throw new PosError('JOURNAL_NOT_FOUND', 'No journal entry with that id', { id });
      return row.advice_card;
    });
  }

  /** Counts a send of the advice before it starts, so a send cut short is repeated as a repeat (0221). */
  attempt(id: string): JournalEntry {
    return this.#countAttempts(id, 'advice attempt', 'advice_attempts + 1');
  }

  /** The send counted by `attempt` certainly never left (nothing reached the host): uncount it, so the next is no repeat. */
  notSent(id: string): JournalEntry {
    return this.#countAttempts(id, 'advice not sent', 'MAX(advice_attempts - 1, 0)');
  }

  /**
   * The host acknowledged the advice. Its sealed card data is destroyed in
   * the same transaction; then the WAL is checkpointed and truncated so no
   * older page image keeps the blob.
   */
  sent(id: string): JournalEntry {
    return this.#endWithCardDestroyed(id, 'advice-sent', {});
  }

  /**
   * The advice's life is over (too old, or too many sends the host never
   * acknowledged): it leaves the queue as `advice-expired` for the operator,
   * its sealed card data destroyed as in `sent`; the masked row stays.
   */
  expire(id: string, reason: string): JournalEntry {
    return this.#endWithCardDestroyed(id, 'advice-expired', { error_code: 'SAF_ADVICE_EXPIRED', reason });
  }

  #countAttempts(id: string, where: string, next: string): JournalEntry {
    const c = this.#c;
    return c.write(where, () => {
      const from = c.stateOf(id);
      if (from !== 'advice-pending') throw invalidStep(id, from, 'advice-pending');
      c.db.prepare(`UPDATE txn SET advice_attempts = ${next}, updated_at = ? WHERE id = ?`).run(c.now(), id);
      return c.entry(id);
    });
  }

  #endWithCardDestroyed(id: string, to: 'advice-sent' | 'advice-expired', patch: { readonly error_code?: string; readonly reason?: string }): JournalEntry {
    const entry = this.#c.step(id, to, () => {
      this.#c.db.prepare(ZERO_SEALED_CARD).run(id);
      return { ...patch, advice_card: null };
    });
    this.#c.truncateWal();
    return entry;
  }
}

function toPendingAdvice(e: JournalEntry): PendingAdvice {
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
