/**
 * `HostClient` speaking ISO 8583 (iso87ascii by default) through a
 * `HostChannel`: a purchase goes out as 0200, the 0210 with the same STAN
 * comes back as an `AuthorizationResponse`.
 */
import { iso87ascii } from '../iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../iso8583/message-codec.js';
import type { Iso8583Message } from '../iso8583/message.js';
import type { Dialect } from '../iso8583/types.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { wipe } from '../util/bytes.js';
import { isPosError, PosError } from '../util/errors.js';
import type { HostChannel, ReplyReader } from './host-channel.js';
import type { AuthorizationResponse, HostClient, HostState, PurchaseRequest } from './model.js';
import { encodePurchaseRequest, MTI_FINANCIAL_REQUEST, readPurchaseResponse, transmissionDateTime } from './purchase-message.js';
import { TcpHostChannel } from './tcp-host-channel.js';
import type { OnUnanswered, UnansweredRequest } from './unanswered-request.js';

/** DE 11 keys replies to requests. */
export const STAN_FIELD = 11;

export interface Iso8583HostClientOptions {
  readonly channel: HostChannel<Iso8583Message>;
  /** How long to wait for the 0210 once the 0200 is written. */
  readonly timeoutMs: number;
  readonly dialect?: Dialect;
  readonly logger?: Logger;
  /** The reversal seam: told of every request that may have reached the host unanswered. */
  readonly onUnanswered?: OnUnanswered;
}

export interface Iso8583TcpOptions extends Omit<Iso8583HostClientOptions, 'channel'> {
  readonly host: string;
  readonly port: number;
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
}

/** Decodes a reply frame and keys it by its STAN; a reply without one is undecodable for our purpose. */
export function iso8583ReplyReader(dialect: Dialect): ReplyReader<Iso8583Message> {
  return (frame) => {
    const reply = decodeMessage(dialect, frame);
    const stan = reply.get(STAN_FIELD);
    if (typeof stan !== 'string') {
      throw new PosError('HOST_BAD_RESPONSE', 'The reply has no STAN (DE 11)', { field: STAN_FIELD, reason: 'missing', requestMayHaveReachedHost: true });
    }
    return { key: stan, reply };
  };
}

export class Iso8583HostClient implements HostClient {
  readonly description: string;
  readonly #channel: HostChannel<Iso8583Message>;
  readonly #timeoutMs: number;
  readonly #dialect: Dialect;
  readonly #log: Logger;
  readonly #onUnanswered: OnUnanswered | undefined;

  constructor(options: Iso8583HostClientOptions) {
    this.#channel = options.channel;
    this.#timeoutMs = options.timeoutMs;
    this.#dialect = options.dialect ?? iso87ascii;
    this.#log = options.logger ?? silentLogger;
    this.#onUnanswered = options.onUnanswered;
    this.description = options.channel.description;
  }

  /** A client over a connection-per-request TCP channel with the two-byte length prefix. */
  static overTcp(options: Iso8583TcpOptions): Iso8583HostClient {
    const dialect = options.dialect ?? iso87ascii;
    const channel = new TcpHostChannel<Iso8583Message>({
      host: options.host,
      port: options.port,
      readReply: iso8583ReplyReader(dialect),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return new Iso8583HostClient({ ...options, channel, dialect });
  }

  async authorize(request: PurchaseRequest, signal?: AbortSignal): Promise<AuthorizationResponse> {
    const bytes = encodePurchaseRequest(this.#dialect, request);
    let reply: Iso8583Message;
    try {
      reply = await this.#channel.exchange(bytes, request.stan, { timeoutMs: this.#timeoutMs, ...(signal === undefined ? {} : { signal }) });
    } catch (err) {
      throw this.#unanswered(request, err);
    } finally {
      wipe(bytes);
    }
    try {
      const response = readPurchaseResponse(request, reply);
      this.#log.info({ host: this.description, stan: request.stan, responseCode: response.responseCode }, 'authorization answered');
      return response;
    } catch (err) {
      throw this.#unanswered(request, err);
    }
  }

  state(): HostState {
    return this.#channel.state();
  }

  close(): Promise<void> {
    return this.#channel.close();
  }

  /** Logs the failure, tells the reversal seam when the request may have reached the host, and returns the error to throw. */
  #unanswered(request: PurchaseRequest, err: unknown): unknown {
    if (!isPosError(err)) return err;
    this.#log.warn({ host: this.description, stan: request.stan, err: err.toJSON() }, 'authorization failed');
    if (err.details['requestMayHaveReachedHost'] === true && this.#onUnanswered !== undefined) {
      const unanswered: UnansweredRequest = {
        mti: MTI_FINANCIAL_REQUEST,
        stan: request.stan,
        transmissionDateTime: transmissionDateTime(request.at),
        transmittedAt: request.at.toISOString(),
        amountMinor: request.amountMinor,
        currency: request.currency,
        entryMode: request.entryMode,
        terminalId: request.terminalId,
        merchantId: request.merchantId,
        reason: err.code,
      };
      try {
        this.#onUnanswered(unanswered);
      } catch (hookErr) {
        this.#log.error({ stan: request.stan, err: isPosError(hookErr) ? hookErr.toJSON() : String(hookErr) }, 'onUnanswered hook failed');
      }
    }
    return err;
  }
}
