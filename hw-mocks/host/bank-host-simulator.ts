/**
 * A bank host on loopback for tests, the demo and `pos host-sim`: ISO 8583
 * (iso87ascii by default) over TCP with the two-byte length prefix, the same
 * framing and codec as the terminal's client, around the socket-free core of
 * `issuer-host.ts` (which the TLS, HTTPS and admin wrappers use too).
 *
 *   terminal ──[LEN][request]──▶ simulator ──[LEN][answer]──▶ terminal
 *
 * What it answers and why: `issuer-host.ts` (MAC, dispatch),
 * `issuer-financial.ts`, `issuer-reversal.ts`, `issuer-network.ts`,
 * `issuer-security.ts` (PIN, ARQC/ARPC), `issuer-rules.ts`, `ledger.ts`.
 *
 * Malformed input: a frame that does not decode, has no STAN, or breaks the
 * framing is answered by closing the connection (there is no trustworthy
 * STAN to answer to). A deck card with `issuer: "no-answer"` gets no reply.
 * Connections stay open for as many requests as the terminal sends. The
 * simulator never logs a clear PAN: its ledger and log lines carry the
 * masked PAN only.
 */
import { createServer, type Socket } from 'node:net';
import { frameMessage, LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { responseMtiOf } from '../../src/host/messages/constants.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { isPosError } from '../../src/util/errors.js';
import { IssuerHost, type IssuerHostOptions } from './issuer-host.js';
import type { LedgerEntry, LedgerSummary } from './ledger.js';
import { readFrames, ServerSlot } from './server-plumbing.js';

export type { LedgerEntry, LedgerSummary } from './ledger.js';

export interface BankHostSimulatorOptions extends IssuerHostOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: an ephemeral port, read back from `port` after `start()`. */
  readonly port?: number;
  readonly maxFrameBytes?: number;
}

export class BankHostSimulator {
  /** The socket-free core, for wrappers and tests. */
  readonly issuer: IssuerHost;
  readonly #host: string;
  readonly #requestedPort: number;
  readonly #log: Logger;
  readonly #maxFrameBytes: number | undefined;
  readonly #slot = new ServerSlot();

  constructor(options: BankHostSimulatorOptions = {}) {
    this.issuer = new IssuerHost(options);
    this.#host = options.host ?? '127.0.0.1';
    this.#requestedPort = options.port ?? 0;
    this.#log = options.logger ?? silentLogger;
    this.#maxFrameBytes = options.maxFrameBytes;
  }

  /** The bound port; 0 before `start()`. */
  get port(): number {
    return this.#slot.port;
  }

  get address(): string {
    return `tcp://${this.#host}:${this.#slot.port}`;
  }

  /** Every request seen, oldest first (copies). */
  get ledger(): readonly LedgerEntry[] {
    return this.issuer.ledger;
  }

  /** A deck card's available balance now (holds taken off), by card id. */
  balanceOf(cardId: string): number | undefined {
    return this.issuer.balanceOf(cardId);
  }

  /** Holds, captures, releases, voids and tip adjustments standing, for one terminal or all. */
  summary(terminalId?: string): LedgerSummary {
    return this.issuer.summary(terminalId);
  }

  /** Listens; resolves once bound. Rejects with `HOST_SIM_LISTEN_FAILED` (details: host, port, errno). */
  async start(): Promise<void> {
    if (this.#slot.listening) return;
    await this.#slot.listen(
      createServer((socket) => this.#accept(socket)),
      this.#host,
      this.#requestedPort,
    );
    this.#log.info({ address: this.address }, 'bank-host simulator listening');
  }

  /** Closes every connection and stops listening. Idempotent. */
  stop(): Promise<void> {
    return this.#slot.stop();
  }

  #accept(socket: Socket): void {
    this.#slot.hold(socket);
    const framer = new LengthPrefixFramer(this.#maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#maxFrameBytes });
    readFrames(
      socket,
      framer,
      (frame) => {
        let answer: Buffer | null;
        try {
          answer = this.issuer.handleFrame(frame);
        } catch (err) {
          this.#refuse(socket, err);
          return;
        }
        if (answer !== null) socket.write(frameMessage(answer));
      },
      (err) => this.#refuse(socket, err),
    );
  }

  /** Closes the connection on a request that cannot be answered. Logs the code and details, never the bytes. */
  #refuse(socket: Socket, why: unknown): void {
    this.#log.warn({ why: isPosError(why) ? why.toJSON() : 'unexpected error' }, 'malformed request; closing the connection');
    socket.destroy();
  }
}

/** ISO 8583:1987 §4.1.1: the response MTI of a request (0200 → 0210, 0401 → 0410). */
export const responseMti = responseMtiOf;
