/**
 * What the register does later to an approved transaction, without the card:
 *
 *   void      a purchase, refund or completion of the open batch: its
 *             reversal (0400, DE 90, DE 39 17) is owed from the commit on
 *   release   a pre-authorization nobody will complete: the same, freeing the hold
 *   complete  a pre-authorization, for up to its amount: a `completion` of its own
 *   increment a pre-authorization's hold raised, where the acquirer takes
 *             incremental authorizations: the host approves, then the
 *             pre-authorization's amount takes the increment
 *   tip       a purchase's tip replaced before the batch closes: a
 *             tip adjustment the host approves, then the purchase takes it
 *
 * A void is told to the register as done once its reversal is committed: the
 * terminal then owes it to the host before any other request and before the
 * batch closes, so the money is taken back whatever happens next. A
 * completion, a tip adjustment and an increment are requests like a sale's:
 * a STAN taken and recorded before they leave, a reversal owed when the
 * answer is lost.
 */
import type { Logger } from 'pino';
import { isApproval } from '../host/approval.js';
import { deliveryOf } from '../host/host-error.js';
import type { AuthorizationResponse, FollowUpRequest, HostClient, OriginalTransaction } from '../host/model.js';
import { asPosError, PosError } from '../util/errors.js';
import { declineReason } from './response-codes.js';
import type { EndedStep, Ledger, Owed } from './ledger.js';
import type { StepByReference } from './history.js';
import type { TransactionResult, TxnStatus } from './result.js';
import { movedMoney, validateAmount, type TransactionPolicy } from './start-input.js';

export interface FollowUpDeps {
  readonly host: HostClient;
  readonly ledger: Ledger;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly terminal: { readonly id: string; readonly merchantId: string };
  readonly policy: TransactionPolicy;
  readonly newId: () => string;
  /** Runs before each request goes out: owed reversals reach the host first. */
  readonly beforeAuthorize?: () => Promise<void>;
  /** The engine's view of its transactions. */
  readonly find: (id: string) => TransactionResult | undefined;
  readonly related: (originalId: string) => TransactionResult[];
  /** Any journal row a register's idempotency key names (undefined without a journal). */
  readonly stepByReference: (reference: string) => StepByReference | undefined;
  readonly transmittedAt: (id: string) => string | undefined;
  readonly inOpenBatch: (id: string) => boolean;
  /** Whether the host acknowledged the transaction's reversal. */
  readonly reversed: (id: string) => boolean;
  readonly remember: (result: TransactionResult) => void;
  /** Runs `work` while no card transaction runs (else `TXN_BUSY`), and keeps new ones out meanwhile. */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
}

type FollowUpKind = FollowUpRequest['kind'];

export class FollowUps {
  readonly #d: FollowUpDeps;

  constructor(deps: FollowUpDeps) {
    this.#d = deps;
  }

  /** Voids an approved purchase, refund or completion of the open batch; resolves with it `voided`. */
  void(id: string): Promise<TransactionResult> {
    return this.#d.exclusive(() => {
      const original = this.#need(id);
      if (original.type === 'preauth') throw notVoidable(original, 'a pre-authorization is released, not voided');
      if (this.#live(original.id, 'refund').length > 0) throw notVoidable(original, 'it has refunds');
      return Promise.resolve(this.#voidWith(original, 'TXN_VOIDED'));
    });
  }

  /** Releases a pre-authorization that was not completed; resolves with it `voided`. */
  release(id: string): Promise<TransactionResult> {
    return this.#d.exclusive(() => {
      const original = this.#need(id);
      if (original.type !== 'preauth') throw originalInvalid(original, 'only a pre-authorization is released');
      if (this.#live(original.id, 'completion').length > 0) throw notVoidable(original, 'it has been completed');
      return Promise.resolve(this.#voidWith(original, 'TXN_RELEASED'));
    });
  }

