/**
 * The purchase state machine, one transaction at a time:
 *
 *   waiting-for-card ──card──▶ authorizing ──00──▶ approved
 *          │                        ├──other──▶ declined
 *          ├──cancel/timeout──▶ cancelled       └──error──▶ failed (+ reversal duty when the request may have reached the host)
 *          └──bad read / expired──▶ failed / declined (nothing sent)
 *
 * Devices, host, clock and STANs come in through `EngineDeps`, so the same
 * engine runs on a Pi's devices, on virtual devices, or on in-memory fakes.
 * Every transition is logged with masked data only.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isExpired } from '../card/expiry.js';
import type { MagstripeCard } from '../card/types.js';
import type { CardReader, CardRead } from '../devices/card-reader.js';
import type { Display, Screen } from '../devices/display.js';
import type { HostClient } from '../host/model.js';
import { screens } from '../display/screens.js';
import { asPosError, PosError } from '../util/errors.js';
import { currencyByNumeric } from '../util/iso4217.js';
import { declineReason, isApproval } from './response-codes.js';
import type { ReversalStore } from '../host/reversal-store.js';
import type { TransactionResult, TxnState, TxnStatus } from './result.js';
import type { StanSource } from './stan.js';

/** DE 4 is n12: the largest amount the request can carry. */
export const MAX_AMOUNT_MINOR = 999_999_999_999;

export interface EngineDeps {
  readonly reader: CardReader;
  readonly display: Display;
  readonly host: HostClient;
  readonly stan: StanSource;
  readonly reversals: ReversalStore;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly terminal: { readonly id: string; readonly merchantId: string; readonly currency: string };
  /** How long to wait for a card before giving up. */
  readonly cardTimeoutMs?: number;
  /** How many ended transactions stay queryable. */
  readonly keepResults?: number;
  readonly newId?: () => string;
}

export interface PurchaseInput {
  readonly type: 'purchase';
  readonly amount: number;
  readonly currency: string;
}

interface Running {
  result: TransactionResult;
  readonly abort: AbortController;
  readonly done: Promise<TransactionResult>;
}

