/**
 * A `HostChannel` over plain TCP with the two-byte length prefix of
 * `length-prefix-framer.ts`, one connection per exchange:
 *
 *   connect ─▶ write [LEN][request] ─▶ read frames until the one with our key ─▶ close
 *
 * Simple and correct for a terminal that sends one request at a time; a
 * persistent multiplexed connection replaces it behind the same interface.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { PosError, type ErrorDetails } from '../util/errors.js';
import type { ExchangeOptions, HostChannel, ReplyReader } from './host-channel.js';
import { DEFAULT_MAX_FRAME_BYTES, frameMessage, LengthPrefixFramer } from './length-prefix-framer.js';
import type { HostState } from './model.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface TcpHostChannelOptions<R> {
  readonly host: string;
  readonly port: number;
  readonly readReply: ReplyReader<R>;
  /** How long a connection attempt may take before `HOST_UNREACHABLE`. */
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly logger?: Logger;
  /** Told of every reply that matches no request in flight (a late or foreign answer). */
  readonly onUnmatchedReply?: (key: string) => void;
}

export class TcpHostChannel<R> implements HostChannel<R> {
  readonly description: string;
  readonly #options: TcpHostChannelOptions<R>;
  readonly #log: Logger;
  readonly #open = new Set<Socket>();
  #state: HostState = 'unknown';

  constructor(options: TcpHostChannelOptions<R>) {
    this.#options = options;
    this.#log = options.logger ?? silentLogger;
    this.description = `tcp://${options.host}:${options.port}`;
  }

  state(): HostState {
    return this.#state;
  }

  close(): Promise<void> {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
    return Promise.resolve();
  }

  exchange(message: Buffer, key: string, options: ExchangeOptions): Promise<R> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true) {
      return Promise.reject(new PosError('HOST_CANCELLED', 'The authorization was cancelled before sending', { requestMayHaveReachedHost: false }));
    }
    const framed = frameMessage(message, this.#options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    const framer = new LengthPrefixFramer({ maxFrameBytes: this.#options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

    return new Promise<R>((resolve, reject) => {
      let written = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const socket = connect({ host: this.#options.host, port: this.#options.port });
      this.#open.add(socket);

      const finish = (outcome: { reply: R } | { error: PosError }): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#open.delete(socket);
        socket.destroy();
        framed.fill(0);
        if ('reply' in outcome) resolve(outcome.reply);
        else reject(outcome.error);
      };
      const fail = (code: ConstructorParameters<typeof PosError>[0], message: string, details: ErrorDetails = {}, cause?: unknown): void => {
        finish({ error: new PosError(code, message, { ...details, requestMayHaveReachedHost: written }, { cause }) });
      };
      function onAbort(): void {
        fail('HOST_CANCELLED', written ? 'The authorization was cancelled after sending' : 'The authorization was cancelled before sending');
      }
      signal?.addEventListener('abort', onAbort, { once: true });

      timer = setTimeout(() => {
        this.#state = 'disconnected';
        fail('HOST_UNREACHABLE', `No connection to ${this.description} within ${connectTimeoutMs} ms`, { reason: 'connect-timeout', timeoutMs: connectTimeoutMs });
      }, connectTimeoutMs);

      socket.once('connect', () => {
        this.#state = 'connected';
        clearTimeout(timer);
        written = true;
        socket.write(framed);
        timer = setTimeout(() => fail('HOST_TIMEOUT', `No answer from ${this.description} within ${timeoutMs} ms`, { timeoutMs }), timeoutMs);
      });

      socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = framer.push(chunk);
        } catch (err) {
          fail('HOST_BAD_RESPONSE', 'The host broke the framing', { reason: 'framing', ...safeDetails(err) }, err);
          return;
        }
        for (const frame of frames) {
          if (settled) return;
          if (frame.length === 0) continue; // keep-alive
          let read: { key: string; reply: R };
          try {
            read = this.#options.readReply(frame);
          } catch (err) {
            fail('HOST_BAD_RESPONSE', 'The host sent a reply that does not decode', { reason: 'undecodable', ...safeDetails(err) }, err);
            return;
          }
          if (read.key !== key) {
            this.#log.warn({ host: this.description, expected: key, received: read.key }, 'reply matches no request in flight; ignored');
            this.#options.onUnmatchedReply?.(read.key);
            continue;
          }
          finish({ reply: read.reply });
        }
      });

      socket.once('error', (err: NodeJS.ErrnoException) => {
        const errno = err.code ?? 'unknown';
        if (!written) {
          this.#state = 'disconnected';
          fail('HOST_UNREACHABLE', `Cannot connect to ${this.description} (${errno})`, { reason: 'connect-failed', errno }, err);
        } else {
          fail('HOST_CONNECTION_LOST', `The connection to ${this.description} failed after sending (${errno})`, { errno, bytesPending: framer.buffered }, err);
        }
      });

      socket.once('close', () => {
        if (!written) {
          this.#state = 'disconnected';
          fail('HOST_UNREACHABLE', `The connection to ${this.description} closed before it opened`, { reason: 'closed' });
        } else {
          fail('HOST_CONNECTION_LOST', `The host closed the connection before answering`, { bytesPending: framer.buffered });
        }
      });
    });
  }
}

/** The decoder's code, field and offset: safe by construction of our codecs (never a value). */
function safeDetails(err: unknown): ErrorDetails {
  if (!(err instanceof PosError)) return {};
  const out: Record<string, string | number> = { cause: err.code };
  for (const k of ['field', 'offset', 'length', 'maxFrameBytes'] as const) {
    const v = err.details[k];
    if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  }
  return out;
}
