/**
 * The bank-host simulator as an HTTPS JSON gateway (node:https): the
 * protocol of `src/host/json-gateway/wire.ts` mapped onto the simulator
 * core. Each JSON request becomes the ISO 8583 request it stands for (0200
 * for an authorization, 0100 for a pre-authorization, 0220 for a completion
 * or tip adjustment, 0400/0401 for a reversal) and goes through
 * `IssuerHost.handleRequest`, so PIN (DUKPT), ARQC, card rules, balances and
 * the ledger are exactly those of the ISO 8583 wire. A client that presented
 * a certificate our CA signed is trusted (no MAC is expected in JSON).
 *
 *   POST /v1/authorizations ─▶ 0200 ─▶ IssuerHost ─▶ 0210 ─▶ 200 JSON
 *                              (0100 ─▶ 0110 for a preauth)
 *   POST /v1/follow-ups     ─▶ 0220 ─▶ IssuerHost ─▶ 0230 ─▶ 200 JSON
 *   POST /v1/reversals      ─▶ 0400 ─▶ IssuerHost ─▶ 0410 ─▶ 200 JSON
 *
 * Idempotency: `Idempotency-Key` is required. The first answer for a key is
 * kept; a repeat with the same request (same body, a reversal's `at` and
 * `repeat` aside) gets that answer again (`Idempotent-Replayed: true`) and
 * reaches the core no more, so nothing is debited twice. The same key with
 * another request is 422. A deck card whose issuer does not answer gets no
 * HTTP answer either, now or on a repeat.
 *
 * Faults (`HttpFault`, or the ISO rules of `faults.ts` through
 * `httpFaultFromRule`): the core still books the request, then the answer is
 * lost (`reset`: the connection is destroyed), held (`no-answer`), late
 * (`delay`), not JSON (`malformed`) or for another STAN (`wrong-stan`);
 * `server-error` answers 500 without reaching the core.
 *
 * Logs carry the path, status, STAN and key; never the body.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { z } from 'zod';
import { Iso8583Message } from '../../src/iso8583/message.js';
import type { FieldValue, MessageInput } from '../../src/iso8583/types.js';
import {
  AUTHORIZATIONS_PATH,
  authorizationRequestSchema,
  FOLLOW_UPS_PATH,
  followUpRequestSchema,
  type FollowUpRequestBody,
  IDEMPOTENCY_HEADER,
  REPLAYED_HEADER,
  REVERSALS_PATH,
  reversalRequestSchema,
  type AuthorizationRequestBody,
  type AuthorizationResponseBody,
  type ReversalRequestBody,
  type ReversalResponseBody,
} from '../../src/host/json-gateway/wire.js';
import { isApproval } from '../../src/host/approval.js';
import { tipAndCashbackField } from '../../src/host/messages/additional-amounts.js';
import { MTI, POS_CONDITION_NORMAL, processingCodeOf, RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { amountField, localDate, localTime, transmissionDateTime } from '../../src/host/messages/fields.js';
import { defaultMtiOf, ENTRY_MODE_CODES } from '../../src/host/messages/financial.js';
import { followUpMessage } from '../../src/host/messages/follow-up.js';
import { originalMtiOf, reversalMessage, type ReversalInput } from '../../src/host/messages/reversal.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { isPosError } from '../../src/util/errors.js';
import type { FaultRule } from './faults.js';
import type { IssuerHost } from './issuer-host.js';
import type { ListenerTls } from './listeners.js';
import { sendJson, ServerSlot, trackConnections } from './server-plumbing.js';

export const HTTP_FAULT_KINDS = ['reset', 'server-error', 'malformed', 'no-answer', 'delay', 'wrong-stan'] as const;
export type HttpFaultKind = (typeof HTTP_FAULT_KINDS)[number];

export interface HttpFault {
  readonly kind: HttpFaultKind;
  /** `delay` milliseconds. */
  readonly ms?: number;
  /** Default `authorizations`. */
  readonly route?: Route;
  /** Only requests for this PAN (authorizations). */
  readonly pan?: string;
  /** Only the first n matching requests (repeats of a key count). */
  readonly times?: number;
}

export type Route = 'authorizations' | 'follow-ups' | 'reversals';
type RequestBody = AuthorizationRequestBody | FollowUpRequestBody | ReversalRequestBody;

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Answers kept for idempotency, oldest dropped first. */
export const MAX_REMEMBERED_KEYS = 100_000;
const KEY_RE = /^[0-9A-Za-z_-]{1,100}$/;
const REVERSAL_MTIS: ReadonlySet<string> = new Set([MTI.reversalRequest, MTI.reversalRepeat]);
const DEFAULT_LATE_MS = 3000;

