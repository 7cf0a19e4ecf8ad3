/**
 * The local ECR API: how a cash register starts and follows a payment.
 * Plain `node:http` — the API is a dozen routes, and a framework would double
 * the terminal's start-up time on a Pi for nothing (decided once, here).
 * The whole API is described in docs/ecr-api.yaml (OpenAPI 3.1).
 *
 *   POST /v1/transactions[?wait=true]     { type, amount, currency, tip?, cashback?, originalId?, reference? } → 201 { …result }
 *                                         type "purchase" | "refund" | "preauth"
 *   GET  /v1/transactions?reference=…|since=…[&limit=…]                         → 200 { transactions }
 *   GET  /v1/transactions/:id[?wait=true]                                        → 200 { …result }
 *   POST /v1/transactions/:id/cancel                                            → 200 { …result }
 *   POST /v1/transactions/:id/void                                              → 200 { …result, status: "voided" }
 *   POST /v1/transactions/:id/release     a pre-authorization                   → 200 { …result, status: "voided" }
 *   POST /v1/transactions/:id/complete    { amount }                            → 201 { …the completion }
 *   POST /v1/transactions/:id/increment   { amount, reference? }                → 200 { …the pre-authorization }
 *   POST /v1/transactions/:id/tip         { tip }                               → 200 { …the purchase }
 *   GET  /v1/health                                                             → 200 { … }
 *   other routes                          route modules (`EcrRoutes`): `ecr-batch-routes.ts` (totals, batch close),
 *                                         `ecr-receipt-routes.ts` (receipts, printing), the simulator's
 *
 * Before any route: `ecr-guard.ts` (Host → 421, Origin → 403, bearer token
 * → 401, JSON content type → 415); a JSON body naming a key twice → 400.
 * Off loopback only over TLS (`node:https`, client certificates with a CA).
 * Timeouts and a connection cap keep idle or slow clients from starving the
 * register (`ECR_LIMITS`). The simulator routes exist only when they are
 * passed (virtual devices: `src/app/simulation/simulator-routes.ts`);
 * otherwise they are 404.
 *
 * Errors are `{ error: { code, message, details } }` with 400 (bad input),
 * 401, 403, 404, 409 (busy, not cancellable or voidable, not applicable to
 * the original), 413, 415, 421, 500, 502 and 504 (a batch close the host
 * failed), 503 (the journal cannot write). No
 * response ever holds a PAN.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isLoopbackAddress } from '../host/channels/production-guard.js';
import type { TransactionEngine } from '../txn/engine.js';
import { asPosError, PosError, type ErrorCode } from '../util/errors.js';
import { findDuplicateKey } from '../util/json-duplicate-keys.js';
import { EcrGuard } from './ecr-guard.js';

export const MAX_BODY_BYTES = 16 * 1024;

/** What one slow or idle client may hold, so that it cannot starve the register. */
export interface EcrLimits {
  /** Connections open at once; more are closed as they arrive (`server.maxConnections`). Keep well under the unit's `LimitNOFILE`. */
  readonly maxConnections: number;
  /** A request's headers must be in by then, counted from the connection or the previous request (also ends connections that send nothing). */
  readonly headersTimeoutMs: number;
  /** A whole request, headers and body, must be in by then (answering `?wait=true` may take longer). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** How often the two request timeouts are checked. */
  readonly timeoutCheckMs: number;
}

export const ECR_LIMITS: EcrLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckMs: 1_000,
};

/** The API's certificate and key (PEM); with `ca`, clients must present a certificate it signed (mutual TLS). */
export interface EcrTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly [key: string]: unknown;
}

/** A route's answer: its status and JSON body, or plain text. */
export type EcrAnswer = { readonly status: number; readonly body: unknown } | { readonly status: number; readonly text: string };

/** What a route module is told of a request. */
export interface EcrRouteRequest {
  /** The `:id` of a `/v1/transactions/:id/…` route. */
  readonly id: string | undefined;
  readonly query: URLSearchParams;
  /** The `Accept` header, when given (a receipt answers `text/plain` when asked). */
  readonly accept: string | undefined;
  /** Reads the request's JSON under the server's limits and checks. */
  readonly readBody: () => Promise<unknown>;
}

/**
 * Routes served by a module of their own (receipts; the `/v1/simulator/*`
 * routes, given only in simulation): the server asks each, in order, about a
 * route it does not serve itself, after the guard; a route none answers is 404.
 */
export interface EcrRoutes {
  /**
   * The answer to `route` (`POST /v1/simulator/present`, with `:id` for a
   * transaction's id), or `undefined` when it is none of theirs. Throws a
   * `PosError` (`ECR_BAD_REQUEST`, …).
   */
  answer(route: string, request: EcrRouteRequest): Promise<EcrAnswer | undefined>;
}