  /** Completes a pre-authorization for up to its amount: resolves with the completion's result. */
  complete(id: string, amount: number): Promise<TransactionResult> {
    validateAmount(amount);
    return this.#d.exclusive(async () => {
      const preauth = this.#need(id);
      if (preauth.type !== 'preauth' || preauth.status !== 'approved') throw originalInvalid(preauth, 'only an approved pre-authorization is completed');
      if (this.#live(preauth.id, 'completion').length > 0) throw originalInvalid(preauth, 'it has been completed already');
      if (amount > preauth.total) {
        throw new PosError('TXN_AMOUNT_OVER_ORIGINAL', `At most ${preauth.total} minor units were pre-authorized`, { originalId: id, left: preauth.total });
      }
      return this.#send('completion', preauth, { amount, tip: 0, total: amount });
    });
  }

  /**
   * Raises the hold of an approved pre-authorization by `amount`. Resolves
   * with the pre-authorization as it now stands; `TXN_NOT_INCREMENTED` when
   * the host did not approve (the hold stays as it was). The same
   * `reference` again answers as the first time did, and sends nothing: a
   * register that lost the answer and asks again does not raise it twice.
   */
  increment(id: string, amount: number, reference?: string): Promise<TransactionResult> {
    if (!this.#d.policy.incrementalAuthorization) {
      throw new PosError('TXN_TYPE_NOT_ALLOWED', "This terminal's acquirer takes no incremental authorizations", { field: 'amount' });
    }
    validateAmount(amount);
    return this.#d.exclusive(async () => {
      const prior = reference === undefined ? undefined : this.#d.stepByReference(reference);
      if (prior !== undefined) return this.#incrementAgain(id, amount, prior);
      const preauth = this.#need(id);
      if (preauth.type !== 'preauth' || preauth.status !== 'approved') throw originalInvalid(preauth, 'only an approved pre-authorization is raised');
      if (this.#live(preauth.id, 'completion').length > 0) throw originalInvalid(preauth, 'it has been completed');
      const total = preauth.total + amount;
      validateAmount(total, 'total');
      const increment = await this.#send('incremental', preauth, { amount, tip: 0, total: amount }, reference);
      if (increment.status !== 'approved') throw notApplied('TXN_NOT_INCREMENTED', 'Incremental authorization', id, increment.status, increment.responseCode, increment.errorCode);
      const raised: TransactionResult = { ...preauth, amount: total, total };
      this.#d.remember(raised);
      return raised;
    });
  }

  /**
   * An increment asked again by its reference: nothing is sent. Approved: the
   * pre-authorization as it stands now (released or completed since, it says
   * so); else the refusal the first attempt ended with.
   */
  #incrementAgain(id: string, amount: number, prior: StepByReference): TransactionResult {
    if (prior.kind !== 'incremental' || prior.originalId !== id || prior.amountMinor !== amount) {
      throw new PosError('TXN_REFERENCE_REUSED', 'That reference names another transaction', { id, field: 'reference' });
    }
    if (prior.outcome !== 'approved') {
      // A restart that ended it before the register heard: the hold was not raised (its reversal is owed or done).
      throw notApplied('TXN_NOT_INCREMENTED', 'Incremental authorization', id, prior.outcome ?? 'failed', prior.responseCode, prior.errorCode ?? 'JOURNAL_INTERRUPTED');
    }
    return this.#need(id);
  }

  /**
   * Replaces the tip of an approved purchase of the open batch. Resolves
   * with the purchase as it now stands; `TXN_TIP_NOT_ADJUSTED` when the host
   * did not approve (the purchase keeps its tip).
   */
  adjustTip(id: string, tip: number): Promise<TransactionResult> {
    if (!this.#d.policy.tips) throw new PosError('TXN_TYPE_NOT_ALLOWED', 'This terminal takes no tips', { field: 'tip' });
    if (tip !== 0) validateAmount(tip, 'tip');
    return this.#d.exclusive(async () => {
      const purchase = this.#need(id);
      if (purchase.type !== 'purchase' || purchase.status !== 'approved' || purchase.offline === true || !this.#d.inOpenBatch(id)) {
        throw originalInvalid(purchase, 'only an online-approved purchase of the open batch takes a tip');
      }
      if (this.#live(purchase.id, 'refund').length > 0) throw originalInvalid(purchase, 'it has refunds');
      if (tip === (purchase.tip ?? 0)) return purchase;
      const total = purchase.amount + tip + (purchase.cashback ?? 0);
      validateAmount(total, 'total');
      const adjustment = await this.#send('tip-adjust', purchase, { amount: purchase.amount, tip, total });
      if (adjustment.status !== 'approved') throw notApplied('TXN_TIP_NOT_ADJUSTED', 'Tip adjustment', id, adjustment.status, adjustment.responseCode, adjustment.errorCode);
      const adjusted: TransactionResult = withTip(purchase, tip, total);
      this.#d.remember(adjusted);
      return adjusted;
    });
  }

  #need(id: string): TransactionResult {
    const found = this.#d.find(id);
    if (!found) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    return found;
  }

  /** The transactions of `type` naming `originalId` that may stand at the host (`movedMoney`). */
  #live(originalId: string, type: TransactionResult['type']): TransactionResult[] {
    return this.#d.related(originalId).filter((r) => r.type === type && movedMoney(r, this.#d.reversed));
  }

  #voidWith(original: TransactionResult, reason: 'TXN_VOIDED' | 'TXN_RELEASED'): TransactionResult {
    if (original.status !== 'approved') throw notVoidable(original, `it is ${original.status ?? original.state}`);
    if (original.offline === true) throw notVoidable(original, 'an offline approval waits for its advice');
    if (!this.#d.inOpenBatch(original.id)) throw notVoidable(original, 'its batch has closed');
    this.#d.ledger.voided({ result: original, reason });
    const voided: TransactionResult = {
      ...original,
      state: 'voided',
      status: 'voided',
      voidedAt: this.#d.clock().toISOString(),
      reason: reason === 'TXN_VOIDED' ? 'VOIDED' : 'RELEASED',
    };
    this.#d.remember(voided);
    this.#d.logger.info({ txn: original.id, stan: original.stan, reason }, reason === 'TXN_VOIDED' ? 'voided: reversal owed' : 'pre-authorization released: reversal owed');
    return voided;
  }

  /** One completion, tip adjustment or increment, from its STAN to its end, each step on the ledger before the next. */
  async #send(kind: FollowUpKind, original: TransactionResult, amounts: { readonly amount: number; readonly tip: number; readonly total: number }, registerReference?: string): Promise<TransactionResult> {
    const d = this.#d;
    const reference = originalOf(original, d.transmittedAt(original.id));
    let result: TransactionResult = {
      id: d.newId(),
      type: kind === 'completion' ? 'completion' : kind === 'incremental' ? 'preauth' : 'purchase',
      ...(registerReference === undefined ? {} : { reference: registerReference }),
      state: 'sending',
      status: null,
      responseCode: null,
      authCode: null,
      rrn: null,
      stan: null,
      maskedPan: original.maskedPan,
      brand: original.brand,
      entryMode: original.entryMode,
      amount: amounts.amount,
      ...(amounts.tip > 0 ? { tip: amounts.tip } : {}),
      ...(kind === 'tip-adjust' && original.cashback !== undefined ? { cashback: original.cashback } : {}),
      total: amounts.total,
      originalId: original.id,
      currency: original.currency,
      startedAt: d.clock().toISOString(),
      endedAt: null,
    };
    const visible = kind === 'completion';
    const log = d.logger.child({ txn: result.id, original: original.id });
    d.ledger.begin({ result, ...(kind === 'completion' ? {} : { stepOf: kind }) });
    if (visible) d.remember(result);
    await d.beforeAuthorize?.();
    const at = d.clock();
    const stan = d.ledger.sent({ result, at });
    result = { ...result, state: 'authorizing', stan };
    if (visible) d.remember(result);
    log.info({ kind, stan, amount: amounts.total }, `sending ${kind}`);

    const end = (status: TxnStatus, fields: Partial<TransactionResult>, owes?: Owed): TransactionResult => {
      result = { ...result, ...fields, state: status, status, endedAt: d.clock().toISOString() };
      d.ledger.ended({ result, ...(owes === undefined ? {} : { owes }), ...appliesOf(kind, original, amounts.amount) });
      if (visible) d.remember(result);
      log.info({ kind, status, responseCode: result.responseCode, errorCode: result.errorCode ?? null }, `${kind} ${status}`);
      return result;
    };

    // From here the request may reach the host: whatever fails before its end is committed, its reversal is owed.
    let mayHaveReachedHost = true;
    let owed = false;
    const owe = (reason: string): void => {
      d.ledger.reversalOwed({
        transactionId: result.id,
        original: kind,
        stan,
        terminalId: d.terminal.id,
        transmittedAt: at.toISOString(),
        amountMinor: amounts.total,
        currency: original.currency,
        entryMode: original.entryMode ?? 'swipe',
        reason,
        maskedPan: original.maskedPan ?? '',
      });
      owed = true;
    };
    try {
      let response: AuthorizationResponse;
      try {
        response = await d.host.followUp({
          kind,
          stan,
          at,
          amountMinor: amounts.total,
          ...(amounts.tip > 0 ? { tipMinor: amounts.tip } : {}),
          currency: original.currency,
          terminalId: d.terminal.id,
          merchantId: d.terminal.merchantId,
          original: reference,
        });
      } catch (err) {
        const error = asPosError(err, kind);
        if (deliveryOf(error) !== 'maybe-sent') {
          mayHaveReachedHost = false;
          return end('failed', { errorCode: error.code, reason: 'HOST UNAVAILABLE' });
        }
        owe(error.code);
        return end('failed', { errorCode: error.code, reason: 'NO HOST RESPONSE' }, { duty: 'reversal' });
      }
      result = { ...result, responseCode: response.responseCode, authCode: response.authCode, rrn: response.rrn };
      d.ledger.answered({ result });
      if (response.approved && isApproval(response.responseCode)) return end('approved', {});
      return end('declined', { responseCode: isApproval(response.responseCode) ? null : response.responseCode, authCode: null, reason: declineReason(response.responseCode) });
    } catch (err) {
      // The journal failed (disk full, faulted) with the host's answer in hand or on its way: the host may hold the request, so it is reversed
      // (a decline too: its reversal is answered and moves nothing).
      if (mayHaveReachedHost && !owed) {
        try {
          owe(asPosError(err, kind).code);
        } catch (dutyErr) {
          log.error({ err: asPosError(dutyErr, 'reversal duty') }, 'reversal duty could not be recorded: start-up recovery will owe it');
        }
      }
      throw err;
    }
  }
}