/** The HTTP face of an ISO 8583 fault rule (`mti=0220`: the follow-ups route); `null` for one that has no meaning in JSON (`wrong-mac`). */
export function httpFaultFromRule(rule: FaultRule): HttpFault | null {
  const route: Route =
    rule.mti !== undefined && REVERSAL_MTIS.has(rule.mti) ? 'reversals' : rule.mti === MTI.financialAdvice ? 'follow-ups' : 'authorizations';
  if (rule.mti !== undefined && route === 'authorizations' && rule.mti !== MTI.financialRequest && rule.mti !== MTI.authorizationRequest) return null;
  const base = { route, ...(rule.pan === undefined ? {} : { pan: rule.pan }), ...(rule.times === undefined ? {} : { times: rule.times }) } as const;
  switch (rule.kind) {
    case 'delay':
      return { ...base, kind: 'delay', ms: rule.ms ?? 0 };
    case 'late-answer':
      return { ...base, kind: 'delay', ms: rule.ms ?? DEFAULT_LATE_MS };
    case 'no-answer':
      return { ...base, kind: 'no-answer' };
    case 'close-mid-message':
    case 'half-message':
      return { ...base, kind: 'reset' };
    case 'garbage':
    case 'oversized-header':
      return { ...base, kind: 'malformed' };
    case 'wrong-stan':
      return { ...base, kind: 'wrong-stan' };
    case 'wrong-mac':
      return null;
  }
}

export interface HttpsGatewayOptions {
  readonly issuer: IssuerHost;
  /** Server certificate and key; `ca` verifies client certificates (asked for, not required, unless `requireClientCert`). */
  readonly tls: ListenerTls;
  readonly host?: string;
  readonly port?: number;
  readonly faults?: readonly HttpFault[];
  readonly logger?: Logger;
}

/** What the core said, kept per idempotency key. `null` body: the issuer gave no answer. */
interface Outcome {
  readonly fingerprint: string;
  readonly body: AuthorizationResponseBody | ReversalResponseBody | null;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly fields: readonly string[] = [],
  ) {
    super(code);
  }
}

export class HttpsGateway {
  readonly #o: HttpsGatewayOptions;
  readonly #log: Logger;
  readonly #outcomes = new Map<string, Outcome>();
  readonly #fired: number[];
  readonly #slot = new ServerSlot();
  #requests = 0;

  constructor(options: HttpsGatewayOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#fired = (options.faults ?? []).map(() => 0);
  }

  get port(): number {
    return this.#slot.port;
  }

  get address(): string {
    return `https://${this.#o.host ?? '127.0.0.1'}:${this.#slot.port}`;
  }

  /** HTTP requests received (repeats included). */
  get requests(): number {
    return this.#requests;
  }

  /** Listens; rejects `HOST_SIM_LISTEN_FAILED` (details: host, port, errno). */
  async start(): Promise<void> {
    if (this.#slot.listening) return;
    const tls = this.#o.tls;
    const server = createServer(
      { ca: tls.ca, cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: tls.requireClientCert ?? false, minVersion: 'TLSv1.2' },
      (req, res) => this.#serve(req, res),
    );
    trackConnections(server, this.#slot.sockets);
    server.on('tlsClientError', (err: NodeJS.ErrnoException) => this.#log.info({ errno: err.code ?? 'unknown' }, 'gateway TLS client refused'));
    await this.#slot.listen(server, this.#o.host ?? '127.0.0.1', this.#o.port ?? 0);
  }

  /** Drops every connection (held answers too) and stops listening. Idempotent. */
  stop(): Promise<void> {
    return this.#slot.stop();
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    this.#requests += 1;
    const route: Route | null = req.url === AUTHORIZATIONS_PATH ? 'authorizations' : req.url === REVERSALS_PATH ? 'reversals' : req.url === FOLLOW_UPS_PATH ? 'follow-ups' : null;
    if (route === null) {
      req.resume();
      sendJson(res, 404, { error: { code: 'not-found', message: 'No such route' } });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      sendJson(res, 405, { error: { code: 'method-not-allowed', message: 'POST only' } }, { allow: 'POST' });
      return;
    }
    readBody(req).then(
      (raw) => this.#answer(route, req, res, raw),
      (err: unknown) => this.#problem(res, err instanceof HttpProblem ? err : new HttpProblem(400, 'unreadable-body')),
    );
  }

  #answer(route: Route, req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    try {
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpProblem(415, 'json-only');
      const key = req.headers[IDEMPOTENCY_HEADER];
      if (typeof key !== 'string' || !KEY_RE.test(key)) throw new HttpProblem(400, 'idempotency-key-missing');
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw new HttpProblem(400, 'not-json');
      } finally {
        raw.fill(0);
      }
      const trusted = (req.socket as TLSSocket).authorized;
      const request: RequestBody =
        route === 'authorizations' ? parse(authorizationRequestSchema, json) : route === 'follow-ups' ? parse(followUpRequestSchema, json) : parse(reversalRequestSchema, json);
      const fingerprint = fingerprintOf(route, request);
      const fault = this.#faultFor(route, request);
      if (fault?.kind === 'server-error') {
        this.#log.info({ route, key, fault: fault.kind }, 'gateway fault');
        sendJson(res, 500, { error: { code: 'internal', message: 'Simulated server error' } });
        return;
      }
      let outcome = this.#outcomes.get(`${route}:${key}`);
      const replayed = outcome !== undefined;
      if (outcome !== undefined && outcome.fingerprint !== fingerprint) throw new HttpProblem(422, 'idempotency-key-reused');
      if (outcome === undefined) {
        outcome = {
          fingerprint,
          body:
            route === 'authorizations'
              ? this.#authorize(request as AuthorizationRequestBody, trusted)
              : route === 'follow-ups'
                ? this.#followUp(request as FollowUpRequestBody, trusted)
                : this.#reverse(request as ReversalRequestBody, trusted),
        };
        this.#remember(`${route}:${key}`, outcome);
      }
      this.#log.info({ route, key, replayed, responseCode: outcome.body?.responseCode ?? null, fault: fault?.kind ?? null }, 'gateway request');
      this.#deliver(res, outcome.body, replayed, fault);
    } catch (err) {
      this.#problem(res, err);
    }
  }