export interface EcrServerOptions {
  readonly engine: TransactionEngine;
  readonly health: () => HealthReport;
  /** Route modules asked in order (the simulator's only in simulation: without them `/v1/simulator/*` is 404). */
  readonly routes?: readonly EcrRoutes[];
  readonly logger: Logger;
  /** The bearer token every request must carry (`ecr.token`). */
  readonly token: string;
  /** Required to listen anywhere but loopback. */
  readonly tls?: EcrTls;
  /** `ecr.allowedOrigins`: browser origins that may call the API. */
  readonly allowedOrigins?: readonly string[];
  /** `ecr.allowedHosts`: `Host` names accepted besides the bound address and `localhost`. */
  readonly allowedHosts?: readonly string[];
  /** Overrides of `ECR_LIMITS` (tests shorten them). */
  readonly limits?: Partial<EcrLimits>;
}

/** A register's idempotency key (`reference` in the body or the `Idempotency-Key` header): printable ASCII, no spaces. */
const REFERENCE_PATTERN = /^[!-~]{1,64}$/;
const REFERENCE_RULE = 'reference must be 1–64 printable ASCII characters without spaces';
const MAX_LIST_LIMIT = 1000;

const minorUnits = (field: string) => z.number().int(`${field} must be a whole number of minor units`).positive(`${field} must be positive`);
const startCommon = {
  amount: minorUnits('amount'),
  currency: z.string().regex(/^\d{3}$/, 'currency must be an ISO 4217 numeric code (3 digits)'),
  reference: z.string().regex(REFERENCE_PATTERN, REFERENCE_RULE).optional(),
};
const TRANSACTION_ID = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'originalId must be a transaction id');

const startBody = z.discriminatedUnion('type', [
  // A tip of 0 says "no tip" where the cardholder would otherwise be asked for one on the PIN pad.
  z.object({ type: z.literal('purchase'), ...startCommon, tip: z.number().int('tip must be a whole number of minor units').nonnegative('tip must not be negative').optional(), cashback: minorUnits('cashback').optional() }).strict(),
  z.object({ type: z.literal('refund'), ...startCommon, originalId: TRANSACTION_ID.optional() }).strict(),
  z.object({ type: z.literal('preauth'), ...startCommon }).strict(),
]);

const completeBody = z.object({ amount: minorUnits('amount') }).strict();
/** The amount an increment adds to the hold; the register's idempotency key makes a retry answer as the first did. */
const incrementBody = z.object({ amount: minorUnits('amount'), reference: z.string().regex(REFERENCE_PATTERN, REFERENCE_RULE).optional() }).strict();
const tipBody = z.object({ tip: z.number().int('tip must be a whole number of minor units').nonnegative('tip must not be negative') }).strict();

const listQuery = z
  .object({
    reference: z.string().regex(REFERENCE_PATTERN, REFERENCE_RULE).optional(),
    since: z.iso.datetime({ offset: true, message: 'since must be an ISO 8601 date-time' }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT, `limit must be 1–${MAX_LIST_LIMIT}`).default(100),
  })
  .strict()
  .refine((q) => q.reference !== undefined || q.since !== undefined, { message: 'give reference or since', path: ['reference'] });

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  ECR_BAD_JSON: 400,
  ECR_BAD_REQUEST: 400,
  TXN_AMOUNT_INVALID: 400,
  TXN_CURRENCY_UNSUPPORTED: 400,
  ECR_DUPLICATE_KEY: 400,
  ECR_UNAUTHORIZED: 401,
  ECR_ORIGIN_FORBIDDEN: 403,
  ECR_BODY_TOO_LARGE: 413,
  ECR_UNSUPPORTED_MEDIA_TYPE: 415,
  ECR_MISDIRECTED: 421,
  ECR_NOT_FOUND: 404,
  TXN_NOT_FOUND: 404,
  TXN_BUSY: 409,
  TXN_NOT_CANCELLABLE: 409,
  TXN_NOT_VOIDABLE: 409,
  TXN_ORIGINAL_INVALID: 409,
  TXN_TYPE_NOT_ALLOWED: 400,
  TXN_AMOUNT_OVER_ORIGINAL: 400,
  TXN_CASHBACK_OVER_LIMIT: 400,
  TXN_TIP_NOT_ADJUSTED: 409,
  TXN_NOT_INCREMENTED: 409,
  TXN_REFERENCE_REUSED: 409,
  ECR_BATCH_CLOSE_UNSUPPORTED: 409,
  RECEIPT_TXN_RUNNING: 409,
  RECEIPT_NO_PRINTER: 409,
  RECEIPT_NONE_TO_REPRINT: 404,
  RECEIPT_WIDTH_INVALID: 400,
  // The host failed the batch close's 0500 (a transaction's host failure is in its result, never an HTTP error).
  HOST_UNREACHABLE: 502,
  HOST_CONNECTION_LOST: 502,
  HOST_BAD_RESPONSE: 502,
  HOST_TIMEOUT: 504,
  // The journal cannot record money steps: refuse payments until someone looks.
  JOURNAL_FAULTED: 503,
  JOURNAL_DISK_FULL: 503,
  JOURNAL_READ_ONLY: 503,
  JOURNAL_CORRUPT: 503,
  JOURNAL_UNAVAILABLE: 503,
};

