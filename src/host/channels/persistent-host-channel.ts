/**
 * A `HostChannel` over one persistent TCP or TLS connection, multiplexed:
 * several exchanges may be in flight, each reply is routed by its key
 * (`match-key.ts`: MTI class + STAN + terminal ID), not by arrival order.
 *
 *   exchange ─▶ [connect once] ─▶ write [HDR][request] ─▶ … ─▶ frame with our key ─▶ resolve
 *                      ▲                                         │
 *                      └── backoff with jitter ◀── close/error ──┘
 *
 * - Framing: `binary2` or `ascii4` length header (`length-prefix-framer.ts`);
 *   a header announcing more than `maxFrameBytes` is refused before any
 *   allocation and the connection is dropped (its framing is lost).
 * - Timeouts: `connectTimeoutMs` for TCP+TLS set-up, the caller's
 *   `timeoutMs` per exchange, `interByteTimeoutMs` for a partial frame that
 *   stops arriving (the connection is dropped: its framing cannot be trusted).
 * - Late replies: a key whose exchange timed out is remembered (bounded); a
 *   reply with it later is flagged to `onLateReply`, never handed to another
 *   exchange. Any other stray reply goes to `onUnmatchedReply`.
 * - Reconnect: after the connection drops (not after `close()`), it is
 *   re-opened in the background with capped, jittered backoff; an exchange
 *   that finds no connection tries to connect at once.
 * - TLS: TLS 1.2–1.3, the host's CA pinned (the only trust root), a client
 *   certificate. A handshake the server refuses (a TLS alert before any byte
 *   came back) is `HOST_UNREACHABLE`: the request was never processed.
 * - Failures are `HostError`s: `delivery` is `maybe-sent` once the request
 *   was written, `not-sent` before. An exchange stops waiting for one of two
 *   reasons, its deadline (`HOST_TIMEOUT`, its key remembered for a late
 *   reply) or the caller's signal (`HOST_CANCELLED`).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { asPosError, PosError, type ErrorCode, type ErrorDetails } from '../../util/errors.js';
import { HostError, type StopReason } from '../host-error.js';
import type { ExchangeOptions, HostChannel, ReplyReader } from '../host-channel.js';
import type { HostState } from '../model.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { DEFAULT_MAX_FRAME_BYTES, frameMessage, LengthPrefixFramer, type LengthHeader } from './length-prefix-framer.js';
import type { TlsMaterial } from './tls-material.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_INTER_BYTE_TIMEOUT_MS = 5000;
/** TLS 1.3: how long to wait for the server's session ticket before taking the handshake as accepted. */
export const DEFAULT_TLS_SETTLE_MS = 250;
/** How many timed-out keys are remembered to recognise their late replies. */
export const LATE_KEY_MEMORY = 256;

export interface PersistentHostChannelOptions<R> {
  readonly host: string;
  readonly port: number;
  readonly readReply: ReplyReader<R>;
  /** Mutual TLS; plain TCP when absent. */
  readonly tls?: TlsMaterial;
  readonly lengthHeader?: LengthHeader;
  readonly maxFrameBytes?: number;
  readonly connectTimeoutMs?: number;
  /** A partial frame that gets no byte for this long drops the connection. */
  readonly interByteTimeoutMs?: number;
  /** TLS 1.3 only: wait this long for a session ticket (proof the server accepted our certificate). */
  readonly tlsSettleMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Keep reconnecting in the background after a drop; default true. */
  readonly reconnect?: boolean;
  readonly random?: () => number;
  /** Milliseconds, monotonic; default `performance.now`. */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** A reply for an exchange that had already timed out (the reversal path has it). */
  readonly onLateReply?: (key: string) => void;
  /** A reply that matches nothing in flight nor anything that timed out. */
  readonly onUnmatchedReply?: (key: string) => void;
}

interface InFlight<R> {
  readonly key: string;
  written: boolean;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (reply: R) => void;
  /** Rejects with a `HostError`, `maybe-sent` if the request was written by then. */
  readonly fail: (code: ErrorCode, message: string, details?: ErrorDetails, cause?: unknown) => void;
}

