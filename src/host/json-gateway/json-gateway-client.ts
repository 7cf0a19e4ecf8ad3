/**
 * `HostClient` for an HTTPS JSON payment gateway, through axios: the engine's
 * `CardRequest` (purchase, refund, preauth) and `FollowUpRequest`
 * (completion, tip adjustment) as the JSON bodies of `wire.ts`, a
 * `PendingReversal` as a reversal's, TLS with the gateway's CA
 * pinned (it replaces the system roots) and an optional client certificate,
 * keep-alive connections, and the host layer's error rules.
 *
 * Idempotency and retries: every request carries `Idempotency-Key:
 * <terminal>-<stan>-<YYYYMMDD>`; the gateway answers a repeated key with its
 * first answer and books nothing twice. So an attempt whose connection broke
 * before the answer (reset, hang-up) or that got a 5xx is repeated with the
 * same key and body, at most `maxRetries` times, after a capped, jittered
 * backoff. Nothing else is repeated. All attempts share one deadline,
 * `timeoutMs`: when it passes the call fails `HOST_TIMEOUT`.
 *
 * Failures are `HostError`s (see `failures.ts`): `HOST_UNREACHABLE`
 * (refused, TLS refused; `not-sent`), `HOST_CONNECTION_LOST`,
 * `HOST_TIMEOUT`, `HOST_BAD_RESPONSE` (5xx after the retries, 4xx, a body
 * that is not the protocol or does not answer this request),
 * `HOST_CANCELLED` — all `maybe-sent` once an attempt may have gone out.
 * The call stops waiting for one of two reasons: the deadline or the
 * caller's signal, whichever comes first.
 *
 * Card data goes in the body only; the body is a Buffer that is zeroed once
 * the call settles. Log lines carry the STAN, status and codes, never the body.
 */
import { isMaskedCard } from '../../card/types.js';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { backoffDelayMs, type BackoffPolicy } from '../channels/backoff.js';
import { asHostError, HostError, type StopReason } from '../host-error.js';
import type { AuthorizationResponse, CardRequest, FollowUpRequest, HostClient, HostState } from '../model.js';
import type { PendingReversal } from '../reversal-store.js';
import { reversalOutcomeOf } from '../messages/reversal.js';
import type { ReversalAttempt } from '../reversal-sender.js';
import {
  badResponseError,
  cancelledError,
  classifyAttemptError,
  connectionLostError,
  notSentError,
  timeoutError,
  type FailureContext,
} from './failures.js';
import { authorizationBody, followUpBody, readAuthorizationAnswer, readReversalAnswer, reversalBody } from './mapping.js';
import { AUTHORIZATIONS_PATH, FOLLOW_UPS_PATH, IDEMPOTENCY_HEADER, idempotencyKey, REVERSALS_PATH } from './wire.js';

export interface GatewayTls {
  /** PEM of the CA the gateway's certificate must chain to; nothing else is trusted. Default: the system roots. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface JsonGatewayClientOptions {
  /** Base URL, `https://gateway.example:8443` (a path prefix is kept). */
  readonly url: string;
  /** One deadline for the whole call, retries included. */
  readonly timeoutMs: number;
  readonly tls?: GatewayTls;
  /** Repeats after a reset or a 5xx; default 2. */
  readonly maxRetries?: number;
  /** Between repeats; default 100 ms doubling to 1 s, half jitter. */
  readonly retryBackoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** DE 42 for reversals (a `PendingReversal` does not carry it). */
  readonly merchantId?: string;
  /** "Now" of a reversal; default the system clock. */
  readonly clock?: () => Date;
}

export const DEFAULT_GATEWAY_RETRIES = 2;
export const DEFAULT_GATEWAY_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

/** What the gateway said about a reversal. */
export interface GatewayReversalResponse {
  readonly responseCode: string;
  readonly acknowledged: boolean;
  readonly stan: string;
}

interface Call {
  readonly path: string;
  readonly key: string;
  readonly stan: string;
  readonly body: Buffer;
  readonly signal: AbortSignal | undefined;
}

export class JsonGatewayClient implements HostClient {
  readonly description: string;
  readonly #o: JsonGatewayClientOptions;
  readonly #http: AxiosInstance;
  readonly #agents: readonly (HttpAgent | HttpsAgent)[];
  readonly #log: Logger;
  #state: HostState = 'unknown';
  #closed = false;

