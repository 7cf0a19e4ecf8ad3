/**
 * The card-present state machine (a purchase, a refund, a
 * pre-authorization), one transaction at a time:
 *
 *   waiting-for-card ──card──▶ card-read ──▶ [waiting-for-pin] ──▶ sending ──▶ authorizing ──approval──▶ [completing] ──▶ approved
 *          │                       │                  │               │             ├──other──▶ declined
 *          │                       └──expired─────────┴──▶ declined   │             └──error──▶ failed (+ reversal duty when the request may have reached the host)
 *          ├──cancel/timeout──▶ cancelled ◀──────cancel───────────────┘
 *          └──bad read──▶ failed (nothing sent)
 *
 * A purchase whose tip the cardholder keys on the PIN pad starts in
 * `waiting-for-tip` (`tip-entry.ts`): the tip is recorded, then the card is
 * asked for the whole amount; cancel, the pad's cancel key or no key in
 * time end it cancelled before any card is read.
 *
 * A cancel from the register stops the transaction in any state up to
 * `sending` (owed reversals drain first); from `authorizing` on it is refused,
 * and the host's answer — or a reversal — decides. A result that did not
 * honour an approval never carries an approving response code. If the
 * journal cannot record a step after the request may have reached the host,
 * the reversal is owed all the same (the ledger keeps it in memory).
 *
 * Every step that matters for money goes through one port, the `Ledger`
 * (`ledger.ts`): begin, card read, sent (which takes the STAN), answered,
 * reversal owed, approve offline, ended — each durable before the next.
 * Devices, host, ledger and clock come in through `EngineDeps`, so the same
 * engine runs on a Pi's devices, on virtual devices, or on in-memory fakes.
 * Every transition is logged with masked data only.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isExpired } from '../card/expiry.js';
import { interpretServiceCode } from '../card/service-code.js';
import type { ChipCard, PaymentCard } from '../card/types.js';
import { isChipRead, isChipReader, type CardRead, type CardReader, type ChipCardReader, type ChipRead, type ReadRequest } from '../devices/card-reader.js';
import type { PinEntryResult, PinPad } from '../devices/pin-pad.js';
import type { Display, Screen } from '../devices/display.js';
import { isApproval } from '../host/approval.js';
import { deliveryOf } from '../host/host-error.js';
import type { AuthorizationResponse, CardRequestKind, HostClient } from '../host/model.js';
import { screens } from '../display/screens.js';
import { asPosError, isPosError, PosError } from '../util/errors.js';
import { currencyByNumeric } from '../util/iso4217.js';
import { declineReason } from './response-codes.js';
import { asksForTip, enterTip } from './tip-entry.js';
import { CANCELLABLE_STATES, type TransactionResult, type TxnState, type TxnStatus } from './result.js';
import type { HistoryFilter, TxnHistory } from './history.js';
import type { Ledger, Owed } from './ledger.js';
import { OFFLINE_DECLINED_BY_CARD_CODE, OFFLINE_DECLINED_CODE } from './offline-approver.js';
import { FollowUps } from './follow-ups.js';
import { NO_EXTRAS, refundable, startAmounts, type StartInput, type TransactionPolicy } from './start-input.js';

export interface EngineDeps {
  readonly reader: CardReader;
  /** Absent when no PIN pad is attached: a card that needs online PIN then fails with `TXN_PIN_UNAVAILABLE`. */
  readonly pinpad?: PinPad;
  readonly display: Display;
  readonly host: HostClient;
  /** Where each money step is recorded (the journal), STANs taken, duties owed. */
  readonly ledger: Ledger;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly terminal: { readonly id: string; readonly merchantId: string; readonly currency: string };
  /** How long to wait for a card before giving up. */
  readonly cardTimeoutMs?: number;
  /** How long the cardholder may take over the PIN. */
  readonly pinTimeoutMs?: number;
  /** Runs before each authorization goes out: pending reversals (and advices) reach the host first. */
  readonly beforeAuthorize?: () => Promise<void>;
  /** How many ended transactions stay queryable from memory (the history answers for the rest). */
  readonly keepResults?: number;
  /** Ended and earlier transactions, across restarts (the journal); absent: memory only. */
  readonly history?: TxnHistory;
  readonly newId?: () => string;
  /** Unreferenced refunds, tips, cashback (`transactions` in the config); absent: none of them. */
  readonly policy?: TransactionPolicy;
}


interface Running {
  result: TransactionResult;
  /** What the card is read for, and what the host is asked. */
  readonly kind: CardRequestKind;
  /** The cardholder keys a tip on the PIN pad before the card is read. */
  readonly asksForTip: boolean;
  /** When the authorization request went out (DE 7), for its reversal. */
  sentAt?: Date;
  /** The request may have reached the host: an end that is not honoured owes a reversal. */
  mayHaveReachedHost?: boolean;
  /** What the reversal names, once the card is known. */
  card?: { readonly entryMode: CardRead['entryMode']; readonly maskedPan: string };
  /** A reversal duty was recorded for this transaction. */
  reversalOwed?: boolean;
  /** Why the engine stopped the transaction early (the first reason stands). */
  stoppedBy?: StopReason;
  /** The PIN block taken while the terminal's kernel verified the cardholder. */
  pinDuringRead?: PinEntryResult;
  readonly abort: AbortController;
  readonly done: Promise<TransactionResult>;
}

/** The register's cancel, or no card in time: distinct reasons, worded differently to the cardholder. */
type StopReason = 'register' | 'card-timeout';

