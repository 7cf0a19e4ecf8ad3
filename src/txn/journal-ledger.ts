/**
 * The terminal's ledger: each engine step is one SQLite transaction over the
 * journal's roles, then an event after the commit.
 *
 *   begin            steps.begin                                   created
 *   tipEntered       steps.recordTip (the whole amount and tip)    created (tip entered)
 *   cardRead         steps.recordCard                              created (card read)
 *   sent             stan.next + steps.requestSent, one commit     request-sent
 *   answered         steps.responseReceived                        response-received
 *   reversalOwed     ReversalDuties → reversals.add                reversal-pending (or held in memory)
 *   approveOffline   the policy, then advices.approveOffline       offline-approved
 *   voided           reversals.void (voided_at + the duty, one commit)  reversal-pending
 *   ended            steps.complete/decline/cancel/fail with the outcome (a tip adjustment: its purchase takes the tip;
 *                    an increment: its pre-authorization takes the raised amount);
 *                    owing a reversal: the outcome only (the duty stands);
 *                    owing an advice: seal + advices.queue + the outcome, one commit   advice-pending
 *
 * The engine says what is owed when it ends a transaction, so no step reads
 * a row back to learn whether a duty stands.
 */
import type { PendingReversal } from '../host/reversal-store.js';
import { PosError } from '../util/errors.js';
import type { Journal } from './journal/index.js';
import type { BeginStep, CardReadStep, EndedStep, Ledger, LedgerListener, OfflineGrant, OfflineStep, SentStep, TipStep, TxnStep, VoidStep } from './ledger.js';
import { LedgerEvents } from './ledger.js';
import type { OfflineApprovals } from './offline-approver.js';
import type { TransactionResult, TxnStatus } from './result.js';
import type { ReversalDuties } from './reversal-duties.js';
import type { Logger } from 'pino';

export interface JournalLedgerOptions {
  readonly journal: Journal;
  /** Reversal duties over `journal.reversals`, held in memory while the journal cannot write them. */
  readonly duties: ReversalDuties;
  /** Store-and-forward; absent: online only. */
  readonly offline?: OfflineApprovals | null;
  readonly logger: Logger;
}

export class JournalLedger implements Ledger {
  readonly #journal: Journal;
  readonly #duties: ReversalDuties;
  readonly #offline: OfflineApprovals | null;
  readonly #events: LedgerEvents;
  readonly #endWork: ((result: TransactionResult) => void)[] = [];

  constructor(options: JournalLedgerOptions) {
    this.#journal = options.journal;
    this.#duties = options.duties;
    this.#offline = options.offline ?? null;
    this.#events = new LedgerEvents(options.logger);
  }

  /**
   * Adds work to each end's own commit (the automatic receipt's print job),
   * so a power cut cannot keep one without the other. The work must not
   * throw: it would undo the end.
   */
  inEndCommit(work: (result: TransactionResult) => void): void {
    this.#endWork.push(work);
  }

  /** Subscribes to the steps as they commit; returns the unsubscribe. */
  on(listener: LedgerListener): () => void {
    return this.#events.on(listener);
  }