  constructor(options: JsonGatewayClientOptions) {
    const url = parseUrl(options.url);
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.description = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    const tls = options.tls ?? {};
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new PosError('CHANNEL_GATEWAY_CONFIG_INVALID', 'A gateway client certificate needs its key, and a key its certificate', { reason: 'cert-without-key' });
    }
    const httpsAgent = new HttpsAgent({
      keepAlive: true,
      minVersion: 'TLSv1.2',
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    });
    const httpAgent = new HttpAgent({ keepAlive: true });
    this.#agents = [httpsAgent, httpAgent];
    this.#http = axios.create({
      baseURL: this.description,
      httpsAgent,
      httpAgent,
      // the body is card data: never through an environment proxy, never to a redirect target
      proxy: false,
      maxRedirects: 0,
      // statuses and bodies are judged here, not by axios
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: 64 * 1024,
    });
  }

  authorize(request: CardRequest, signal?: AbortSignal): Promise<AuthorizationResponse> {
    // The JSON profile has no field for an encrypting reader's track block: refuse before sending, never send masked digits as a PAN.
    if (isMaskedCard(request.card)) {
      return Promise.reject(
        new HostError('HOST_REQUEST_INVALID', 'The HTTPS gateway cannot carry an encrypting reader\'s tracks', 'not-sent', { field: 'card', reason: 'encrypted-reader' }),
      );
    }
    return this.#authorize(request, signal);
  }

  /** A completion or tip adjustment as `POST /v1/follow-ups` (no card data); failures as `authorize`'s. A repeat goes with the same idempotency key. */
  followUp(request: FollowUpRequest, signal?: AbortSignal): Promise<AuthorizationResponse> {
    return this.#request(FOLLOW_UPS_PATH, request, () => followUpBody(request), { what: request.kind, kind: request.kind }, signal);
  }

  /** Sends a reversal duty; resolves with the gateway's answer (`acknowledged` false keeps the duty). Same failures as `authorize`. */
  async reverse(pending: PendingReversal, attempt = 0, signal?: AbortSignal): Promise<GatewayReversalResponse> {
    const at = (this.#o.clock ?? (() => new Date()))();
    const body = Buffer.from(JSON.stringify(reversalBody(pending, { merchantId: this.#o.merchantId ?? '0'.repeat(15), at, repeat: attempt > 0 })));
    const key = idempotencyKey(pending.terminalId, pending.stan, new Date(pending.transmittedAt), 'R');
    const ctx = this.#ctx(pending.stan, 0, false);
    const res = await this.#exchange({ path: REVERSALS_PATH, key, stan: pending.stan, body, signal });
    const answer = readReversalAnswer(res.response, pending, { ...ctx, attempts: res.attempts });
    this.#log.info({ host: this.description, stan: pending.stan, responseCode: answer.responseCode, acknowledged: answer.acknowledged }, 'reversal answered');
    return answer;
  }

  /** The reversal duties of a `ReversalSender` sent through this gateway: resolves only when acknowledged. */
  reversalAttempt(): ReversalAttempt {
    return async (pending, attempt) => {
      const answer = await this.reverse(pending, attempt);
      if (!answer.acknowledged) {
        throw new HostError('CHANNEL_GATEWAY_REVERSAL_REFUSED', `The gateway did not acknowledge the reversal (${answer.responseCode})`, 'maybe-sent', {
          stan: pending.stan,
          responseCode: answer.responseCode,
        });
      }
      return reversalOutcomeOf(answer.responseCode);
    };
  }

  state(): HostState {
    return this.#state;
  }

  /** Closes the keep-alive connections. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const agent of this.#agents) agent.destroy();
      this.#state = 'disconnected';
    }
    return Promise.resolve();
  }

  #authorize(request: CardRequest, signal: AbortSignal | undefined): Promise<AuthorizationResponse> {
    return this.#request(AUTHORIZATIONS_PATH, request, () => authorizationBody(request), { what: 'authorization' }, signal);
  }

  /**
   * One request answered like an authorization: its body built (a failure:
   * `not-sent`), sent under the request's idempotency key, the answer checked
   * against its STAN, terminal and amount (a failure: `maybe-sent`).
   */
  async #request(
    path: string,
    request: Pick<CardRequest, 'stan' | 'terminalId' | 'amountMinor' | 'at'>,
    makeBody: () => unknown,
    log: { readonly what: string; readonly kind?: string },
    signal: AbortSignal | undefined,
  ): Promise<AuthorizationResponse> {
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(makeBody()));
    } catch (err) {
      throw err instanceof PosError ? asHostError(err, 'not-sent', 'JsonGatewayClient') : new HostError('HOST_REQUEST_INVALID', `The ${log.what} cannot be put in JSON`, 'not-sent');
    }
    const key = idempotencyKey(request.terminalId, request.stan, request.at);
    const about = { host: this.description, stan: request.stan, ...(log.kind === undefined ? {} : { kind: log.kind }) };
    try {
      const res = await this.#exchange({ path, key, stan: request.stan, body, signal });
      const answer = readAuthorizationAnswer(res.response, request, this.#ctx(request.stan, res.attempts, true));
      this.#log.info({ ...about, responseCode: answer.responseCode, attempts: res.attempts }, `${log.what} answered`);
      return answer;
    } catch (err) {
      const error = asHostError(err, 'maybe-sent', 'JsonGatewayClient');
      this.#log.warn({ ...about, delivery: error.delivery, err: error.toJSON() }, `${log.what} failed`);
      throw error;
    }
  }

  /**
   * Sends `call.body` until an answer that is not a 5xx comes, the retries
   * run out or the deadline passes. Zeroes the body when done.
   */
  async #exchange(call: Call): Promise<{ response: AxiosResponse<string>; attempts: number }> {
    if (this.#closed) throw new HostError('HOST_UNREACHABLE', 'The gateway client is closed', 'not-sent', { url: this.description, stan: call.stan });
    const maxRetries = this.#o.maxRetries ?? DEFAULT_GATEWAY_RETRIES;
    const stop = new AbortController();
    let stopReason: StopReason | null = null;
    const stopWith = (why: StopReason): void => {
      if (stopReason !== null) return;
      stopReason = why;
      stop.abort();
    };
    const timer = setTimeout(() => stopWith('timeout'), this.#o.timeoutMs);
    const onCancel = (): void => stopWith('cancelled');
    if (call.signal?.aborted === true) onCancel();
    else call.signal?.addEventListener('abort', onCancel, { once: true });
    const signal = stop.signal;
    let attempts = 0;
    let mayHaveReached = false;
    const ctx = (): FailureContext => this.#ctx(call.stan, attempts, mayHaveReached);
    const stopped = (): HostError | null =>
      stopReason === 'timeout' ? timeoutError(this.#o.timeoutMs, ctx()) : stopReason === 'cancelled' ? cancelledError({ ...ctx(), started: attempts > 0 }) : null;
    try {
      for (;;) {
        const early = stopped();
        if (early !== null) throw early;
        attempts += 1;
        let response: AxiosResponse<string>;
        try {
          response = await this.#http.request<string>({
            method: 'POST',
            url: call.path,
            data: call.body,
            signal,
            headers: { 'content-type': 'application/json', accept: 'application/json', [IDEMPOTENCY_HEADER]: call.key },
          });
        } catch (err) {
          const failure = classifyAttemptError(err);
          const why = stopped();
          if (why !== null) throw why;
          if (failure.kind === 'not-sent') {
            this.#state = 'disconnected';
            throw notSentError(failure, ctx());
          }
          mayHaveReached = true;
          if (failure.kind === 'aborted' || attempts > maxRetries) {
            this.#state = 'disconnected';
            throw connectionLostError(failure.kind === 'aborted' ? 'aborted' : failure.errno, ctx());
          }
          this.#log.warn({ host: this.description, stan: call.stan, attempt: attempts, errno: failure.errno }, 'gateway connection broke; repeating with the same key');
          await this.#pause(attempts, signal);
          continue;
        }
        this.#state = 'connected';
        mayHaveReached = true;
        if (response.status >= 500 && response.status <= 599) {
          if (attempts > maxRetries) throw badResponseError('server-error', ctx(), { status: response.status });
          this.#log.warn({ host: this.description, stan: call.stan, attempt: attempts, status: response.status }, 'gateway server error; repeating with the same key');
          await this.#pause(attempts, signal);
          continue;
        }
        if (response.status !== 200) throw badResponseError('status', ctx(), { status: response.status });
        return { response, attempts };
      }
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onCancel);
      wipe(call.body);
    }
  }

  /** Waits the backoff before repeat `attempt`; an abort ends the wait early (the loop then reports it). */
  #pause(attempt: number, signal: AbortSignal): Promise<void> {
    const ms = backoffDelayMs(this.#o.retryBackoff ?? DEFAULT_GATEWAY_BACKOFF, attempt - 1, this.#o.random);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #ctx(stan: string, attempts: number, mayHaveReachedBefore: boolean): FailureContext {
    return { url: this.description, stan, attempts, mayHaveReachedBefore };
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PosError('CHANNEL_GATEWAY_CONFIG_INVALID', 'The gateway URL does not parse', { reason: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PosError('CHANNEL_GATEWAY_CONFIG_INVALID', `The gateway URL must be https (or http on loopback), not ${url.protocol}`, { reason: 'protocol', protocol: url.protocol });
  }
  if (url.search !== '' || url.username !== '' || url.password !== '') {
    throw new PosError('CHANNEL_GATEWAY_CONFIG_INVALID', 'The gateway URL must not carry a query or credentials', { reason: 'query-or-credentials' });
  }
  return url;
}