/** Stops a running transaction early; the first reason stands. */
function stop(running: Running, why: StopReason, error: PosError): void {
  running.stoppedBy ??= why;
  running.abort.abort(error);
}

/** How often a chip card swiped at a chip reader is asked for its chip before the swipe is taken. */
const MAX_CHIP_PROMPTS = 3;

export class TransactionEngine {
  readonly #deps: EngineDeps;
  readonly #ledger: Ledger;
  readonly #results = new Map<string, TransactionResult>();
  readonly #waiters = new Map<string, Promise<TransactionResult>>();
  /** DE 7 of each request this process sent, for a later message that names it. */
  readonly #sentAt = new Map<string, string>();
  #running: Running | null = null;
  /** A void, release, completion or tip adjustment in progress: card transactions wait for it. */
  #followUpRunning = false;
  readonly #followUps: FollowUps;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#ledger = deps.ledger;
    this.#followUps = new FollowUps({
      host: deps.host,
      ledger: deps.ledger,
      clock: deps.clock,
      logger: deps.logger,
      terminal: deps.terminal,
      policy: deps.policy ?? NO_EXTRAS,
      newId: deps.newId ?? randomUUID,
      ...(deps.beforeAuthorize === undefined ? {} : { beforeAuthorize: deps.beforeAuthorize }),
      find: (id) => this.get(id),
      related: (id) => this.related(id),
      stepByReference: (reference) => deps.history?.stepByReference(reference),
      transmittedAt: (id) => this.#sentAt.get(id) ?? deps.history?.transmittedAt(id),
      inOpenBatch: (id) => deps.history?.inOpenBatch(id) ?? true,
      reversed: (id) => deps.history?.reversed(id) ?? false,
      remember: (result) => this.#remember(result),
      exclusive: (work) => this.exclusive(work),
    });
  }

  /** Voids an approved purchase, refund or completion of the open batch (its reversal is owed from here on). */
  void(id: string): Promise<TransactionResult> {
    return this.#followUps.void(id);
  }

  /** Releases an approved pre-authorization that was not completed. */
  release(id: string): Promise<TransactionResult> {
    return this.#followUps.release(id);
  }

  /** Completes an approved pre-authorization for up to its amount; resolves with the completion. */
  complete(id: string, amount: number): Promise<TransactionResult> {
    return this.#followUps.complete(id, amount);
  }

  /** Raises an approved pre-authorization's hold by `amount`; resolves with the pre-authorization. `reference`: the register's idempotency key. */
  increment(id: string, amount: number, reference?: string): Promise<TransactionResult> {
    return this.#followUps.increment(id, amount, reference);
  }

  /** Replaces an approved purchase's tip before the batch closes; resolves with the purchase. */
  adjustTip(id: string, tip: number): Promise<TransactionResult> {
    return this.#followUps.adjustTip(id, tip);
  }

  /**
   * Runs `work` while no transaction runs (else `TXN_BUSY`), keeping new ones
   * out meanwhile: a follow-up, or a batch close (a transaction started
   * during its 0500 would land in the batch being closed).
   */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const current = this.#running?.result.id;
    if (current !== undefined || this.#followUpRunning) throw new PosError('TXN_BUSY', 'A transaction is already in progress', current === undefined ? {} : { current });
    this.#followUpRunning = true;
    try {
      return await work();
    } finally {
      this.#followUpRunning = false;
    }
  }

  /** The transaction in progress, if any. */
  get current(): TransactionResult | null {
    return this.#running?.result ?? null;
  }

  /**
   * Starts a purchase, refund or pre-authorization and returns its first
   * snapshot at once; the rest runs in the background. Throws `TXN_BUSY`
   * while another runs; `TXN_AMOUNT_INVALID`, `TXN_CURRENCY_UNSUPPORTED`,
   * `TXN_TYPE_NOT_ALLOWED`, `TXN_CASHBACK_OVER_LIMIT`, or for a referenced
   * refund `TXN_NOT_FOUND`, `TXN_ORIGINAL_INVALID` and
   * `TXN_AMOUNT_OVER_ORIGINAL`, before anything is recorded.
   */
  start(input: StartInput): TransactionResult {
    if (input.reference !== undefined) {
      const known = this.byReference(input.reference);
      if (known !== undefined) return sameStart(known, input);
      if (this.#deps.history?.stepByReference(input.reference) !== undefined) {
        throw new PosError('TXN_REFERENCE_REUSED', 'That reference names another transaction', { field: 'reference' });
      }
    }
    if (this.#running || this.#followUpRunning) {
      throw new PosError('TXN_BUSY', 'A transaction is already in progress', this.#running ? { current: this.#running.result.id } : {});
    }
    const policy = this.#deps.policy ?? NO_EXTRAS;
    const amounts = startAmounts(input, policy);
    const tipOnPad = asksForTip(policy, this.#deps.pinpad, input);
    this.#validateCurrency(input.currency);
    if (input.type === 'refund' && input.originalId !== undefined) this.#checkRefundable(input.originalId, amounts.total, input.currency);

    const result: TransactionResult = {
      id: (this.#deps.newId ?? randomUUID)(),
      type: input.type,
      ...(input.reference === undefined ? {} : { reference: input.reference }),
      state: tipOnPad ? 'waiting-for-tip' : 'waiting-for-card',
      status: null,
      responseCode: null,
      authCode: null,
      rrn: null,
      stan: null,
      maskedPan: null,
      brand: null,
      entryMode: null,
      amount: amounts.amount,
      ...(amounts.tip > 0 ? { tip: amounts.tip } : {}),
      ...(amounts.cashback > 0 ? { cashback: amounts.cashback } : {}),
      total: amounts.total,
      ...(input.type === 'refund' && input.originalId !== undefined ? { originalId: input.originalId } : {}),
      currency: input.currency,
      startedAt: this.#deps.clock().toISOString(),
      endedAt: null,
    };
    const abort = new AbortController();
    const running: Running = { result, kind: input.type, asksForTip: tipOnPad, abort, done: Promise.resolve(result) };
    this.#ledger.begin({ result });
    this.#running = running;
    this.#remember(result);
    const done = this.#run(running)
      .catch((err: unknown) => this.#abandon(running, err))
      .finally(() => {
      if (this.#running === running) this.#running = null;
      this.#waiters.delete(result.id);
    });
    (running as { done: Promise<TransactionResult> }).done = done;
    this.#waiters.set(result.id, done);
    return result;
  }

  /** What the terminal last said of a transaction: from memory while it is recent, else from the history. */
  get(id: string): TransactionResult | undefined {
    return this.#results.get(id) ?? this.#deps.history?.byId(id);
  }

  /** The transaction a register's idempotency key names, if any. */
  byReference(reference: string): TransactionResult | undefined {
    for (const result of this.#results.values()) if (result.reference === reference) return result;
    return this.#deps.history?.byReference(reference);
  }

  /** The transactions that name `originalId` (its refunds, its completion), each as the terminal last said it. */
  related(originalId: string): TransactionResult[] {
    const listed = (this.#deps.history?.related(originalId) ?? []).map((r) => this.#results.get(r.id) ?? r);
    const seen = new Set(listed.map((r) => r.id));
    return [...listed, ...[...this.#results.values()].filter((r) => r.originalId === originalId && !seen.has(r.id))];
  }

  #checkRefundable(originalId: string, total: number, currency: string): void {
    const original = this.get(originalId);
    if (!original) throw new PosError('TXN_NOT_FOUND', 'No such original transaction', { id: originalId });
    // An offline approval charged nothing until its advice is acknowledged (and never, once it expired): nothing to give back yet.
    if (original.offline === true && this.#deps.history?.adviceAcknowledged(originalId) !== true) {
      throw new PosError('TXN_ORIGINAL_INVALID', 'The original was approved offline and has not reached the host', { originalId, type: original.type, status: original.status ?? original.state });
    }
    const left = refundable(original, this.related(originalId), currency, (id) => this.#deps.history?.reversed(id) ?? false);
    if (total > left) throw new PosError('TXN_AMOUNT_OVER_ORIGINAL', `At most ${left} minor units are left to refund`, { originalId, left });
  }

  /** Transactions from the history, each as the terminal last said it (memory wins for recent ones), oldest first. */
  list(filter: HistoryFilter): TransactionResult[] {
    const listed = (this.#deps.history?.list(filter) ?? []).map((r) => this.#results.get(r.id) ?? r);
    const seen = new Set(listed.map((r) => r.id));
    const since = filter.since?.toISOString();
    // Transactions the journal could not record (it faulted) are known to memory only.
    const memoryOnly = [...this.#results.values()].filter(
      (r) => !seen.has(r.id) && (since === undefined || r.startedAt >= since) && (filter.reference === undefined || r.reference === filter.reference),
    );
    const all = [...listed, ...memoryOnly].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
    return filter.limit === undefined ? all : all.slice(Math.max(0, all.length - filter.limit));
  }

  /** Resolves with the transaction once it has ended (at once if it already has). */
  async wait(id: string): Promise<TransactionResult> {
    const waiter = this.#waiters.get(id);
    if (waiter) return waiter;
    const known = this.get(id);
    if (!known) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    return known;
  }

  /**
   * Cancels a transaction before anything can reach the host (any state up
   * to `sending`) and resolves with its final result. From `authorizing` on
   * it is refused with `TXN_NOT_CANCELLABLE`: the host's answer, or the
   * reversal, decides.
   */
  async cancel(id: string): Promise<TransactionResult> {
    const known = this.get(id);
    if (!known) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    const running = this.#running;
    if (!running || running.result.id !== id || !CANCELLABLE_STATES.includes(running.result.state)) {
      throw new PosError('TXN_NOT_CANCELLABLE', `Transaction is ${known.state}`, { id, state: known.state });
    }
    stop(running, 'register', new PosError('TXN_CANCELLED', 'Cancelled by the cash register', { id }));
    return running.done;
  }

  async #run(running: Running): Promise<TransactionResult> {
    const log = this.#deps.logger.child({ txn: running.result.id });
    if (running.asksForTip) {
      const ended = await this.#enterTip(running, log);
      if (ended !== undefined) return ended;
    }
    const amount = amountOf(running.result);
    log.info({ state: 'waiting-for-card', type: running.result.type, amount: amount.minor, currency: amount.currency }, `${running.result.type} started`);

    const timeoutMs = this.#deps.cardTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () => stop(running, 'card-timeout', new PosError('TXN_CANCELLED', 'No card presented in time', { timeoutMs })),
      timeoutMs,
    );
    let read: CardRead;
    try {
      read = await this.#readCard(running, log);
    } catch (err) {
      const error = asPosError(err, 'card read');
      const aborted = running.abort.signal.aborted;
      const reason = aborted ? cancelReason(running.stoppedBy) : readFailureReason(error);
      // A reader that vanished mid-transaction cancels it (nothing was sent); a bad card fails it.
      const status: TxnStatus = aborted || error.kind === 'cancelled' || error.kind === 'disconnected' ? 'cancelled' : 'failed';
      return this.#end(running, log, status, { errorCode: aborted ? 'TXN_CANCELLED' : error.code, reason });
    } finally {
      clearTimeout(timer);
    }

    const card = read.card;
    let pin: PinEntryResult | undefined;
    try {
      this.#update(running, { state: 'card-read', maskedPan: card.pan.masked(), brand: card.brand, entryMode: read.entryMode, ...(isChipRead(read) && read.emv ? { emv: read.emv } : {}) });
      running.card = { entryMode: read.entryMode, maskedPan: card.pan.masked() };
      this.#ledger.cardRead({ result: running.result, card: { pan: card.pan, brand: card.brand, entryMode: read.entryMode } });
      log.info({ maskedPan: card.pan.masked(), brand: card.brand, entryMode: read.entryMode, chip: isChipRead(read) }, 'card read');

      if (isExpired(card.expiry, this.#deps.clock())) {
        return await this.#end(running, log, 'declined', { errorCode: 'CARD_EXPIRED', reason: 'EXPIRED CARD' });
      }
      // A refund asks the card for an AAC (nothing for the card to approve): its answer goes online all the same.
      if (isChipRead(read) && read.firstDecision === 'declined-offline' && running.result.type !== 'refund') {
        return await this.#end(running, log, 'declined', { responseCode: OFFLINE_DECLINED_BY_CARD_CODE, errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD' });
      }
      if (isChipRead(read) && read.onlinePinEntered === true) {
        pin = running.pinDuringRead;
        delete running.pinDuringRead;
        if (pin === undefined) return await this.#end(running, log, 'failed', { errorCode: 'TXN_PIN_UNAVAILABLE', reason: 'PIN NOT SUPPORTED' });
      }
      if (isChipRead(read) && read.firstDecision === 'approved-offline' && running.result.type === 'purchase') {
        const offline = await this.#approvedByCard(running, log, read);
        if (offline !== null) return offline;
        return await this.#end(running, log, 'declined', { responseCode: OFFLINE_DECLINED_BY_CARD_CODE, errorCode: 'TXN_OFFLINE_REFUSED', reason: 'NOT AUTHORISED OFFLINE' });
      }
      if (read.pinRequired && card.panMasked === true) {
        // A PIN block is built with the PAN (ISO 9564 format 0); a masked PAN would make a wrong one.
        return await this.#end(running, log, 'failed', { errorCode: 'TXN_PIN_UNAVAILABLE', reason: 'PIN NOT SUPPORTED' });
      }
      if (read.pinRequired && pin === undefined) {
        const entered = await this.#requestPin(running, log, card);
        if ('ended' in entered) return entered.ended;
        pin = entered.pin;
      }
      return await this.#authorize(running, log, read, pin);
    } finally {
      wipeRead(read);
      pin?.pinBlock.wipe();
      running.pinDuringRead?.pinBlock.wipe();
    }
  }

  /**
   * The tip, keyed by the cardholder before the card: recorded before the
   * register sees the new total. Resolves with the ended transaction when it
   * cannot go on (cancelled at the pad or the register, timed out, the pad
   * gone or answering nonsense); nothing was read or sent then.
   */
  async #enterTip(running: Running, log: Logger): Promise<TransactionResult | undefined> {
    const { pinpad } = this.#deps;
    if (pinpad === undefined) throw new PosError('INTERNAL', 'A tip is asked for without a PIN pad', {});
    log.info({ state: 'waiting-for-tip', amount: running.result.amount }, `${running.result.type} started: tip on the PIN pad`);
    await this.#show(screens.enterTip(amountOf(running.result)), log);
    let tip: number;
    try {
      tip = await enterTip(pinpad, this.#deps.policy ?? NO_EXTRAS, { amount: running.result.amount, cashback: running.result.cashback ?? 0 }, running.abort.signal);
    } catch (err) {
      const error = asPosError(err, 'tip entry');
      if (running.abort.signal.aborted) return this.#end(running, log, 'cancelled', { errorCode: 'TXN_CANCELLED', reason: cancelReason(running.stoppedBy) });
      const stopped = error.kind === 'cancelled' || error.kind === 'timeout' || error.kind === 'disconnected';
      return this.#end(running, log, stopped ? 'cancelled' : 'failed', { errorCode: error.code, reason: error.kind === 'timeout' ? 'NO TIP ENTERED' : stopped ? 'CANCELLED' : 'PIN PAD ERROR' });
    }
    if (tip > 0) {
      const entered: TransactionResult = { ...running.result, tip, total: running.result.total + tip };
      this.#ledger.tipEntered({ result: entered });
      this.#update(running, { tip, total: entered.total });
    }
    log.info({ tip }, 'tip entered');
    this.#update(running, { state: 'waiting-for-card' });
    return undefined;
  }

  /**
   * Reads a card. A chip card swiped at a reader with a chip interface is asked
   * to be inserted instead (EMV: chip first); the reader itself reports a
   * fallback swipe after a chip failure as entry mode `fallback`.
   */
  async #readCard(running: Running, log: Logger): Promise<CardRead> {
    const { reader } = this.#deps;
    const amount = amountOf(running.result);
    const { cashback } = running.result;
    const request: ReadRequest = {
      amountMinor: amount.minor,
      currency: amount.currency,
      purpose: running.kind,
      ...(cashback === undefined ? {} : { cashbackMinor: cashback }),
      ...(this.#deps.pinpad ? { enterOnlinePin: (card: ChipCard) => this.#pinDuringRead(running, log, card) } : {}),
      useStripe: () => void this.#show(screens.useStripe(amount), log),
      insertCard: () => void this.#show(screens.insertCard(amount), log),
    };
    const chipFirst = isChipReader(reader);
    const presented = screens.presentCard(amount, chipFirst);
    // The cardholder is told what the card is for when it is not a sale.
    await this.#show(running.result.type === 'refund' ? { ...presented, reason: 'REFUND' } : running.result.type === 'preauth' ? { ...presented, reason: 'PRE-AUTHORIZATION' } : presented, log);
    for (let attempt = 1; ; attempt++) {
      let read: CardRead;
      try {
        // A cancel that came while the prompt was being shown: the reader is not armed at all.
        running.abort.signal.throwIfAborted();
        read = await reader.readCard(request, running.abort.signal);
      } catch (err) {
        // A chip reader that refuses the swipe of a chip card itself says so with CHIP_CARD_SWIPED.
        if (!isPosError(err, 'CHIP_CARD_SWIPED') || attempt >= MAX_CHIP_PROMPTS) throw err;
        log.info({ attempt }, 'chip card swiped: asking for the chip');
        await this.#show(screens.insertChip(amount), log);
        continue;
      }
      if (read.entryMode !== 'swipe' || !chipFirst || !interpretServiceCode(read.card.serviceCode).chip || attempt >= MAX_CHIP_PROMPTS) {
        return read;
      }
      log.info({ maskedPan: read.card.pan.masked(), attempt }, 'chip card swiped: asking for the chip');
      wipeRead(read);
      await this.#show(screens.insertChip(amount), log);
    }
  }

  /**
   * Online PIN asked by the terminal's kernel during cardholder verification:
   * the PIN block is kept for the request; a cardholder who gives none, or a
   * PIN pad that fails, rejects (the kernel decides what that means).
   */
  async #pinDuringRead(running: Running, log: Logger, card: ChipCard): Promise<void> {
    const amount = amountOf(running.result);
    const { pinpad } = this.#deps;
    if (!pinpad) throw new PosError('TXN_PIN_UNAVAILABLE', 'No PIN pad is attached', {});
    this.#update(running, { state: 'waiting-for-pin' });
    await this.#show(screens.enterPin(amount), log);
    const pin = await pinpad.requestPin(
      { pan: card.pan, amountMinor: amount.minor, currency: amount.currency, timeoutMs: this.#deps.pinTimeoutMs ?? 60_000 },
      running.abort.signal,
    );
    running.pinDuringRead?.pinBlock.wipe();
    running.pinDuringRead = pin;
    log.info({ format: pin.format }, 'PIN block received');
    await this.#show(screens.processing(amount), log);
  }

  /** Online PIN from the PIN pad; ends the transaction itself when the cardholder cancels or the pad fails. */
  async #requestPin(running: Running, log: Logger, card: PaymentCard): Promise<{ pin: PinEntryResult } | { ended: TransactionResult }> {
    const amount = amountOf(running.result);
    const { pinpad } = this.#deps;
    if (!pinpad) {
      return { ended: await this.#end(running, log, 'failed', { errorCode: 'TXN_PIN_UNAVAILABLE', reason: 'PIN PAD REQUIRED' }) };
    }
    if (running.abort.signal.aborted) return { ended: await this.#endCancelled(running, log) };
    this.#update(running, { state: 'waiting-for-pin' });
    await this.#show(screens.enterPin(amount), log);
    try {
      const pin = await pinpad.requestPin(
        { pan: card.pan, amountMinor: amount.minor, currency: amount.currency, timeoutMs: this.#deps.pinTimeoutMs ?? 60_000 },
        running.abort.signal,
      );
      log.info({ format: pin.format }, 'PIN block received');
      return { pin };
    } catch (err) {
      if (running.abort.signal.aborted) return { ended: await this.#endCancelled(running, log) };
      const error = asPosError(err, 'PIN entry');
      const status: TxnStatus = error.kind === 'cancelled' || error.kind === 'timeout' || error.kind === 'disconnected' ? 'cancelled' : 'failed';
      const reason = error.kind === 'timeout' ? 'NO PIN ENTERED' : error.kind === 'disconnected' ? 'PIN PAD DISCONNECTED' : error.kind === 'cancelled' ? 'CANCELLED BY CARDHOLDER' : 'PIN PAD ERROR';
      return { ended: await this.#end(running, log, status, { errorCode: error.code, reason }) };
    }
  }

  async #authorize(running: Running, log: Logger, read: CardRead, pin: PinEntryResult | undefined): Promise<TransactionResult> {
    const amount = amountOf(running.result);
    this.#update(running, { state: 'sending' });
    if (!(await this.#readyToSend(running))) return this.#endCancelled(running, log);
    // From here to the host call nothing awaits: a cancel either came before (handled above) or meets `authorizing` and is refused.
    const at = this.#deps.clock();
    const stan = this.#ledger.sent({ result: running.result, at, ...(pin === undefined ? {} : { onlinePin: true as const }) });
    running.sentAt = at;
    this.#sentAt.set(running.result.id, at.toISOString());
    this.#update(running, { state: 'authorizing', stan });
    running.mayHaveReachedHost = true;
    log.info({ state: 'authorizing', stan }, 'sending authorization');

    let response: AuthorizationResponse;
    try {
      const { tip, cashback } = running.result;
      const authorizing = this.#deps.host.authorize({
        kind: running.kind,
        stan,
        at,
        amountMinor: amount.minor,
        ...(tip === undefined ? {} : { tipMinor: tip }),
        ...(cashback === undefined ? {} : { cashbackMinor: cashback }),
        currency: amount.currency,
        entryMode: read.entryMode,
        card: read.card,
        terminalId: this.#deps.terminal.id,
        merchantId: this.#deps.terminal.merchantId,
        ...(pin ? { pin } : {}),
        ...(isChipRead(read) ? { chip: read.chip } : read.encrypted ? { encryptedTracks: read.encrypted } : {}),
      });
      await this.#show(screens.processing(amount), log);
      response = await authorizing;
    } catch (err) {
      const error = asPosError(err, 'authorization');
      if (deliveryOf(error) === 'maybe-sent') {
        this.#owesReversal(running, log, error.code);
      } else {
        running.mayHaveReachedHost = false;
      }
      const offline = await this.#approveOffline(running, log, read, error);
      if (offline !== null) return offline;
      return this.#end(running, log, 'failed', { errorCode: error.code, reason: hostFailureReason(error) });
    }

    const fields = { responseCode: response.responseCode, authCode: response.authCode, rrn: response.rrn };
    this.#update(running, fields);
    this.#ledger.answered({ result: running.result });
    const hostApproved = response.approved && isApproval(response.responseCode);

    const chipReader = cardDialog(this.#deps.reader, read, running.result.type);
    if (chipReader !== null) return this.#completeChip(running, log, chipReader, response, hostApproved);
    if (hostApproved) return this.#end(running, log, 'approved', fields);
    return this.#end(running, log, 'declined', { ...withoutApproval(fields), reason: declineReason(response.responseCode) });
  }

  /**
   * Waits for what must reach the host first (owed reversals), unless the
   * register cancels meanwhile. Resolves false when the transaction was
   * cancelled: nothing has been sent for it.
   */
  async #readyToSend(running: Running): Promise<boolean> {
    const signal = running.abort.signal;
    if (signal.aborted) return false;
    const before = this.#deps.beforeAuthorize?.();
    if (before !== undefined) {
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<void>((resolve) => {
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([before, aborted]);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    }
    return !signal.aborted;
  }

  #endCancelled(running: Running, log: Logger): Promise<TransactionResult> {
    return this.#end(running, log, 'cancelled', { errorCode: 'TXN_CANCELLED', reason: cancelReason(running.stoppedBy) });
  }

  /**
   * Hands the host's answer to the card (second GENERATE AC). The card has the
   * last word: a card that declines after the host approved leaves an approval
   * at the host that no customer will honour, so it is reversed.
   */
  async #completeChip(running: Running, log: Logger, reader: ChipCardReader, response: AuthorizationResponse, hostApproved: boolean): Promise<TransactionResult> {
    const fields = { responseCode: response.responseCode, authCode: response.authCode, rrn: response.rrn };
    this.#update(running, { state: 'completing' });
    let decision: 'approved' | 'declined';
    try {
      // Not abortable: once the host has answered, the card must hear it (or the approval is reversed).
      const completion = await reader.completeChip(
        { approved: hostApproved, responseCode: response.responseCode, issuerTlv: response.issuerTlv ?? Buffer.alloc(0) },
        new AbortController().signal,
      );
      decision = completion.decision;
      if (completion.emv) this.#update(running, { emv: completion.emv });
    } catch (err) {
      const error = asPosError(err, 'chip completion');
      if (hostApproved) this.#owesReversal(running, log, error.code);
      return this.#end(running, log, 'failed', { ...withoutApproval(fields), errorCode: error.code, reason: 'CARD REMOVED - NOT COMPLETED' });
    }
    if (hostApproved && decision === 'approved') return this.#end(running, log, 'approved', fields);
    if (hostApproved) {
      this.#owesReversal(running, log, 'TXN_CARD_DECLINED');
      return this.#end(running, log, 'declined', { ...withoutApproval(fields), errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD' });
    }
    return this.#end(running, log, 'declined', { ...withoutApproval(fields), reason: declineReason(response.responseCode) });
  }

  /**
   * The host could not be reached and nothing was sent: store-and-forward may
   * approve (the ledger asks its policy). Only `HOST_UNREACHABLE` with
   * `delivery: 'not-sent'` qualifies — any doubt that the host saw
   * the request means a reversal, never an offline approval. A chip card has
   * the last word (TC approves; AAC declines with Z3 and no advice). Returns
   * null when the policy refuses: the purchase then fails.
   */
  async #approveOffline(running: Running, log: Logger, read: CardRead, error: PosError): Promise<TransactionResult | null> {
    // A hold needs the host to hold it; a refund only of a purchase the host approved, where the acquirer agreed (the ledger's policy says).
    if (running.result.type !== 'purchase' && running.result.type !== 'refund') return null;
    if (running.result.type === 'refund' && running.result.originalId === undefined) return null;
    if (error.code !== 'HOST_UNREACHABLE' || deliveryOf(error) !== 'not-sent') return null;
    const { stan } = running.result;
    const grant = this.#ledger.approveOffline({ result: running.result, read });
    if (!grant.granted) {
      log.info({ refusal: grant.refusal }, 'offline approval refused');
      return null;
    }
    this.#update(running, { responseCode: grant.responseCode, authCode: grant.authCode });
    log.warn({ stan, responseCode: grant.responseCode }, 'host unreachable: approving offline');
    let completionTlv: Buffer | undefined;
    const chipReader = cardDialog(this.#deps.reader, read, running.result.type);
    if (chipReader !== null) {
      try {
        const completion = await chipReader.completeChip(
          { unableToGoOnline: true, approved: true, responseCode: grant.responseCode, issuerTlv: Buffer.alloc(0) },
          new AbortController().signal,
        );
        if (completion.decision !== 'approved') {
          return await this.#end(running, log, 'declined', { responseCode: OFFLINE_DECLINED_CODE, authCode: null, errorCode: 'TXN_CARD_DECLINED', reason: 'DECLINED BY CARD' });
        }
        completionTlv = completion.tlv;
      } catch (err) {
        return await this.#end(running, log, 'failed', { responseCode: null, authCode: null, errorCode: asPosError(err, 'chip completion').code, reason: 'CARD REMOVED - NOT COMPLETED' });
      }
    }
    this.#update(running, { offline: true });
    return this.#end(running, log, 'approved', {}, { duty: 'advice', read, ...(completionTlv === undefined ? {} : { completionTlv }) });
  }

  /**
   * The card approved offline at its first GENERATE AC (a TC below the floor
   * limit, as the terminal's kernel asked): the approval is recorded (Y1)
   * with the STAN its advice goes with, and the advice is owed. Null when
   * store-and-forward may not take it; the card's approval then stands for
   * nothing and the purchase is declined.
   */
  async #approvedByCard(running: Running, log: Logger, read: ChipRead): Promise<TransactionResult | null> {
    const grant = this.#ledger.approveOffline({ result: running.result, read, byCardAt: this.#deps.clock() });
    if (!grant.granted) {
      log.info({ refusal: grant.refusal }, 'approved by the card, but no advice can be queued');
      return null;
    }
    this.#update(running, { responseCode: grant.responseCode, authCode: grant.authCode, stan: grant.stan, offline: true });
    log.info({ stan: grant.stan, responseCode: grant.responseCode }, 'approved offline by the card');
    return this.#end(running, log, 'approved', {}, { duty: 'advice', read });
  }

  /** Records that the request must be reversed at the host (it may have been, or was, approved there). */
  #owesReversal(running: Running, log: Logger, reason: string): void {
    const stan = running.result.stan ?? '';
    running.reversalOwed = true;
    this.#ledger.reversalOwed({
      transactionId: running.result.id,
      original: running.result.type,
      stan,
      terminalId: this.#deps.terminal.id,
      transmittedAt: (running.sentAt ?? this.#deps.clock()).toISOString(),
      amountMinor: running.result.total,
      currency: running.result.currency,
      entryMode: running.card?.entryMode ?? 'swipe',
      reason,
      maskedPan: running.card?.maskedPan ?? '',
      ...(running.result.cashback === undefined ? {} : { cashbackMinor: running.result.cashback }),
    });
    log.warn({ stan, reason }, 'reversal pending');
  }

  async #end(
    running: Running,
    log: Logger,
    status: TxnStatus,
    fields: Partial<Pick<TransactionResult, 'responseCode' | 'authCode' | 'rrn' | 'errorCode' | 'reason'>>,
    advice?: Owed & { readonly duty: 'advice' },
  ): Promise<TransactionResult> {
    const ended = this.#update(running, { ...fields, state: status, status, endedAt: this.#deps.clock().toISOString() });
    const owes: Owed | undefined = running.reversalOwed === true ? { duty: 'reversal' } : advice;
    this.#ledger.ended({ result: ended, ...(owes === undefined ? {} : { owes }) });
    log.info(
      { state: status, responseCode: ended.responseCode, errorCode: ended.errorCode ?? null, stan: ended.stan, maskedPan: ended.maskedPan },
      `${ended.type} ${status}`,
    );
    const amount = amountOf(ended);
    const reason = ended.reason ?? '';
    await this.#show(
      status === 'approved'
        ? ended.offline === true
          ? { ...screens.approved(amount, ended.authCode), prompt: 'APPROVED (OFFLINE)' }
          : ended.type === 'refund'
            ? { ...screens.approved(amount, ended.authCode), prompt: 'REFUND APPROVED' }
            : screens.approved(amount, ended.authCode)
        : status === 'declined'
          ? screens.declined(amount, reason)
          : status === 'cancelled'
            ? screens.cancelled(amount, reason)
            : screens.failed(amount, reason),
      log,
    );
    return ended;
  }

  /**
   * The flow itself failed (the journal refused a step, a bug): end the
   * transaction as failed in memory and on the display, without touching the
   * journal again. If the request may have reached the host, nothing here
   * honours it: a reversal is owed (kept in memory when the journal cannot
   * take it) and the result carries no approving code.
   */
  async #abandon(running: Running, err: unknown): Promise<TransactionResult> {
    const error = asPosError(err, 'transaction flow');
    const log = this.#deps.logger.child({ txn: running.result.id });
    log.error({ err: error }, 'transaction abandoned');
    if (running.mayHaveReachedHost === true && running.reversalOwed !== true) {
      try {
        this.#owesReversal(running, log, error.code);
      } catch (dutyErr) {
        log.error({ err: asPosError(dutyErr, 'reversal duty') }, 'reversal duty could not be recorded: start-up recovery will owe it');
      }
    }
    const ended = this.#update(running, {
      state: 'failed',
      status: 'failed',
      ...withoutApproval({ responseCode: running.result.responseCode, authCode: running.result.authCode }),
      offline: false,
      errorCode: error.code,
      reason: 'TERMINAL FAULT',
      endedAt: this.#deps.clock().toISOString(),
    });
    await this.#show(screens.failed(amountOf(ended), 'TERMINAL FAULT'), log);
    return ended;
  }

  #update(running: Running, patch: Partial<Omit<TransactionResult, 'id'>> & { state?: TxnState }): TransactionResult {
    running.result = { ...running.result, ...patch };
    this.#remember(running.result);
    return running.result;
  }

  #remember(result: TransactionResult): void {
    this.#results.delete(result.id);
    this.#results.set(result.id, result);
    const keep = this.#deps.keepResults ?? 200;
    for (const id of this.#results.keys()) {
      if (this.#results.size <= keep) break;
      this.#results.delete(id);
      this.#sentAt.delete(id);
    }
  }

  async #show(screen: Screen, log: Logger): Promise<void> {
    try {
      await this.#deps.display.show(screen);
    } catch (err) {
      // A broken display must not decide a payment: log it and carry on.
      log.error({ err: asPosError(err, 'display') }, 'display failed');
    }
  }

  #validateCurrency(currency: string): void {
    if (!currencyByNumeric(currency)) {
      throw new PosError('TXN_CURRENCY_UNSUPPORTED', 'Not an ISO 4217 numeric currency code', { currency });
    }
    if (currency !== this.#deps.terminal.currency) {
      throw new PosError('TXN_CURRENCY_UNSUPPORTED', `This terminal takes ${this.#deps.terminal.currency} only`, {
        currency,
        accepted: [this.#deps.terminal.currency],
      });
    }
  }
}

/** What the card is charged or credited, for the display and the reader. */
function amountOf(result: TransactionResult): { readonly minor: number; readonly currency: string } {
  return { minor: result.total, currency: result.currency };
}

/**
 * The reader the card of a chip read hears the host's answer through; null
 * for a swipe, for a contactless read (the card left the field after its one
 * cryptogram: EMV Contactless Books C-2 and C-3 have no second GENERATE AC),
 * and when the first cryptogram ended the card's part: an AAC (a refund) or a
 * TC (a pre-authorization a reader's kernel let the card approve). The
 * host's answer is then final.
 */
function cardDialog(reader: CardReader, read: CardRead, type: TransactionResult['type']): ChipCardReader | null {
  if (!isChipRead(read) || read.entryMode === 'contactless' || !isChipReader(reader)) return null;
  return type === 'refund' || read.firstDecision === 'approved-offline' ? null : reader;
}

/** Zeroes what the read holds: the card's identity, and the chip's data or the stripe's other tracks. */
function wipeRead(read: CardRead): void {
  read.card.pan.wipe();
  read.card.track2.wipe();
  if (isChipRead(read)) {
    read.chip.tlv.wipe();
  } else {
    read.card.track1?.wipe();
    read.card.cardholderName?.wipe();
  }
}

function cancelReason(stoppedBy: StopReason | undefined): string {
  return stoppedBy === 'card-timeout' ? 'NO CARD PRESENTED' : 'CANCELLED';
}

/** The answer's codes on a result that did not honour it: an approving code (or auth code) must not reach the register. */
function withoutApproval<T extends { responseCode: string | null; authCode: string | null }>(fields: T): T {
  return { ...fields, responseCode: isApproval(fields.responseCode) ? null : fields.responseCode, authCode: null };
}

/** A repeated start with a known idempotency key: the same start returns its transaction, another one is refused. */
function sameStart(known: TransactionResult, input: StartInput): TransactionResult {
  // The tip is left out: it may have been adjusted since.
  const cashback = input.type === 'purchase' ? (input.cashback ?? 0) : 0;
  const originalId = input.type === 'refund' ? input.originalId : undefined;
  if (
    known.type !== input.type ||
    known.amount !== input.amount ||
    known.currency !== input.currency ||
    (known.cashback ?? 0) !== cashback ||
    known.originalId !== originalId
  ) {
    throw new PosError('TXN_REFERENCE_REUSED', `That reference names another ${known.type}`, {
      reference: input.reference ?? '',
      id: known.id,
    });
  }
  return known;
}

/** Chip reads the card itself ended, and what the customer reads. */
const CARD_ENDED_READ: Partial<Record<string, string>> = {
  EMV_CARD_REMOVED: 'CARD REMOVED',
  EMV_CARD_BLOCKED: 'CARD BLOCKED',
  EMV_APPLICATION_BLOCKED: 'CARD BLOCKED',
  EMV_NO_APPLICATION: 'CARD NOT SUPPORTED',
};

function readFailureReason(error: PosError): string {
  // The card's own answers first: a pulled card is no reader fault, and a blocked card will not read on a second try.
  const byCard = CARD_ENDED_READ[error.code];
  if (byCard !== undefined) return byCard;
  switch (error.kind) {
    case 'disconnected':
      return 'READER DISCONNECTED';
    case 'timeout':
      return 'CARD READ TIMED OUT';
    case 'busy':
      return 'READER BUSY';
    default:
      return error.code === 'CARD_PAN_LUHN' || error.code === 'CARD_PAN_INVALID' ? 'INVALID CARD' : 'CARD READ ERROR - TRY AGAIN';
  }
}

function hostFailureReason(error: PosError): string {
  switch (error.code) {
    case 'HOST_UNREACHABLE':
      return 'HOST UNAVAILABLE';
    case 'HOST_TIMEOUT':
      return 'NO HOST RESPONSE';
    case 'HOST_CONNECTION_LOST':
      return 'HOST CONNECTION LOST';
    default:
      return 'HOST ERROR';
  }
}