  begin({ result, stepOf }: BeginStep): void {
    this.#journal.steps.begin({
      id: result.id,
      kind: stepOf ?? result.type,
      amountMinor: result.total,
      tipMinor: result.tip ?? 0,
      cashbackMinor: result.cashback ?? 0,
      currency: result.currency,
      ...(result.reference === undefined ? {} : { reference: result.reference }),
      ...(result.originalId === undefined ? {} : { originalId: result.originalId }),
    });
    this.#events.emit({ step: 'begin', id: result.id });
  }

  voided({ result, reason }: VoidStep): PendingReversal {
    const reversal = this.#journal.reversals.void(result.id, reason);
    this.#events.emit({ step: 'reversal-owed', reversal });
    return reversal;
  }

  tipEntered({ result }: TipStep): void {
    this.#journal.steps.recordTip(result.id, { amountMinor: result.total, tipMinor: result.tip ?? 0 });
    this.#events.emit({ step: 'tip-entered', id: result.id });
  }

  cardRead({ result, card }: CardReadStep): void {
    this.#journal.steps.recordCard(result.id, card);
    this.#events.emit({ step: 'card-read', id: result.id });
  }

  sent({ result, at, onlinePin }: SentStep): string {
    const journal = this.#journal;
    const stan = journal.connection.write('sent', () => {
      const next = journal.stan.next();
      // The engine's own send time: DE 7 of the request and DE 90 of its reversal must agree.
      journal.steps.requestSent(result.id, { stan: next, transmittedAt: at, ...(onlinePin === true ? { onlinePin } : {}) });
      return next;
    });
    this.#events.emit({ step: 'sent', id: result.id });
    return stan;
  }

  answered({ result }: TxnStep): void {
    this.#journal.steps.responseReceived(result.id, { responseCode: result.responseCode ?? '', authCode: result.authCode, rrn: result.rrn });
    this.#events.emit({ step: 'answered', id: result.id });
  }

  reversalOwed(reversal: PendingReversal): void {
    this.#duties.add(reversal);
    this.#events.emit({ step: 'reversal-owed', reversal });
  }

  approveOffline({ result, read, byCardAt }: OfflineStep): OfflineGrant {
    const offline = this.#offline;
    if (offline === null) return { granted: false, refusal: 'disabled' };
    const journal = this.#journal;
    const kind = result.type;
    if (kind !== 'purchase' && kind !== 'refund') return { granted: false, refusal: 'type' };
    const grant = journal.connection.write('approve offline', () => {
      const stan = result.stan ?? journal.stan.next();
      // The whole amount the card is charged (tip and cashback included) is what the floor limit and the queue cap weigh.
      return offline.approve({ id: result.id, kind, stan, amountMinor: result.total, currency: result.currency, read, ...(byCardAt === undefined ? {} : { byCardAt }) });
    });
    if (grant.granted) this.#events.emit({ step: 'approved-offline', id: result.id });
    return grant;
  }

  ended(step: EndedStep): void {
    const { result } = step;
    this.#journal.connection.write('ended', () => {
      if (result.emv !== undefined) this.#journal.steps.recordEmv(result.id, result.emv);
      this.#end(step);
      const { applies } = step;
      if (applies !== undefined && result.status === 'approved' && result.originalId !== undefined) {
        if ('tip' in applies) this.#journal.steps.applyTip(result.originalId, { amountMinor: result.total, tipMinor: result.tip ?? 0, adjustmentId: result.id });
        else this.#journal.steps.applyIncrement(result.originalId, { amountMinor: applies.raisedTo, incrementId: result.id });
      }
      for (const work of this.#endWork) work(result);
    });
    this.#events.emit({ step: 'ended', result, owes: step.owes?.duty ?? null });
  }

  #end({ result, owes }: EndedStep): void {
    const { steps, connection } = this.#journal;
    const outcome = { outcome: statusOf(result), responseCode: result.responseCode, errorCode: result.errorCode ?? null, reason: result.reason ?? null };
    switch (owes?.duty) {
      case 'reversal':
        steps.recordOutcome(result.id, outcome);
        break;
      case 'advice': {
        const offline = this.#offline;
        if (offline === null) throw new PosError('INTERNAL', 'An advice is owed but store-and-forward is off', { id: result.id });
        connection.write('ended', () => {
          offline.queue(result.id, owes.read, owes.completionTlv);
          steps.recordOutcome(result.id, outcome);
        });
        break;
      }
      case undefined:
        endWithoutDuty(this.#journal, result, outcome);
        break;
    }
  }
}

function statusOf(result: TransactionResult): TxnStatus {
  if (result.status === null || result.status === 'voided') throw new PosError('INTERNAL', `A transaction ended ${result.status ?? 'without a status'}`, { id: result.id });
  return result.status;
}

/** The journal's end state for what the register was told. */
function endWithoutDuty(journal: Journal, result: TransactionResult, outcome: { readonly errorCode: string | null; readonly reason: string | null; readonly responseCode: string | null }): void {
  const fields = { errorCode: outcome.errorCode, reason: outcome.reason };
  switch (statusOf(result)) {
    case 'approved':
      journal.steps.complete(result.id);
      return;
    case 'declined':
      journal.steps.decline(result.id, { ...fields, outcome: 'declined', responseCode: outcome.responseCode });
      return;
    case 'cancelled':
      journal.steps.cancel(result.id, { ...fields, outcome: 'cancelled' });
      return;
    case 'failed':
      journal.steps.fail(result.id, { ...fields, outcome: 'failed' });
      return;
  }
}