/** Refusals made before routing: the connection is closed after the answer, the body never read. */
const GUARD_CODES: ReadonlySet<ErrorCode> = new Set(['ECR_MISDIRECTED', 'ECR_ORIGIN_FORBIDDEN', 'ECR_UNAUTHORIZED', 'ECR_UNSUPPORTED_MEDIA_TYPE']);

export class EcrServer {
  readonly #options: EcrServerOptions;
  readonly #guard: EcrGuard;
  readonly #server: Server;
  /** The limits in force. */
  readonly limits: EcrLimits;

  constructor(options: EcrServerOptions) {
    this.#options = options;
    this.#guard = new EcrGuard({ token: options.token, ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}), ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) });
    const limits = { ...ECR_LIMITS, ...options.limits };
    this.limits = limits;
    const timeouts = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckMs };
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((err: unknown) => this.#fail(req, res, err));
    };
    const tls = options.tls;
    this.#server = tls
      ? createHttpsServer({ ...timeouts, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, onRequest)
      : createHttpServer(timeouts, onRequest);
    // Also keeps idle keep-alive sockets from holding `close()` open.
    this.#server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    this.#server.maxConnections = limits.maxConnections;
  }

  /** `https` with TLS, else `http`. */
  get scheme(): 'http' | 'https' {
    return this.#options.tls ? 'https' : 'http';
  }

