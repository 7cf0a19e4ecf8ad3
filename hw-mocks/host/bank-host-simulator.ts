/**
 * A bank host on loopback for tests, the demo and `pos host-sim`: ISO 8583
 * (iso87ascii) over TCP with the two-byte length prefix, the same framing and
 * codec as the terminal's client, accounts from the card deck.
 *
 *   terminal ──[LEN][0200]──▶ simulator ──[LEN][0210]──▶ terminal
 *
 * Answers (see `issuer-rules.ts`): 00 with a six-character authorization code
 * (DE 38) and a twelve-digit RRN (DE 37), or 14, 05, 54, 62, 51. An approval
 * debits the card's balance. A deck card with `issuer: "no-answer"` gets no
 * reply at all (the terminal's timeout path).
 *
 * Malformed input: a frame that does not decode, or breaks the framing, is
 * answered by closing the connection (there is no trustworthy STAN to answer
 * to). A decoded 0200 missing the PAN, amount or terminal ID gets a 0210 with
 * 30 (format error); a decoded message of another MTI gets its response MTI
 * with 12 (invalid transaction); either without a STAN closes the connection.
 *
 * Connections stay open for as many requests as the terminal sends. The
 * simulator never logs a clear PAN: its ledger and its log lines carry the
 * masked PAN only.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { Dialect, FieldValue } from '../../src/iso8583/types.js';
import { frameMessage, LengthPrefixFramer } from '../../src/host/length-prefix-framer.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { isPosError, PosError } from '../../src/util/errors.js';
import { maskPan } from '../../src/util/sensitive.js';
import { loadDeck, type Deck, type DeckCard } from '../cards/deck.js';
import { decidePurchase, RESPONSE_CODES } from './issuer-rules.js';

export interface BankHostSimulatorOptions {
  /** Accounts; default: the project's deck. */
  readonly deck?: Deck;
  /** The issuer's clock, for expiry and the ledger; default the system clock. */
  readonly clock?: () => Date;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: an ephemeral port, read back from `port` after `start()`. */
  readonly port?: number;
  readonly dialect?: Dialect;
  readonly logger?: Logger;
  readonly maxFrameBytes?: number;
}

/** One request the simulator saw. */
export interface LedgerEntry {
  readonly at: Date;
  readonly mti: string;
  readonly terminalId: string | null;
  readonly stan: string | null;
  readonly maskedPan: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  /** `null` when the simulator deliberately did not answer. */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
}

/** Fields a response echoes from its request when present. */
const ECHOED_FIELDS = [3, 4, 7, 11, 12, 13, 41, 42, 49] as const;
const TRACK2_SEPARATOR = /[=D]/;

export class BankHostSimulator {
  readonly #deck: Deck;
  readonly #clock: () => Date;
  readonly #host: string;
  readonly #requestedPort: number;
  readonly #dialect: Dialect;
  readonly #log: Logger;
  readonly #maxFrameBytes: number | undefined;
  readonly #balances = new Map<string, number>();
  readonly #ledger: LedgerEntry[] = [];
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #port = 0;
  #sequence = 0;

  constructor(options: BankHostSimulatorOptions = {}) {
    this.#deck = options.deck ?? loadDeck();
    this.#clock = options.clock ?? (() => new Date());
    this.#host = options.host ?? '127.0.0.1';
    this.#requestedPort = options.port ?? 0;
    this.#dialect = options.dialect ?? iso87ascii;
    this.#log = options.logger ?? silentLogger;
    this.#maxFrameBytes = options.maxFrameBytes;
    for (const card of this.#deck.cards) this.#balances.set(card.id, card.balance);
  }

  /** The bound port; 0 before `start()`. */
  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `tcp://${this.#host}:${this.#port}`;
  }