  #authorize(body: AuthorizationRequestBody, trusted: boolean): AuthorizationResponseBody | null {
    const answer = this.#o.issuer.handleRequest(new Iso8583Message(defaultMtiOf(body.kind), authorizationFields(body), this.#o.issuer.dialect), { trusted });
    return answer === null ? null : authorizationAnswer(answer, body);
  }

  #followUp(body: FollowUpRequestBody, trusted: boolean): AuthorizationResponseBody | null {
    const { tipMinor, ...rest } = body;
    let message: MessageInput;
    try {
      message = followUpMessage({ ...rest, ...(tipMinor === undefined ? {} : { tipMinor }), at: new Date(body.transmittedAt) });
    } catch (err) {
      // a body the schema let through but no 0220 can carry (a completion naming a purchase): the client's fault, never a 5xx to repeat
      if (isPosError(err, 'HOST_REQUEST_INVALID')) throw new HttpProblem(400, 'schema', [String(err.details['field'] ?? '(root)')]);
      throw err;
    }
    const answer = this.#o.issuer.handleRequest(new Iso8583Message(message.mti, defined(message.fields), this.#o.issuer.dialect), { trusted });
    return answer === null ? null : authorizationAnswer(answer, body);
  }

  #reverse(body: ReversalRequestBody, trusted: boolean): ReversalResponseBody | null {
    const reversal = reversalMessage(reversalInput(body));
    const answer = this.#o.issuer.handleRequest(new Iso8583Message(reversal.mti, defined(reversal.fields), this.#o.issuer.dialect), { trusted });
    if (answer === null) return null;
    const code = text(answer, 39) ?? RESPONSE_CODES.systemMalfunction;
    return {
      stan: body.original.stan,
      terminalId: body.terminalId,
      responseCode: code,
      acknowledged: code === RESPONSE_CODES.approved || code === RESPONSE_CODES.unableToLocateRecord,
    };
  }

  #deliver(res: ServerResponse, body: Outcome['body'], replayed: boolean, fault: HttpFault | undefined): void {
    const headers = replayed ? { [REPLAYED_HEADER]: 'true' } : {};
    if (body === null || fault?.kind === 'no-answer') return; // held until the client gives up or the gateway stops
    switch (fault?.kind) {
      case 'reset':
        res.socket?.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"stan": "00');
        return;
      case 'wrong-stan':
        sendJson(res, 200, { ...body, stan: String((Number(body.stan) % 999_999) + 1).padStart(6, '0') }, headers);
        return;
      case 'delay': {
        this.#slot.later(fault.ms ?? 0, () => {
          if (!res.destroyed) sendJson(res, 200, body, headers);
        });
        return;
      }
      default:
        sendJson(res, 200, body, headers);
    }
  }

  #faultFor(route: Route, request: RequestBody): HttpFault | undefined {
    const faults = this.#o.faults ?? [];
    const index = faults.findIndex(
      (f, i) =>
        (f.route ?? 'authorizations') === route &&
        (f.pan === undefined || ('card' in request && request.card.pan === f.pan)) &&
        (f.times === undefined || (this.#fired[i] ?? 0) < f.times),
    );
    if (index < 0) return undefined;
    this.#fired[index] = (this.#fired[index] ?? 0) + 1;
    return faults[index];
  }

  #remember(key: string, outcome: Outcome): void {
    this.#outcomes.set(key, outcome);
    if (this.#outcomes.size > MAX_REMEMBERED_KEYS) {
      const oldest = this.#outcomes.keys().next();
      if (oldest.done !== true) this.#outcomes.delete(oldest.value);
    }
  }

  #problem(res: ServerResponse, err: unknown): void {
    if (err instanceof HttpProblem) {
      sendJson(res, err.status, { error: { code: err.code, message: err.code, ...(err.fields.length > 0 ? { fields: err.fields } : {}) } });
      return;
    }
    const code = isPosError(err) ? err.code : 'unexpected';
    this.#log.warn({ code }, 'gateway request failed');
    sendJson(res, isPosError(err, 'HOST_SIM_REQUEST_REFUSED') ? 400 : 500, { error: { code, message: 'The request cannot be answered' } });
  }
}

