/**
 * The bank-host simulator's wires: a TCP or TLS listener with either length
 * header, handing each request frame to a `FrameHandler` (the simulator core,
 * usually behind the fault wrapper of `faults.ts`) and putting its `Answer`
 * on the socket.
 *
 *   socket ─▶ framer ─▶ FrameHandler(frame) ─▶ Answer ─▶ [HDR][reply] | silence | raw bytes | close
 *
 * Requests on one connection are answered as they complete (a delayed answer
 * does not hold back the next one), like a multiplexing host.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { frameMessage, LengthPrefixFramer, type LengthHeader } from '../../src/host/channels/length-prefix-framer.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { isPosError } from '../../src/util/errors.js';
import { readFrames, ServerSlot } from './server-plumbing.js';

/** What to do with one request. */
export type Answer =
  /** Frame `message` with the listener's header and write it, after `delayMs`. */
  | { readonly kind: 'reply'; readonly message: Buffer; readonly delayMs?: number }
  /** Write nothing. */
  | { readonly kind: 'silence' }
  /** Write `bytes` as they are (no header added), then close the connection or not. */
  | { readonly kind: 'raw'; readonly bytes: Buffer; readonly thenClose: boolean }
  /** Close the connection (a request that cannot be answered). */
  | { readonly kind: 'close' };

export type FrameHandler = (frame: Buffer) => Promise<Answer>;

/** The simulator core as the wires see it: a reply frame, `null` for no answer; a throw closes the connection. */
export type CoreHandler = (frame: Buffer) => Buffer | null | Promise<Buffer | null>;

/** Wraps a core: `null` → silence, throw → close. */
export function answerWith(core: CoreHandler): FrameHandler {
  return async (frame) => {
    try {
      const reply = await core(frame);
      return reply === null ? { kind: 'silence' } : { kind: 'reply', message: reply };
    } catch {
      return { kind: 'close' };
    }
  };
}

export interface ListenerTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Ask for and verify a client certificate against `ca`; default true. */
  readonly requireClientCert?: boolean;
}

export interface FrameListenerOptions {
  readonly handler: FrameHandler;
  readonly host?: string;
  readonly port?: number;
  readonly lengthHeader?: LengthHeader;
  readonly maxFrameBytes?: number;
  readonly tls?: ListenerTls;
  readonly logger?: Logger;
}

export class FrameListener {
  readonly #o: FrameListenerOptions;
  readonly #log: Logger;
  readonly #slot = new ServerSlot();
  #connections = 0;

  constructor(options: FrameListenerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  get port(): number {
    return this.#slot.port;
  }

  get address(): string {
    return `${this.#o.tls === undefined ? 'tcp' : 'tls'}://${this.#o.host ?? '127.0.0.1'}:${this.#slot.port}`;
  }

  /** Connections accepted so far (TLS: handshakes completed). */
  get connections(): number {
    return this.#connections;
  }

  /** Listens (on the last port when restarted); rejects `HOST_SIM_LISTEN_FAILED`. */
  async start(): Promise<void> {
    if (this.#slot.listening) return;
    const tls = this.#o.tls;
    const server =
      tls === undefined
        ? createTcpServer((s) => this.#accept(s))
        : createTlsServer(
            {
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              requestCert: tls.requireClientCert ?? true,
              rejectUnauthorized: tls.requireClientCert ?? true,
              minVersion: 'TLSv1.2',
            },
            (s) => this.#accept(s),
          );
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => this.#log.info({ errno: err.code ?? 'unknown' }, 'TLS client refused'));
    await this.#slot.listen(server, this.#o.host ?? '127.0.0.1', this.#slot.port !== 0 ? this.#slot.port : (this.#o.port ?? 0));
  }

  /** Drops every connection and stops listening. Idempotent; `start()` again reuses the port. */
  stop(): Promise<void> {
    return this.#slot.stop();
  }

  #accept(socket: Socket): void {
    this.#connections += 1;
    this.#slot.hold(socket);
    const header = this.#o.lengthHeader ?? 'binary2';
    const framer = new LengthPrefixFramer({ lengthHeader: header, ...(this.#o.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#o.maxFrameBytes }) });
    socket.setNoDelay(true);
    readFrames(
      socket,
      framer,
      (frame) => {
        this.#o.handler(frame).then(
          (answer) => this.#apply(socket, answer, header),
          () => socket.destroy(),
        );
      },
      (err) => this.#log.warn({ why: isPosError(err) ? err.code : 'unexpected' }, 'broken framing; closing the connection'),
    );
  }

  #apply(socket: Socket, answer: Answer, header: LengthHeader): void {
    if (socket.destroyed) return;
    switch (answer.kind) {
      case 'silence':
        return;
      case 'close':
        socket.destroy();
        return;
      case 'raw':
        if (answer.thenClose) socket.end(answer.bytes);
        else socket.write(answer.bytes);
        return;
      case 'reply': {
        const framed = frameMessage(answer.message, this.#o.maxFrameBytes ?? 0xffff, header);
        const delay = answer.delayMs ?? 0;
        if (delay <= 0) {
          socket.write(framed);
          return;
        }
        this.#slot.later(delay, () => {
          if (!socket.destroyed) socket.write(framed);
        });
        return;
      }
    }
  }
}