  /** Listens; resolves with the bound address (port 0 → an ephemeral port). Off loopback without TLS: `ECR_TLS_REQUIRED`. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      assertEcrBindAllowed(host, this.#options.tls !== undefined);
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
    if (this.#guard.admit(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://ecr.local');
    const wait = url.searchParams.get('wait') === 'true';
    const parts = url.pathname.split('/').filter(Boolean);
    const { engine } = this.#options;
    const route = `${req.method ?? 'GET'} /${parts.map((p, i) => (i === 2 && parts[1] === 'transactions' ? ':id' : p)).join('/')}`;

    switch (route) {
      case 'POST /v1/transactions': {
        const { reference: given, ...body } = parse(startBody, await readJson(req));
        const reference = idempotencyKey(req, given);
        // The same key names the same transaction, before and after a restart: never a second charge.
        const replayed = reference !== undefined && engine.byReference(reference) !== undefined;
        const started = engine.start({ ...body, ...(reference === undefined ? {} : { reference }) });
        return send(res, replayed ? 200 : 201, wait ? await engine.wait(started.id) : started);
      }
      case 'GET /v1/transactions': {
        const query = parse(listQuery, Object.fromEntries(url.searchParams));
        const transactions = engine.list({
          ...(query.reference === undefined ? {} : { reference: query.reference }),
          ...(query.since === undefined ? {} : { since: new Date(query.since) }),
          limit: query.limit,
        });
        return send(res, 200, { transactions });
      }
      case 'GET /v1/transactions/:id': {
        const id = parts[2] ?? '';
        const found = engine.get(id);
        if (!found) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
        return send(res, 200, wait ? await engine.wait(id) : found);
      }
      case 'POST /v1/transactions/:id/cancel':
        return send(res, 200, await engine.cancel(parts[2] ?? ''));
      case 'POST /v1/transactions/:id/void':
        return send(res, 200, await engine.void(parts[2] ?? ''));
      case 'POST /v1/transactions/:id/release':
        return send(res, 200, await engine.release(parts[2] ?? ''));
      case 'POST /v1/transactions/:id/complete': {
        const body = parse(completeBody, await readJson(req));
        return send(res, 201, await engine.complete(parts[2] ?? '', body.amount));
      }
      case 'POST /v1/transactions/:id/increment': {
        const { reference: given, amount } = parse(incrementBody, await readJson(req));
        const reference = idempotencyKey(req, given);
        return send(res, 200, await engine.increment(parts[2] ?? '', amount, reference));
      }
      case 'POST /v1/transactions/:id/tip': {
        const body = parse(tipBody, await readJson(req));
        return send(res, 200, await engine.adjustTip(parts[2] ?? '', body.tip));
      }
      case 'GET /v1/health':
        return send(res, 200, this.#options.health());
      default: {
        const request: EcrRouteRequest = { id: parts[1] === 'transactions' ? parts[2] : undefined, query: url.searchParams, accept: req.headers.accept, readBody: () => readJson(req) };
        for (const routes of this.#options.routes ?? []) {
          const answer = await routes.answer(route, request);
          if (answer === undefined) continue;
          return 'text' in answer ? sendText(res, answer.status, answer.text) : send(res, answer.status, answer.body);
        }
        break;
      }
    }
    throw new PosError('ECR_NOT_FOUND', `No route ${req.method ?? ''} ${url.pathname}`, { method: req.method ?? '', path: url.pathname });
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (err instanceof ClientGone) {
      // The client went away mid-body (or its request timed out): nobody to answer, nothing wrong here.
      this.#options.logger.debug({ method: req.method, path: pathOf(req) }, 'ECR request aborted by the client');
      return;
    }
    const error = asPosError(err, 'ECR API');
    const status = STATUS_BY_CODE[error.code] ?? 500;
    if (status === 500) this.#options.logger.error({ err: error }, 'ECR API request failed');
    if (GUARD_CODES.has(error.code)) {
      this.#options.logger.info({ status, code: error.code, method: req.method, path: pathOf(req), from: req.socket.remoteAddress }, 'ECR request refused');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error.code === 'ECR_UNAUTHORIZED') {
      res.setHeader('www-authenticate', error.details['reason'] === 'invalid' ? 'Bearer realm="pos-terminal", error="invalid_token"' : 'Bearer realm="pos-terminal"');
    }
    // The body was not (all) read: close rather than read on for the next request.
    if (GUARD_CODES.has(error.code) || error.code === 'ECR_BODY_TOO_LARGE') res.setHeader('connection', 'close');
    send(res, status, { error: error.toJSON() });
  }
}

/**
 * Refuses (`ECR_TLS_REQUIRED`, a configuration error) to serve the API in
 * clear anywhere but loopback: on the LAN anyone could start purchases.
 */
export function assertEcrBindAllowed(host: string, tls: boolean): void {
  if (tls || isLoopbackAddress(host)) return;
  throw new PosError('ECR_TLS_REQUIRED', `The ECR API may listen on ${host} only with ecr.tls (certFile, keyFile); plain HTTP is for loopback`, { host, fields: ['ecr.tls'] });
}

/** The request's path without its query, for logs. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request ended before its body did: the client closed the connection, or the request timeout did. */
class ClientGone extends Error {}

/**
 * The body, at most `MAX_BODY_BYTES`. Read by listeners rather than
 * `for await`, whose early exit would destroy the socket before the 413 is
 * answered; what follows an oversized body is discarded by Node once the
 * answer (with `connection: close`) is sent.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off('data', onData).off('end', onEnd).off('aborted', onGone).off('error', onGone).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      done();
      reject(new PosError('ECR_BODY_TOO_LARGE', `Body larger than ${MAX_BODY_BYTES} bytes`, { max: MAX_BODY_BYTES }));
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onGone = (): void => {
      done();
      reject(new ClientGone('client gone'));
    };
    const onClose = (): void => {
      if (!req.complete) onGone();
    };
    req.on('data', onData).on('end', onEnd).on('aborted', onGone).on('error', onGone).on('close', onClose);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  const size = body.length;
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new PosError('ECR_BAD_JSON', 'Request body is not valid JSON', { bytes: size });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate) throw new PosError('ECR_DUPLICATE_KEY', `Request body names a key twice in one object (at offset ${duplicate.offset})`, { ...duplicate });
  return value;
}

/** `raw` (a body or a query) checked against `schema`: `ECR_BAD_REQUEST` naming every bad field. */
export function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => (i.path.length ? i.path.join('.') : '(body)'));
  const problems = result.error.issues.map((i, n) => `${fields[n] ?? ''}: ${i.message}`);
  throw new PosError('ECR_BAD_REQUEST', problems.join('; '), { fields, problems });
}

/** The register's idempotency key: the body's `reference` or the `Idempotency-Key` header; both must agree when both are given. */
function idempotencyKey(req: IncomingMessage, fromBody: string | undefined): string | undefined {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return fromBody;
  if (Array.isArray(header) || !REFERENCE_PATTERN.test(header)) {
    throw new PosError('ECR_BAD_REQUEST', `Idempotency-Key: ${REFERENCE_RULE}`, { fields: ['Idempotency-Key'], problems: [REFERENCE_RULE] });
  }
  if (fromBody !== undefined && fromBody !== header) {
    const problem = 'reference and Idempotency-Key differ';
    throw new PosError('ECR_BAD_REQUEST', problem, { fields: ['reference', 'Idempotency-Key'], problems: [problem] });
  }
  return header;
}