interface Connection {
  readonly socket: Socket;
  readonly framer: LengthPrefixFramer;
  /** Bytes received on it so far (0: a failure now is a refused handshake). */
  received: number;
  interByteTimer: NodeJS.Timeout | undefined;
}

export class PersistentHostChannel<R> implements HostChannel<R> {
  readonly description: string;
  readonly #o: PersistentHostChannelOptions<R>;
  readonly #log: Logger;
  readonly #maxFrameBytes: number;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, InFlight<R>>();
  readonly #lateKeys = new Set<string>();
  #conn: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;
  #state: HostState = 'unknown';
  #lastTrafficAt: number;
  #connects = 0;

  constructor(options: PersistentHostChannelOptions<R>) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#now = options.now ?? (() => performance.now());
    this.#lastTrafficAt = this.#now();
    this.description = `${options.tls === undefined ? 'tcp' : 'tls'}://${options.host}:${options.port}`;
  }

  state(): HostState {
    return this.#state;
  }

  /** When a frame last went out or came in (the `now` clock), for an idle echo. */
  get lastTrafficAt(): number {
    return this.#lastTrafficAt;
  }

  /** Connections opened so far (reconnects included). */
  get connectCount(): number {
    return this.#connects;
  }

  /** Opens the connection now (sign-on at start); rejects `HOST_UNREACHABLE`. */
  async open(): Promise<void> {
    await this.#ensureConnected();
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const conn = this.#conn;
    this.#conn = null;
    for (const f of [...this.#inFlight.values()]) {
      if (f.written) f.fail('HOST_CONNECTION_LOST', 'The channel was closed before the answer came');
      else f.fail('HOST_UNREACHABLE', 'The channel was closed before the request was sent', { reason: 'closed' });
    }
    if (conn !== null) {
      clearTimeout(conn.interByteTimer);
      conn.socket.destroy();
    }
    this.#state = 'disconnected';
    return Promise.resolve();
  }

  exchange(message: Buffer, key: string, options: ExchangeOptions): Promise<R> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true) {
      return Promise.reject(new HostError('HOST_CANCELLED', 'The request was cancelled before sending', 'not-sent'));
    }
    if (this.#closed) {
      return Promise.reject(new HostError('HOST_UNREACHABLE', `The channel to ${this.description} is closed`, 'not-sent', { reason: 'closed' }));
    }
    if (this.#inFlight.has(key)) {
      return Promise.reject(new HostError('HOST_REQUEST_INVALID', 'A request with the same STAN and terminal is already in flight', 'not-sent', { reason: 'duplicate-key' }));
    }
    let framed: Buffer;
    try {
      framed = frameMessage(message, this.#maxFrameBytes, this.#o.lengthHeader ?? 'binary2');
    } catch (err) {
      const e = asPosError(err, 'PersistentHostChannel.exchange');
      return Promise.reject(new HostError(e.code, e.message, 'not-sent', e.details, { cause: e }));
    }
    this.#lateKeys.delete(key);

    return new Promise<R>((resolve, reject) => {
      let settled = false;
      const stop = (why: StopReason): void => {
        if (why === 'timeout') {
          this.#rememberLate(key);
          entry.fail('HOST_TIMEOUT', `No answer from ${this.description} within ${timeoutMs} ms`, { timeoutMs });
        } else {
          entry.fail('HOST_CANCELLED', entry.written ? 'The request was cancelled after sending' : 'The request was cancelled before sending');
        }
      };
      const onAbort = (): void => stop('cancelled');
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(entry.timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
        framed.fill(0);
        return true;
      };
      const entry: InFlight<R> = {
        key,
        written: false,
        timer: undefined,
        resolve: (reply) => {
          if (settle()) resolve(reply);
        },
        fail: (code, text, details = {}, cause) => {
          const delivery = entry.written ? 'maybe-sent' : 'not-sent';
          if (settle()) reject(new HostError(code, text, delivery, details, { cause }));
        },
      };
      this.#inFlight.set(key, entry);
      signal?.addEventListener('abort', onAbort, { once: true });

      this.#ensureConnected().then(
        (conn) => {
          if (settled) return;
          if (conn.socket.destroyed) {
            entry.fail('HOST_UNREACHABLE', `The connection to ${this.description} closed before sending`, { reason: 'closed' });
            return;
          }
          entry.written = true;
          this.#lastTrafficAt = this.#now();
          conn.socket.write(framed);
          entry.timer = setTimeout(() => stop('timeout'), timeoutMs);
        },
        (err: unknown) => {
          const e = err instanceof PosError ? err : new PosError('HOST_UNREACHABLE', `Cannot connect to ${this.description}`, { reason: 'connect-failed' }, { cause: err });
          entry.fail(e.code, e.message, e.details, e);
        },
      );
    });
  }

  #rememberLate(key: string): void {
    this.#lateKeys.add(key);
    if (this.#lateKeys.size > LATE_KEY_MEMORY) {
      const oldest = this.#lateKeys.values().next().value;
      if (oldest !== undefined) this.#lateKeys.delete(oldest);
    }
  }

  #ensureConnected(): Promise<Connection> {
    if (this.#conn !== null && !this.#conn.socket.destroyed) return Promise.resolve(this.#conn);
    if (this.#connecting !== null) return this.#connecting;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const attempt = this.#connect().finally(() => {
      this.#connecting = null;
    });
    this.#connecting = attempt;
    return attempt;
  }

  #connect(): Promise<Connection> {
    const connectTimeoutMs = this.#o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const tls = this.#o.tls;
    return new Promise<Connection>((resolve, reject) => {
      const socket: Socket =
        tls === undefined
          ? netConnect({ host: this.#o.host, port: this.#o.port })
          : tlsConnect({
              host: this.#o.host,
              port: this.#o.port,
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              ...(tls.servername === undefined ? {} : { servername: tls.servername }),
              minVersion: 'TLSv1.2',
              maxVersion: 'TLSv1.3',
              rejectUnauthorized: true,
            });
      let done = false;
      const refuse = (text: string, details: ErrorDetails, cause?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        this.#state = 'disconnected';
        this.#scheduleReconnect();
        reject(new HostError('HOST_UNREACHABLE', text, 'not-sent', details, { cause }));
      };
      const timer = setTimeout(
        () => refuse(`No connection to ${this.description} within ${connectTimeoutMs} ms`, { reason: 'connect-timeout', timeoutMs: connectTimeoutMs }),
        connectTimeoutMs,
      );
      const ready = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.setNoDelay(true);
        const conn: Connection = {
          socket,
          framer: new LengthPrefixFramer({ maxFrameBytes: this.#maxFrameBytes, lengthHeader: this.#o.lengthHeader ?? 'binary2' }),
          received: 0,
          interByteTimer: undefined,
        };
        this.#conn = conn;
        this.#connects += 1;
        this.#attempt = 0;
        this.#state = 'connected';
        this.#log.info({ host: this.description }, 'host connection open');
        socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
        socket.on('error', (err: NodeJS.ErrnoException) => this.#onDown(conn, err));
        socket.on('close', () => this.#onDown(conn, undefined));
        resolve(conn);
      };
      if (tls === undefined) {
        socket.once('connect', ready);
      } else {
        socket.once('secureConnect', () => {
          // TLS 1.3: the client's handshake ends before the server has judged its certificate.
          // A server that accepts sends a session ticket at once; wait briefly for it, so that a
          // refused certificate shows as a refused connection rather than a drop after sending.
          if ((socket as TLSSocket).getProtocol() !== 'TLSv1.3') {
            ready();
            return;
          }
          const settle = setTimeout(ready, this.#o.tlsSettleMs ?? DEFAULT_TLS_SETTLE_MS);
          socket.once('session', () => {
            clearTimeout(settle);
            setImmediate(ready); // not inside OpenSSL's ticket callback: a write there is lost
          });
          socket.once('close', () => clearTimeout(settle));
        });
      }
      socket.once('error', (err: NodeJS.ErrnoException) => {
        const errno = err.code ?? 'unknown';
        refuse(`Cannot connect to ${this.description} (${errno})`, { reason: tls !== undefined && isTlsError(errno) ? 'tls-handshake' : 'connect-failed', errno }, err);
      });
      socket.once('close', () =>
        refuse(`The connection to ${this.description} closed before it opened`, { reason: tls === undefined ? 'closed' : 'tls-handshake', errno: 'closed' }),
      );
    });
  }

  #onData(conn: Connection, chunk: Buffer): void {
    conn.received += chunk.length;
    this.#lastTrafficAt = this.#now();
    let frames: Buffer[];
    try {
      frames = conn.framer.push(chunk);
    } catch (err) {
      this.#failWritten('HOST_BAD_RESPONSE', `The host broke the framing on ${this.description}`, { reason: 'framing', ...safeDetails(err) }, err);
      this.#drop(conn);
      return;
    }
    clearTimeout(conn.interByteTimer);
    conn.interByteTimer = undefined;
    if (conn.framer.buffered > 0) {
      const ms = this.#o.interByteTimeoutMs ?? DEFAULT_INTER_BYTE_TIMEOUT_MS;
      conn.interByteTimer = setTimeout(() => {
        this.#failWritten('HOST_BAD_RESPONSE', `A partial frame stalled for ${ms} ms on ${this.description}`, {
          reason: 'stalled-frame',
          interByteTimeoutMs: ms,
          bytesPending: conn.framer.buffered,
        });
        this.#drop(conn);
      }, ms);
    }
    for (const frame of frames) {
      if (frame.length === 0) continue; // keep-alive
      let read: { key: string; reply: R };
      try {
        read = this.#o.readReply(frame);
      } catch (err) {
        // Whose answer it was cannot be told: every written exchange may have lost its reply.
        this.#failWritten('HOST_BAD_RESPONSE', 'The host sent a reply that does not decode', { reason: 'undecodable', ...safeDetails(err) }, err);
        continue;
      }
      const waiting = this.#inFlight.get(read.key);
      if (waiting?.written === true) {
        waiting.resolve(read.reply);
      } else if (this.#lateKeys.delete(read.key)) {
        this.#log.warn({ host: this.description, key: read.key }, 'late reply to a request that had timed out; not routed');
        this.#o.onLateReply?.(read.key);
      } else {
        this.#log.warn({ host: this.description, key: read.key }, 'reply matches no request in flight; ignored');
        this.#o.onUnmatchedReply?.(read.key);
      }
    }
  }

  #onDown(conn: Connection, err: NodeJS.ErrnoException | undefined): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    clearTimeout(conn.interByteTimer);
    conn.socket.destroy();
    this.#state = 'disconnected';
    const errno = err?.code ?? 'closed';
    if (conn.received === 0 && this.#o.tls !== undefined && isTlsError(errno)) {
      // TLS 1.3: the client finishes its handshake before the server judges its certificate;
      // an alert now means the server refused us and never read the request.
      for (const f of [...this.#inFlight.values()]) {
        if (!f.written) continue;
        f.written = false;
        f.fail('HOST_UNREACHABLE', `The host refused the TLS handshake (${errno})`, { reason: 'tls-handshake', errno }, err);
      }
    } else {
      this.#failWritten('HOST_CONNECTION_LOST', `The connection to ${this.description} dropped before the answer (${errno})`, {
        errno,
        bytesPending: conn.framer.buffered,
      }, err);
    }
    this.#log.warn({ host: this.description, errno }, 'host connection lost');
    this.#scheduleReconnect();
  }

  #drop(conn: Connection): void {
    this.#onDown(conn, undefined);
  }

  #failWritten(code: ErrorCode, text: string, details: ErrorDetails, cause?: unknown): void {
    for (const f of [...this.#inFlight.values()]) if (f.written) f.fail(code, text, details, cause);
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#o.reconnect === false || this.#reconnectTimer !== undefined) return;
    const delay = backoffDelayMs(this.#o.backoff ?? DEFAULT_BACKOFF, this.#attempt, this.#o.random);
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#closed || this.#conn !== null) return;
      this.#ensureConnected().catch(() => undefined); // a failure schedules the next attempt
    }, delay);
    this.#reconnectTimer.unref();
  }
}

/** Node's TLS errors: `ERR_SSL_*` alerts and certificate verification codes. */
function isTlsError(errno: string): boolean {
  return errno.startsWith('ERR_SSL_') || errno.startsWith('ERR_TLS_') || /CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(errno);
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
