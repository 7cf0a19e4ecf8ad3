/**
 * The bank-host simulator's admin port (plain HTTP, loopback by default):
 * what the issuer booked, as JSON, so that a test outside the terminal can
 * compare the terminal's journal with the host's side.
 *
 *   GET /v1/health   { status: "ok", requests, financial, uptimeMs }
 *   GET /v1/ledger   { entries: [ financial requests, oldest first ] }
 *   GET /v1/ledger?all=1   every request (reversals, network, reconciliation too)
 *   GET /v1/summary[?terminal=T0000001]   holds, captures, releases, voids,
 *        tip adjustments standing (`LedgerSummary` in `ledger.ts`)
 *
 * An entry: time, mti, terminalId, stan, transmissionDateTime, maskedPan,
 * amountMinor, currency, kind (purchase, refund, preauth, completion,
 * tip-adjust), responseCode (null: deliberately unanswered), authCode, rrn,
 * tipMinor, cashbackMinor, heldMinor, capturedMinor, completed, originalStan,
 * reversed. PANs are masked; nothing else here is card data.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { MTI } from '../../src/host/messages/constants.js';
import type { IssuerHost } from './issuer-host.js';
import type { LedgerEntry } from './ledger.js';
import { sendJson, ServerSlot, trackConnections } from './server-plumbing.js';

/** Requests that ask for money (authorization, financial, advice). */
const FINANCIAL_MTIS: ReadonlySet<string> = new Set([MTI.authorizationRequest, MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);

export interface AdminLedgerEntry extends Omit<LedgerEntry, 'time'> {
  readonly time: string;
}

export interface AdminServerOptions {
  readonly issuer: Pick<IssuerHost, 'ledger' | 'summary'>;
  readonly host?: string;
  readonly port?: number;
  readonly clock?: () => number;
}

export class AdminServer {
  readonly #o: AdminServerOptions;
  readonly #slot = new ServerSlot();
  readonly #startedAt: number;

  constructor(options: AdminServerOptions) {
    this.#o = options;
    this.#startedAt = (options.clock ?? Date.now)();
  }

  get port(): number {
    return this.#slot.port;
  }

  get address(): string {
    return `http://${this.#o.host ?? '127.0.0.1'}:${this.#slot.port}`;
  }

  /** Listens; rejects `HOST_SIM_LISTEN_FAILED` (details: host, port, errno). */
  async start(): Promise<void> {
    if (this.#slot.listening) return;
    const server = createServer((req, res) => this.#serve(req, res));
    trackConnections(server, this.#slot.sockets);
    await this.#slot.listen(server, this.#o.host ?? '127.0.0.1', this.#o.port ?? 0);
  }

  /** Idempotent. */
  stop(): Promise<void> {
    return this.#slot.stop();
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://admin');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'method-not-allowed', message: 'GET only' } }, { allow: 'GET' });
      return;
    }
    if (url.pathname === '/v1/health') {
      const ledger = this.#o.issuer.ledger;
      sendJson(res, 200, { status: 'ok', requests: ledger.length, financial: ledger.filter((e) => FINANCIAL_MTIS.has(e.mti)).length, uptimeMs: (this.#o.clock ?? Date.now)() - this.#startedAt });
      return;
    }
    if (url.pathname === '/v1/ledger') {
      const all = url.searchParams.get('all');
      const entries = this.#o.issuer.ledger.filter((e) => all === '1' || all === 'true' || FINANCIAL_MTIS.has(e.mti)).map(toAdminEntry);
      sendJson(res, 200, { entries });
      return;
    }
    if (url.pathname === '/v1/summary') {
      const terminal = url.searchParams.get('terminal');
      sendJson(res, 200, this.#o.issuer.summary(terminal ?? undefined));
      return;
    }
    sendJson(res, 404, { error: { code: 'not-found', message: 'No such route' } });
  }
}

export function toAdminEntry(entry: LedgerEntry): AdminLedgerEntry {
  return { ...entry, time: entry.time.toISOString() };
}
