/**
 * `HostClient` speaking ISO 8583 (iso87ascii by default) through a
 * `HostChannel`, with the message set of `messages/`: a purchase or refund
 * goes out as 0200, a pre-authorization as 0100 (an offline approval as an
 * advice through `advise`), a completion or tip adjustment as 0220 (a
 * completion as 0200 when `completionMessage` is `request`); the answer with
 * the same STAN comes back as an `AuthorizationResponse`;
 * reversals, network management and reconciliation have their own calls,
 * and `reversalAttempt` / `networkExchange` hand the reversal sender and the
 * network manager their duties through this client.
 *
 * The terminal's MAC key (TAK) is required: every request carries an X9.19
 * MAC and every answer's MAC is checked, because an answer nobody
 * authenticated could approve a purchase the issuer declined. A missing or
 * wrong MAC is `HOST_BAD_RESPONSE` with `field` 64 (or 128), `maybe-sent`.
 * Every failure is a `HostError`: a request that does not encode is
 * `not-sent`, the channel's errors keep their own `delivery`, and an answer
 * that does not decode, match or verify is `maybe-sent`. A key change (`changeMacKey`) installs
 * the new TAK from the 0810's TR-31 block.
 */
import { iso87ascii } from '../../iso8583/dialects/iso87ascii.js';
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect } from '../../iso8583/types.js';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { wipe } from '../../util/bytes.js';
import { asHostError, HostError } from '../host-error.js';
import { matchKey } from '../channels/match-key.js';
import type { HostChannel } from '../host-channel.js';
import type { TerminalMacKey } from '../keys.js';
import { MTI, NETWORK_CODES, type NetworkCode } from '../messages/constants.js';
import { defaultMtiOf, encodeFinancialRequest, readFinancialResponse, type CardTransaction, type FinancialRequestMti, type FinancialTransaction, type SealedAdvice } from '../messages/financial.js';
import { encodeNetworkRequest, readNetworkResponse, type NetworkResponse } from '../messages/network.js';
import {
  encodeReconciliationRequest,
  readReconciliationResponse,
  type ReconciliationRequest,
  type ReconciliationResponse,
} from '../messages/reconciliation.js';
import { encodeFollowUpRequest, followUpMtiOf, readFollowUpResponse } from '../messages/follow-up.js';
import {
  encodeReversalRequest,
  readReversalResponse,
  reversalFromPending,
  reversalOutcomeOf,
  type CompletionMessage,
  type ReversalInput,
  type ReversalResponse,
} from '../messages/reversal.js';
import type { AuthorizationResponse, CardRequest, FollowUpRequest, HostClient, HostState } from '../model.js';
import type { ReversalAttempt } from '../reversal-sender.js';
import type { NetworkExchange } from './network-management.js';

export interface Iso8583HostClientOptions {
  readonly channel: HostChannel<Iso8583Message>;
  /** How long to wait for the 0210 once the 0200 is written. */
  readonly timeoutMs: number;
  readonly dialect?: Dialect;
  readonly logger?: Logger;
  /** The terminal's MAC key: requests are MAC'd and every answer's MAC is checked. */
  readonly macKey: TerminalMacKey;
  /** How the host takes a pre-authorization's completion: 0220 advice (default) or 0200 request. */
  readonly completionMessage?: CompletionMessage;
}

export class Iso8583HostClient implements HostClient {
  readonly description: string;
  readonly #channel: HostChannel<Iso8583Message>;
  readonly #timeoutMs: number;
  readonly #dialect: Dialect;
  readonly #log: Logger;
  readonly #macKey: TerminalMacKey;
  readonly #completionMessage: CompletionMessage;

  constructor(options: Iso8583HostClientOptions) {
    this.#channel = options.channel;
    this.#timeoutMs = options.timeoutMs;
    this.#dialect = options.dialect ?? iso87ascii;
    this.#log = options.logger ?? silentLogger;
    this.#macKey = options.macKey;
    this.#completionMessage = options.completionMessage ?? 'advice';
    this.description = options.channel.description;
  }

