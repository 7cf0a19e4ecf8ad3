/**
 * The local ECR API: how a cash register starts and follows a payment.
 * Plain `node:http` — the API is six routes, and a framework would double the
 * terminal's start-up time on a Pi for nothing (decided once, here).
 *
 *   POST /v1/transactions[?wait=true]     { type: "purchase", amount, currency } → 201 { …result }
 *   GET  /v1/transactions/:id[?wait=true]                                        → 200 { …result }
 *   POST /v1/transactions/:id/cancel                                            → 200 { …result }
 *   GET  /v1/health                                                             → 200 { … }
 *   POST /v1/simulator/present            { card: "<deck id>", entry: "swipe" } (virtual reader only)
 *   POST /v1/simulator/unplug             { device: "reader", forMs?: 2000 } → 202 (pulls a virtual device's cable)
 *
 * Errors are `{ error: { code, message, details } }` with 400 (bad input),
 * 404, 409 (busy / not cancellable), 413, 500. No response ever holds a PAN.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { TransactionEngine } from '../txn/engine.js';
import { asPosError, PosError, type ErrorCode } from '../util/errors.js';

export const MAX_BODY_BYTES = 16 * 1024;

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly [key: string]: unknown;
}

/** A virtual cardholder's move: which deck card, how, and what they do at the PIN pad. */
export interface PresentRequest {
  readonly card: string;
  /** `swipe` (a chip card swiped at a chip reader is asked for its chip), `chip` (insert), `swipe-stripe-only` (a card without a chip). */
  readonly entry: 'swipe' | 'chip' | 'swipe-stripe-only';
  /** The PIN typed when the pad asks (default the deck card's), `cancel` to press cancel, `none` to walk away. */
  readonly pin?: string;
  /** Card-side faults: the chip cannot be read (fallback), or the card declines after the host approved. */
  readonly fault?: 'chip-failure' | 'decline-after-approval';
}

/** Pulls a virtual device's cable; it stays out `forMs` (default 0: back on the first reopen). */
export interface UnplugRequest {
  readonly device: 'reader' | 'pinpad' | 'display';
  readonly forMs?: number;
}

/** What the simulator routes drive; present only when a device is virtual. */
export interface CardholderSimulator {
  /** Presents a deck card to the virtual reader. Throws `ECR_BAD_REQUEST` for an unknown card. */
  present(request: PresentRequest): Promise<void>;
  /** The transaction ended: the cardholder takes their card back. */
  transactionEnded?(): void;
  /** Pulls the cable of a virtual device (the driver sees it go away, and it is reopened with backoff). Throws `ECR_BAD_REQUEST` for a real device. */
  unplug?(request: UnplugRequest): Promise<void>;
}

export interface EcrServerOptions {
  readonly engine: TransactionEngine;
  readonly health: () => HealthReport;
  readonly simulator?: CardholderSimulator;
  readonly logger: Logger;
}

const purchaseBody = z
  .object({
    type: z.literal('purchase'),
    amount: z.number().int('amount must be a whole number of minor units').positive('amount must be positive'),
    currency: z.string().regex(/^\d{3}$/, 'currency must be an ISO 4217 numeric code (3 digits)'),
  })
  .strict();

const presentBody = z
  .object({
    card: z.string().min(1),
    entry: z.enum(['swipe', 'chip', 'swipe-stripe-only']).default('swipe'),
    pin: z.union([z.string().regex(/^\d{4,12}$/, 'pin must be 4–12 digits'), z.literal('cancel'), z.literal('none')]).optional(),
    fault: z.enum(['chip-failure', 'decline-after-approval']).optional(),
  })
  .strict();

