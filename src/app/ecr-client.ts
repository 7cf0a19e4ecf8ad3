/**
 * A small client of the ECR API, as a cash register would use it (the demo and
 * tests drive the terminal through it). Every call carries the terminal's
 * bearer token (`ecr.token`: `RunningTerminal.ecrToken` in process, or
 * `readEcrToken(path)` from its file).
 */
import type { TransactionResult } from '../txn/result.js';
import type { BatchCloseResult } from '../txn/settlement.js';
import type { StartInput } from '../txn/start-input.js';
import { PosError } from '../util/errors.js';
import type { PresentRequest, UnplugRequest } from './simulation/cardholder.js';

export class EcrClient {
  readonly #token: string;

  constructor(
    readonly baseUrl: string,
    token: string,
  ) {
    this.#token = token;
  }

  async purchase(amount: number, currency: string): Promise<TransactionResult> {
    return this.start({ type: 'purchase', amount, currency });
  }

  /** Starts a purchase (with `tip`, `cashback`), a refund (`originalId`) or a pre-authorization. */
  async start(body: StartInput): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', '/v1/transactions', body, 201);
  }

  async void(id: string): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/void`, undefined, 200);
  }

  async release(id: string): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/release`, undefined, 200);
  }

  /** Completes a pre-authorization: resolves with the completion. */
  async complete(id: string, amount: number): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/complete`, { amount }, 201);
  }

  /** Raises a pre-authorization's hold by `amount`: resolves with the pre-authorization. */
  async increment(id: string, amount: number, reference?: string): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/increment`, { amount, ...(reference === undefined ? {} : { reference }) }, 200);
  }

  /** Replaces a purchase's tip: resolves with the purchase. */
  async tip(id: string, tip: number): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/tip`, { tip }, 200);
  }

  async get(id: string, wait = false): Promise<TransactionResult> {
    return this.#call<TransactionResult>('GET', `/v1/transactions/${encodeURIComponent(id)}${wait ? '?wait=true' : ''}`, undefined, 200);
  }

  async cancel(id: string): Promise<TransactionResult> {
    return this.#call<TransactionResult>('POST', `/v1/transactions/${encodeURIComponent(id)}/cancel`, undefined, 200);
  }

  async present(card: string, move: Omit<PresentRequest, 'card'> = { entry: 'swipe' }): Promise<void> {
    await this.#call('POST', '/v1/simulator/present', { card, ...move }, 202);
  }

  /** Pulls a virtual device's cable (simulation only). */
  async unplug(request: UnplugRequest): Promise<void> {
    await this.#call('POST', '/v1/simulator/unplug', request, 202);
  }

  /** The receipts the virtual printer has cut, oldest first (simulation only). */
  async printedReceipts(): Promise<string[][]> {
    return (await this.#call<{ receipts: string[][] }>('GET', '/v1/simulator/printer', undefined, 200)).receipts;
  }

  /** Takes the virtual printer's paper out, or puts it back (simulation only). */
  async printerPaper(paper: 'out' | 'in'): Promise<void> {
    await this.#call('POST', '/v1/simulator/printer', { paper }, 202);
  }

  /** Closes the batch (`POST /v1/batch/close`): the result whether or not the host agrees. */
  async batchClose(): Promise<BatchCloseResult> {
    return this.#call<BatchCloseResult>('POST', '/v1/batch/close', undefined, 200);
  }

  async health(): Promise<Record<string, unknown>> {
    return this.#call<Record<string, unknown>>('GET', '/v1/health', undefined, 200);
  }

  async #call<T>(method: string, path: string, body: unknown, expected: number): Promise<T> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T & { error?: { code: string; message: string } };
    if (res.status !== expected) {
      // The route names ids only, and the API's errors never hold card data: both are safe to show.
      throw new PosError('ECR_CLIENT_REFUSED', `ECR ${method} ${path.split('?')[0] ?? path} answered ${res.status}${json.error ? ` ${json.error.code}: ${json.error.message}` : ''}`, {
        method,
        path: path.split('?')[0] ?? path,
        status: res.status,
        code: json.error?.code ?? null,
      });
    }
    return json;
  }
}
