/**
 * A cash register's side of the ECR API, for the crash test: plain fetch with
 * a deadline on every call (a terminal that dies mid-request must not hang
 * the run), and every response body appended byte for byte to a file, so the
 * hygiene scan also reads what the API told the register. Every call carries
 * the terminal's bearer token (`ecr.token` in its key folder).
 */
import { appendFileSync } from 'node:fs';

export interface TxnView {
  readonly id: string;
  readonly reference?: string;
  readonly state: string;
  readonly status: string | null;
  readonly stan: string | null;
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly amount: number;
  readonly errorCode?: string;
}

/** An answer whatever its status: the register decides what a 409 or a 503 means. */
export interface EcrAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class EcrError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export class Ecr {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    readonly transcript: string | null,
  ) {}

  purchase(amount: number, currency: string): Promise<TxnView> {
    return this.#call<TxnView>('POST', '/v1/transactions', { type: 'purchase', amount, currency }, 201, 5_000);
  }

  present(card: string): Promise<unknown> {
    return this.#call('POST', '/v1/simulator/present', { card }, 202, 5_000);
  }

  get(id: string): Promise<TxnView> {
    return this.#call<TxnView>('GET', `/v1/transactions/${encodeURIComponent(id)}`, undefined, 200, 5_000);
  }

  /** Waits for the end of the transaction (the engine's own card and host timeouts bound it). */
  wait(id: string, timeoutMs: number): Promise<TxnView> {
    return this.#call<TxnView>('GET', `/v1/transactions/${encodeURIComponent(id)}?wait=true`, undefined, 200, timeoutMs);
  }

  health(): Promise<{ pendingReversals?: number; reversalsNotInJournal?: number; journal?: string; status?: string }> {
    return this.#call('GET', '/v1/health', undefined, 200, 5_000);
  }

  /** Any route; throws `EcrError` only when no answer came (the terminal died or the deadline passed). */
  async request(method: string, path: string, body: unknown, timeoutMs: number): Promise<EcrAnswer> {
    const { status, bytes } = await this.#exchange(method, path, body, timeoutMs);
    return { status, body: bytes.length === 0 ? null : (JSON.parse(bytes.toString('utf8')) as unknown) };
  }

  async #call<T>(method: string, path: string, body: unknown, expected: number, timeoutMs: number): Promise<T> {
    const { status, bytes } = await this.#exchange(method, path, body, timeoutMs);
    if (status !== expected) throw new EcrError(`ECR ${method} ${path} → ${status} ${bytes.toString('utf8').slice(0, 300)}`, status);
    return JSON.parse(bytes.toString('utf8')) as T;
  }

  async #exchange(method: string, path: string, body: unknown, timeoutMs: number): Promise<{ status: number; bytes: Buffer }> {
    let res: Response;
    let bytes: Buffer;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      // A terminal killed mid-request: the caller knows it pulled the plug.
      throw new EcrError(`ECR ${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, null);
    }
    if (this.transcript !== null) appendFileSync(this.transcript, Buffer.concat([Buffer.from(`${method} ${path} ${res.status}\n`), bytes, Buffer.from('\n')]));
    return { status: res.status, bytes };
  }
}