/** What an approved follow-up changes on its original, in the same commit as its end. */
function appliesOf(kind: FollowUpKind, original: TransactionResult, amount: number): Pick<EndedStep, 'applies'> {
  switch (kind) {
    case 'tip-adjust':
      return { applies: { tip: true } };
    case 'incremental':
      return { applies: { raisedTo: original.total + amount } };
    case 'completion':
      return {};
  }
}

/** How the host finds `original`: its STAN and DE 7, its approval; no card data. */
function originalOf(original: TransactionResult, transmittedAt: string | undefined): OriginalTransaction {
  if (original.stan === null || transmittedAt === undefined || original.type === 'completion') {
    throw new PosError('TXN_ORIGINAL_INVALID', 'The original was never sent to the host', { originalId: original.id, type: original.type, status: original.status ?? original.state });
  }
  return {
    transactionId: original.id,
    kind: original.type,
    stan: original.stan,
    transmittedAt,
    amountMinor: original.total,
    currency: original.currency,
    authCode: original.authCode,
    rrn: original.rrn,
    entryMode: original.entryMode,
    maskedPan: original.maskedPan,
  };
}

/** The purchase at its new tip: no `tip` key for none. */
function withTip(purchase: TransactionResult, tip: number, total: number): TransactionResult {
  const adjusted: { -readonly [K in keyof TransactionResult]: TransactionResult[K] } = { ...purchase, total };
  if (tip > 0) adjusted.tip = tip;
  else delete adjusted.tip;
  return adjusted;
}

/** A follow-up the host did not apply: what it ended as, and why. */
function notApplied(
  code: 'TXN_NOT_INCREMENTED' | 'TXN_TIP_NOT_ADJUSTED',
  what: string,
  id: string,
  status: string | null,
  responseCode: string | null,
  errorCode: string | null | undefined,
): PosError {
  return new PosError(code, `${what} ${status ?? 'failed'}`, {
    id,
    ...(responseCode === null ? {} : { responseCode }),
    ...(errorCode === null || errorCode === undefined ? {} : { errorCode }),
  });
}

function notVoidable(original: TransactionResult, why: string): PosError {
  return new PosError('TXN_NOT_VOIDABLE', `Cannot void: ${why}`, { id: original.id, state: original.status ?? original.state });
}

function originalInvalid(original: TransactionResult, why: string): PosError {
  return new PosError('TXN_ORIGINAL_INVALID', `Not applicable: ${why}`, { originalId: original.id, type: original.type, status: original.status ?? original.state });
}