export class TransactionEngine {
  readonly #deps: EngineDeps;
  readonly #results = new Map<string, TransactionResult>();
  readonly #waiters = new Map<string, Promise<TransactionResult>>();
  #running: Running | null = null;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
  }

  /** The transaction in progress, if any. */
  get current(): TransactionResult | null {
    return this.#running?.result ?? null;
  }

  /**
   * Starts a purchase and returns its first snapshot at once; the rest runs in
   * the background. Throws `TXN_BUSY` while another runs, `TXN_AMOUNT_INVALID`
   * or `TXN_CURRENCY_UNSUPPORTED` for bad input.
   */
  start(input: PurchaseInput): TransactionResult {
    if (this.#running) throw new PosError('TXN_BUSY', 'A transaction is already in progress', { current: this.#running.result.id });
    validateAmount(input.amount);
    this.#validateCurrency(input.currency);

    const result: TransactionResult = {
      id: (this.#deps.newId ?? randomUUID)(),
      type: 'purchase',
      state: 'waiting-for-card',
      status: null,
      responseCode: null,
      authCode: null,
      rrn: null,
      stan: null,
      maskedPan: null,
      brand: null,
      entryMode: null,
      amount: input.amount,
      currency: input.currency,
      startedAt: this.#deps.clock().toISOString(),
      endedAt: null,
    };
    const abort = new AbortController();
    const running: Running = { result, abort, done: Promise.resolve(result) };
    this.#running = running;
    this.#remember(result);
    const done = this.#run(running).finally(() => {
      if (this.#running === running) this.#running = null;
      this.#waiters.delete(result.id);
    });
    (running as { done: Promise<TransactionResult> }).done = done;
    this.#waiters.set(result.id, done);
    return result;
  }

  get(id: string): TransactionResult | undefined {
    return this.#results.get(id);
  }

  /** Resolves with the transaction once it has ended (at once if it already has). */
  async wait(id: string): Promise<TransactionResult> {
    const waiter = this.#waiters.get(id);
    if (waiter) return waiter;
    const known = this.#results.get(id);
    if (!known) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    return known;
  }

  /**
   * Cancels a transaction still waiting for its card. Once the request has
   * gone to the host it can no longer be cancelled (`TXN_NOT_CANCELLABLE`):
   * the host's answer, or the reversal, decides.
   */
  cancel(id: string): TransactionResult {
    const known = this.#results.get(id);
    if (!known) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    const running = this.#running;
    if (!running || running.result.id !== id || running.result.state !== 'waiting-for-card') {
      throw new PosError('TXN_NOT_CANCELLABLE', `Transaction is ${known.state}`, { id, state: known.state });
    }
    running.abort.abort(new PosError('TXN_CANCELLED', 'Cancelled by the cash register', { id }));
    return running.result;
  }

  async #run(running: Running): Promise<TransactionResult> {
    const amount = { minor: running.result.amount, currency: running.result.currency };
    const log = this.#deps.logger.child({ txn: running.result.id });
    log.info({ state: 'waiting-for-card', amount: amount.minor, currency: amount.currency }, 'purchase started');
    await this.#show(screens.presentCard(amount), log);

    let read: CardRead;
    const timeoutMs = this.#deps.cardTimeoutMs ?? 60_000;
    const timer = setTimeout(
      () => running.abort.abort(new PosError('TXN_CANCELLED', 'No card presented in time', { timeoutMs })),
      timeoutMs,
    );
    try {
      read = await this.#deps.reader.readCard({ amountMinor: amount.minor, currency: amount.currency }, running.abort.signal);
    } catch (err) {
      const error = asPosError(err, 'card read');
      const reason = running.abort.signal.aborted ? cancelReason(running.abort.signal.reason) : readFailureReason(error);
      const status: TxnStatus = error.kind === 'cancelled' || running.abort.signal.aborted ? 'cancelled' : 'failed';
      return this.#end(running, log, status, { errorCode: running.abort.signal.aborted ? 'TXN_CANCELLED' : error.code, reason });
    } finally {
      clearTimeout(timer);
    }

    const card = read.card;
    try {
      this.#update(running, {
        maskedPan: card.pan.masked(),
        brand: card.brand,
        entryMode: read.entryMode,
      });
      log.info({ maskedPan: card.pan.masked(), brand: card.brand, entryMode: read.entryMode }, 'card read');

      if (isExpired(card.expiry, this.#deps.clock())) {
        return this.#end(running, log, 'declined', { errorCode: 'CARD_EXPIRED', reason: 'EXPIRED CARD' });
      }
      return await this.#authorize(running, log, card, read);
    } finally {
      wipeCard(card);
    }
  }

  async #authorize(running: Running, log: Logger, card: MagstripeCard, read: CardRead): Promise<TransactionResult> {
    const amount = { minor: running.result.amount, currency: running.result.currency };
    const stan = this.#deps.stan.next();
    const at = this.#deps.clock();
    this.#update(running, { state: 'authorizing', stan });
    log.info({ state: 'authorizing', stan }, 'sending authorization');
    await this.#show(screens.processing(amount), log);

    try {
      const response = await this.#deps.host.authorize({
        kind: 'purchase',
        stan,
        at,
        amountMinor: amount.minor,
        currency: amount.currency,
        entryMode: read.entryMode,
        card,
        terminalId: this.#deps.terminal.id,
        merchantId: this.#deps.terminal.merchantId,
      });
      const fields = { responseCode: response.responseCode, authCode: response.authCode, rrn: response.rrn };
      if (response.approved && isApproval(response.responseCode)) {
        return this.#end(running, log, 'approved', fields);
      }
      return this.#end(running, log, 'declined', { ...fields, reason: declineReason(response.responseCode) });
    } catch (err) {
      const error = asPosError(err, 'authorization');
      if (error.details['requestMayHaveReachedHost'] === true) {
        this.#deps.reversals.add({
          transactionId: running.result.id,
          original: 'purchase',
          stan,
          terminalId: this.#deps.terminal.id,
          transmittedAt: at.toISOString(),
          amountMinor: amount.minor,
          currency: amount.currency,
          entryMode: read.entryMode,
          reason: error.code,
          maskedPan: card.pan.masked(),
        });
        log.warn({ stan, errorCode: error.code }, 'outcome unknown: reversal pending');
      }
      return this.#end(running, log, 'failed', { errorCode: error.code, reason: hostFailureReason(error) });
    }
  }

  async #end(
    running: Running,
    log: Logger,
    status: TxnStatus,
    fields: Partial<Pick<TransactionResult, 'responseCode' | 'authCode' | 'rrn' | 'errorCode' | 'reason'>>,
  ): Promise<TransactionResult> {
    const ended = this.#update(running, { ...fields, state: status, status, endedAt: this.#deps.clock().toISOString() });
    log.info(
      { state: status, responseCode: ended.responseCode, errorCode: ended.errorCode ?? null, stan: ended.stan, maskedPan: ended.maskedPan },
      `purchase ${status}`,
    );
    const amount = { minor: ended.amount, currency: ended.currency };
    const reason = ended.reason ?? '';
    await this.#show(
      status === 'approved'
        ? screens.approved(amount, ended.authCode)
        : status === 'declined'
          ? screens.declined(amount, reason)
          : status === 'cancelled'
            ? screens.cancelled(amount, reason)
            : screens.failed(amount, reason),
      log,
    );
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

function validateAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT_MINOR) {
    throw new PosError('TXN_AMOUNT_INVALID', 'Amount must be a positive whole number of minor units', { max: MAX_AMOUNT_MINOR });
  }
}

function wipeCard(card: MagstripeCard): void {
  card.pan.wipe();
  card.track2.wipe();
  card.track1?.wipe();
  card.cardholderName?.wipe();
}

function cancelReason(reason: unknown): string {
  return reason instanceof PosError && reason.details['timeoutMs'] !== undefined ? 'NO CARD PRESENTED' : 'CANCELLED';
}

function readFailureReason(error: PosError): string {
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