  /** Every request seen, oldest first (a copy). */
  get ledger(): readonly LedgerEntry[] {
    return [...this.#ledger];
  }

  /** A deck card's balance now, by card id. */
  balanceOf(cardId: string): number | undefined {
    return this.#balances.get(cardId);
  }

  /** Listens; resolves once bound. Rejects with `HOST_SIM_LISTEN_FAILED` (details: host, port, errno). */
  start(): Promise<void> {
    if (this.#server !== null) return Promise.resolve();
    const server = createServer((socket) => this.#accept(socket));
    return new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new PosError('HOST_SIM_LISTEN_FAILED', `Cannot listen on ${this.#host}:${this.#requestedPort} (${err.code ?? 'unknown'})`, {
            host: this.#host,
            port: this.#requestedPort,
            errno: err.code ?? 'unknown',
          }, { cause: err }),
        );
      });
      server.listen(this.#requestedPort, this.#host, () => {
        this.#server = server;
        this.#port = (server.address() as AddressInfo).port;
        this.#log.info({ address: this.address }, 'bank-host simulator listening');
        resolve();
      });
    });
  }

  /** Closes every connection and stops listening. Idempotent. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    const framer = new LengthPrefixFramer(this.#maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#maxFrameBytes });
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        this.#refuse(socket, err);
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        if (frame.length > 0) this.#handle(socket, frame);
      }
    });
  }

  #handle(socket: Socket, frame: Buffer): void {
    let request: Iso8583Message;
    try {
      request = decodeMessage(this.#dialect, frame);
    } catch (err) {
      this.#refuse(socket, err);
      return;
    }
    const stan = request.get(11);
    if (typeof stan !== 'string') {
      this.#refuse(socket, 'no STAN (DE 11) to answer to');
      return;
    }
    if (request.mti !== '0200') {
      this.#answer(socket, request, RESPONSE_CODES.invalidTransaction, {});
      this.#record(request, undefined, RESPONSE_CODES.invalidTransaction, null, null);
      return;
    }
    const pan = panOf(request);
    const amount = request.get(4);
    if (pan === undefined || typeof amount !== 'string' || typeof request.get(41) !== 'string') {
      this.#answer(socket, request, RESPONSE_CODES.formatError, {});
      this.#record(request, pan, RESPONSE_CODES.formatError, null, null);
      return;
    }
    const card = this.#deck.cards.find((c) => c.pan === pan);
    if (card?.issuer === 'no-answer') {
      this.#log.info({ stan, pan: maskPan(pan) }, 'issuer does not answer for this card');
      this.#record(request, pan, null, null, null);
      return;
    }
    const amountMinor = Number(amount);
    const responseCode = decidePurchase({ card, pan, amountMinor, balance: this.#balanceFor(card), now: this.#clock() });
    this.#sequence += 1;
    const rrn = String(this.#sequence).padStart(12, '0');
    let authCode: string | null = null;
    if (responseCode === RESPONSE_CODES.approved && card !== undefined) {
      this.#balances.set(card.id, this.#balanceFor(card) - amountMinor);
      authCode = `A${String(this.#sequence % 100_000).padStart(5, '0')}`;
    }
    this.#answer(socket, request, responseCode, { 37: rrn, 38: authCode ?? undefined });
    this.#record(request, pan, responseCode, authCode, rrn);
  }

  #balanceFor(card: DeckCard | undefined): number {
    return card === undefined ? 0 : (this.#balances.get(card.id) ?? 0);
  }

  #answer(socket: Socket, request: Iso8583Message, responseCode: string, extra: Record<number, FieldValue | undefined>): void {
    const fields: Record<number, FieldValue | undefined> = { ...extra, 39: responseCode };
    for (const n of ECHOED_FIELDS) fields[n] = request.get(n);
    const reply = encodeMessage(this.#dialect, { mti: responseMti(request.mti), fields });
    socket.write(frameMessage(reply));
  }

  /** Closes the connection on a request that cannot be answered. Logs the codec's code and details, never the bytes. */
  #refuse(socket: Socket, why: unknown): void {
    this.#log.warn({ why: isPosError(why) ? why.toJSON() : typeof why === 'string' ? why : 'unexpected error' }, 'malformed request; closing the connection');
    socket.destroy();
  }

  #record(request: Iso8583Message, pan: string | undefined, responseCode: string | null, authCode: string | null, rrn: string | null): void {
    const text = (n: number): string | null => {
      const v = request.get(n);
      return typeof v === 'string' ? v : null;
    };
    const amount = text(4);
    const entry: LedgerEntry = {
      at: this.#clock(),
      mti: request.mti,
      terminalId: text(41),
      stan: text(11),
      maskedPan: pan === undefined ? null : maskPan(pan),
      amountMinor: amount === null ? null : Number(amount),
      currency: text(49),
      responseCode,
      authCode,
      rrn,
    };
    this.#ledger.push(entry);
    this.#log.info({ ...entry, at: entry.at.toISOString() }, entry.responseCode === null ? 'request left unanswered' : 'request answered');
  }
}

/** The PAN from DE 2, or from track 2 (DE 35) before its separator. */
function panOf(request: Iso8583Message): string | undefined {
  const de2 = request.get(2);
  if (typeof de2 === 'string') return de2;
  const de35 = request.get(35);
  if (typeof de35 !== 'string') return undefined;
  const sep = de35.search(TRACK2_SEPARATOR);
  return sep > 0 ? de35.slice(0, sep) : undefined;
}

/** ISO 8583:1987 §4.1.1: the response to a request has function digit (third) one higher: 0200 → 0210. */
export function responseMti(mti: string): string {
  const fn = Number(mti.charAt(2));
  return `${mti.slice(0, 2)}${fn % 2 === 0 ? fn + 1 : fn}${mti.charAt(3)}`;
}