const unplugBody = z
  .object({
    device: z.enum(['reader', 'pinpad', 'display']),
    forMs: z.number().int().min(0).max(60_000, 'forMs must be at most 60000').optional(),
  })
  .strict();

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  ECR_BAD_JSON: 400,
  ECR_BAD_REQUEST: 400,
  TXN_AMOUNT_INVALID: 400,
  TXN_CURRENCY_UNSUPPORTED: 400,
  ECR_BODY_TOO_LARGE: 413,
  ECR_NOT_FOUND: 404,
  TXN_NOT_FOUND: 404,
  TXN_BUSY: 409,
  TXN_NOT_CANCELLABLE: 409,
  // The journal cannot record money steps: refuse payments until someone looks.
  JOURNAL_FAULTED: 503,
  JOURNAL_DISK_FULL: 503,
  JOURNAL_READ_ONLY: 503,
  JOURNAL_CORRUPT: 503,
  JOURNAL_UNAVAILABLE: 503,
};

export class EcrServer {
  readonly #options: EcrServerOptions;
  readonly #server: Server;

  constructor(options: EcrServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => this.#fail(res, asPosError(err, 'ECR API')));
    });
    // Keep-alive sockets must not hold `close()` open.
    this.#server.keepAliveTimeout = 5_000;
  }

  /** Listens; resolves with the bound address (port 0 → an ephemeral port). */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new PosError('ECR_LISTEN_FAILED', `Cannot listen on ${host}:${port}: ${err.code ?? 'error'}`, { host, port, reason: err.code ?? 'unknown' }));
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ecr.local');
    const wait = url.searchParams.get('wait') === 'true';
    const parts = url.pathname.split('/').filter(Boolean);
    const { engine } = this.#options;
    const route = `${req.method ?? 'GET'} /${parts.map((p, i) => (i === 2 && parts[1] === 'transactions' ? ':id' : p)).join('/')}`;

    switch (route) {
      case 'POST /v1/transactions': {
        const body = parse(purchaseBody, await readJson(req));
        const started = engine.start(body);
        return send(res, 201, wait ? await engine.wait(started.id) : started);
      }
      case 'GET /v1/transactions/:id': {
        const id = parts[2] ?? '';
        const found = engine.get(id);
        if (!found) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
        return send(res, 200, wait ? await engine.wait(id) : found);
      }
      case 'POST /v1/transactions/:id/cancel':
        return send(res, 200, engine.cancel(parts[2] ?? ''));
      case 'GET /v1/health':
        return send(res, 200, this.#options.health());
      case 'POST /v1/simulator/present': {
        const simulator = this.#options.simulator;
        if (!simulator) break;
        const body = parse(presentBody, await readJson(req));
        await simulator.present({
          card: body.card,
          entry: body.entry,
          ...(body.pin === undefined ? {} : { pin: body.pin }),
          ...(body.fault === undefined ? {} : { fault: body.fault }),
        });
        return send(res, 202, { presented: body.card, entry: body.entry });
      }
      case 'POST /v1/simulator/unplug': {
        const simulator = this.#options.simulator;
        if (!simulator?.unplug) break;
        const body = parse(unplugBody, await readJson(req));
        await simulator.unplug({ device: body.device, ...(body.forMs === undefined ? {} : { forMs: body.forMs }) });
        return send(res, 202, { unplugged: body.device, forMs: body.forMs ?? 0 });
      }
      default:
        break;
    }
    throw new PosError('ECR_NOT_FOUND', `No route ${req.method ?? ''} ${url.pathname}`, { method: req.method ?? '', path: url.pathname });
  }

  #fail(res: ServerResponse, error: PosError): void {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    if (status === 500) this.#options.logger.error({ err: error }, 'ECR API request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(res, status, { error: error.toJSON() });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PosError('ECR_BODY_TOO_LARGE', `Body larger than ${MAX_BODY_BYTES} bytes`, { max: MAX_BODY_BYTES });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PosError('ECR_BAD_JSON', 'Request body is not valid JSON', { bytes: size });
  }
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => (i.path.length ? i.path.join('.') : '(body)'));
  const problems = result.error.issues.map((i, n) => `${fields[n] ?? ''}: ${i.message}`);
  throw new PosError('ECR_BAD_REQUEST', problems.join('; '), { fields, problems });
}