  /** A purchase or refund as 0200, a pre-authorization as 0100. */
  authorize(request: CardRequest, signal?: AbortSignal): Promise<AuthorizationResponse> {
    return this.transact(request, defaultMtiOf(request.kind), signal);
  }

  /** A card request as 0100 (authorization) or 0200 (financial). */
  transact(request: CardTransaction, mti: typeof MTI.authorizationRequest | typeof MTI.financialRequest = defaultMtiOf(request.kind), signal?: AbortSignal): Promise<AuthorizationResponse> {
    return this.#financial(request, mti, undefined, signal);
  }

  /** A completion or tip adjustment (0220, 0221 when `repeat`; a completion as 0200 when so configured), without card data. */
  async followUp(request: FollowUpRequest, signal?: AbortSignal): Promise<AuthorizationResponse> {
    const options = { completionMessage: this.#completionMessage, ...(request.repeat === true ? { repeat: true } : {}) };
    const mti = followUpMtiOf(request.kind, options);
    try {
      const response = await this.#exchangeWith(
        () => encodeFollowUpRequest(this.#dialect, request, { ...options, macKey: this.#macKey.current() }),
        matchKey(mti, request.stan, request.terminalId),
        (reply) => readFollowUpResponse(request, reply, { ...options, ...this.#replyOptions() }),
        signal,
      );
      this.#log.info({ host: this.description, mti, kind: request.kind, stan: request.stan, responseCode: response.responseCode }, 'follow-up answered');
      return response;
    } catch (err) {
      const error = asHostError(err, 'maybe-sent', 'Iso8583HostClient');
      this.#log.warn({ host: this.description, mti, kind: request.kind, stan: request.stan, delivery: error.delivery, err: error.toJSON() }, 'follow-up failed');
      throw error;
    }
  }

  /** An offline-approved purchase forwarded as 0220 (0221 when `repeat`), with the auth code the terminal gave and its card data sealed. */
  advise(request: SealedAdvice, offlineAuthCode: string, repeat = false, signal?: AbortSignal): Promise<AuthorizationResponse> {
    return this.#financial(request, repeat ? MTI.financialAdviceRepeat : MTI.financialAdvice, offlineAuthCode, signal);
  }

  /** A 0400/0401/0420/0421. Failures are thrown as they come; the caller keeps the duty and repeats. */
  reverse(input: ReversalInput, signal?: AbortSignal): Promise<ReversalResponse> {
    return this.#exchangeWith(
      () => encodeReversalRequest(this.#dialect, input, this.#macKey.current()),
      matchKey(input.mti ?? MTI.reversalRequest, input.original.stan, input.terminalId),
      (reply) => readReversalResponse(input, reply, this.#replyOptions()),
      signal,
    );
  }

  /** A 0800 with DE 70 `code` (sign-on, echo test; key change through `changeMacKey`). */
  networkManagement(code: NetworkCode, stan: string, at: Date, terminalId: string, signal?: AbortSignal): Promise<NetworkResponse> {
    const request = { code, stan, at, terminalId };
    return this.#exchangeWith(
      () => encodeNetworkRequest(this.#dialect, request, this.#macKey.current()),
      matchKey(MTI.networkRequest, stan, terminalId),
      (reply) => readNetworkResponse(request, reply, this.#replyOptions()),
      signal,
    );
  }

  /**
   * A key change (0800, DE 70 = 161): the 0810 (MAC'd under the old key)
   * carries the new TAK as a TR-31 block under `kek`, which replaces the
   * current key once it unwraps.
   */
  async changeMacKey(kek: Uint8Array, stan: string, at: Date, terminalId: string, signal?: AbortSignal): Promise<NetworkResponse> {
    const macKey = this.#macKey;
    const response = await this.networkManagement(NETWORK_CODES.keyChange, stan, at, terminalId, signal);
    if (response.accepted && response.keyBlock !== undefined) {
      macKey.replaceFromKeyBlock(kek, response.keyBlock);
      this.#log.info({ host: this.description, kcv: macKey.kcv() }, 'terminal MAC key changed');
    }
    return response;
  }

  /**
   * The reversal sender's duty through this client: a 0400 (a 0401 from the
   * second attempt on) naming the original; resolves only when the 0410
   * acknowledges it (00, or 25: the host never had the original).
   */
  reversalAttempt(context: { readonly merchantId: string; readonly clock: () => Date }): ReversalAttempt {
    return async (pending, attempt) => {
      const answer = await this.reverse(
        reversalFromPending(pending, { merchantId: context.merchantId, at: context.clock(), attempt: attempt + 1, completionMessage: this.#completionMessage }),
      );
      if (!answer.acknowledged) {
        throw new HostError('HOST_BAD_RESPONSE', `Reversal answered ${answer.responseCode}`, 'maybe-sent', { field: 39, reason: 'not-acknowledged' });
      }
      return reversalOutcomeOf(answer.responseCode);
    };
  }

  /** The network manager's sign-on and echo through this client: resolves only when the 0810 accepts. */
  networkExchange(context: { readonly terminalId: string; readonly clock: () => Date }): NetworkExchange {
    return async (code, stan) => {
      const answer = await this.networkManagement(code, stan, context.clock(), context.terminalId);
      if (!answer.accepted) {
        throw new HostError('HOST_BAD_RESPONSE', `Network management ${code} answered ${answer.responseCode}`, 'maybe-sent', { field: 39, reason: 'refused' });
      }
    };
  }

  /** A 0500 (0501) with the terminal's totals; the 0510 says whether the host agrees. */
  reconcile(request: ReconciliationRequest, signal?: AbortSignal): Promise<ReconciliationResponse> {
    return this.#exchangeWith(
      () => encodeReconciliationRequest(this.#dialect, request, this.#macKey.current()),
      matchKey(MTI.reconciliationRequest, request.stan, request.terminalId),
      (reply) => readReconciliationResponse(request, reply, this.#replyOptions()),
      signal,
    );
  }

  async #financial(request: FinancialTransaction, mti: FinancialRequestMti, offlineAuthCode: string | undefined, signal: AbortSignal | undefined): Promise<AuthorizationResponse> {
    try {
      const response = await this.#exchangeWith(
        () =>
          encodeFinancialRequest(this.#dialect, request, {
            mti,
            ...(offlineAuthCode === undefined ? {} : { offlineAuthCode }),
            macKey: this.#macKey.current(),
          }),
        matchKey(mti, request.stan, request.terminalId),
        (reply) => readFinancialResponse(request, reply, { mti, ...this.#replyOptions() }),
        signal,
      );
      this.#log.info({ host: this.description, mti, stan: request.stan, responseCode: response.responseCode }, 'authorization answered');
      return response;
    } catch (err) {
      const error = asHostError(err, 'maybe-sent', 'Iso8583HostClient');
      this.#log.warn({ host: this.description, mti, stan: request.stan, delivery: error.delivery, err: error.toJSON() }, 'authorization failed');
      throw error;
    }
  }

  /**
   * Encodes (a failure: `not-sent`), exchanges (the answer keyed by MTI class,
   * STAN and terminal ID; the channel's `HostError` as it is), wipes the
   * request bytes, and reads the answer (a failure: `maybe-sent`).
   */
  async #exchangeWith<T>(encode: () => Buffer, key: string, read: (reply: Iso8583Message) => T, signal: AbortSignal | undefined): Promise<T> {
    let bytes: Buffer;
    try {
      bytes = encode();
    } catch (err) {
      throw asHostError(err, 'not-sent', 'Iso8583HostClient encoding');
    }
    let reply: Iso8583Message;
    try {
      reply = await this.#channel.exchange(bytes, key, { timeoutMs: this.#timeoutMs, ...(signal === undefined ? {} : { signal }) });
    } catch (err) {
      throw asHostError(err, 'maybe-sent', 'Iso8583HostClient exchange');
    } finally {
      wipe(bytes);
    }
    try {
      return read(reply);
    } catch (err) {
      throw asHostError(err, 'maybe-sent', 'Iso8583HostClient reading');
    }
  }

  #replyOptions(): { dialect: Dialect; macKey: Uint8Array } {
    return { dialect: this.#dialect, macKey: this.#macKey.current() };
  }

  state(): HostState {
    return this.#channel.state();
  }

  close(): Promise<void> {
    return this.#channel.close();
  }
}