/** The JSON answer to an authorization or follow-up, from the issuer's ISO answer. */
function authorizationAnswer(answer: Iso8583Message, body: Pick<AuthorizationRequestBody, 'stan' | 'terminalId' | 'amountMinor'>): AuthorizationResponseBody {
  const code = text(answer, 39) ?? RESPONSE_CODES.systemMalfunction;
  const issuerData = answer.get(55);
  return {
    stan: text(answer, 11) ?? body.stan,
    terminalId: body.terminalId,
    amountMinor: body.amountMinor,
    responseCode: code,
    approved: isApproval(code),
    authCode: text(answer, 38) ?? null,
    rrn: text(answer, 37) ?? null,
    issuerData: Buffer.isBuffer(issuerData) ? issuerData.toString('hex').toUpperCase() : null,
  };
}

/** The 0200 (a pre-authorization's 0100) a JSON authorization stands for (what `encodeFinancialRequest` would put on the ISO wire). */
export function authorizationFields(body: AuthorizationRequestBody): Record<number, FieldValue> {
  const at = new Date(body.transmittedAt);
  const entry = ENTRY_MODE_CODES[body.entryMode];
  const fields: Record<number, FieldValue | undefined> = {
    2: body.card.pan,
    3: processingCodeOf(body.kind, (body.cashbackMinor ?? 0) > 0),
    4: amountField(body.amountMinor),
    7: transmissionDateTime(at),
    11: body.stan,
    12: localTime(at),
    13: localDate(at),
    14: body.card.expiry,
    22: body.pin === undefined ? entry : `${entry.slice(0, 2)}1`,
    25: POS_CONDITION_NORMAL,
    35: body.card.track2,
    41: body.terminalId,
    42: body.merchantId,
    49: body.currency,
    54: tipAndCashbackField(body.currency, body),
    52: body.pin === undefined ? undefined : Buffer.from(body.pin.block, 'hex'),
    53: body.pin === undefined ? undefined : Buffer.from(body.pin.ksn, 'hex'),
    55: body.chip === undefined ? undefined : Buffer.from(body.chip.de55, 'hex'),
  };
  return defined(fields);
}

/** The 0400/0401 a JSON reversal stands for. */
export function reversalInput(body: ReversalRequestBody): ReversalInput {
  return {
    mti: body.repeat ? MTI.reversalRepeat : MTI.reversalRequest,
    at: new Date(body.at),
    original: { mti: originalMtiOf(body.original.kind), stan: body.original.stan, transmissionDateTime: transmissionDateTime(new Date(body.original.transmittedAt)) },
    kind: body.original.kind,
    amountMinor: body.amountMinor,
    currency: body.currency,
    entryMode: body.entryMode,
    terminalId: body.terminalId,
    merchantId: body.merchantId,
    reason: body.reason,
  };
}

function defined(fields: Record<number, FieldValue | undefined>): Record<number, FieldValue> {
  const out: Record<number, FieldValue> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[Number(k)] = v;
  return out;
}

function text(message: Iso8583Message, field: number): string | undefined {
  const v = message.get(field);
  return typeof v === 'string' ? v : undefined;
}

function parse<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HttpProblem(400, 'schema', [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))]);
  return parsed.data;
}

/** What makes two requests the same: the whole authorization or follow-up; a reversal without its `at` and `repeat`. */
function fingerprintOf(route: Route, request: RequestBody): string {
  const identity = route === 'reversals' ? { ...(request as ReversalRequestBody), at: undefined, repeat: undefined } : request;
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpProblem(413, 'body-too-large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const all = Buffer.concat(chunks);
      for (const c of chunks) c.fill(0);
      resolve(all);
    });
    req.on('error', reject);
  });
}
