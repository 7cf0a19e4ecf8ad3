/**
 * The cash register of the crash test: what a real register keeps and does.
 * Every purchase gets its own `reference` (the ECR API's idempotency key) and
 * the register remembers the LAST final answer it got for it — from a wait,
 * a cancel, or a look-up. When one of its calls is cut off (the terminal was
 * killed under it), the purchase is marked unresolved, and after the terminal
 * is back the register asks `GET /v1/transactions?reference=…` for each one.
 * An empty answer means the terminal never recorded the purchase: it did not
 * start. A 503 to the POST (the journal cannot write) means the same.
 *
 * `register-check.ts` judges what the register was told against the host.
 */
import { EcrError, type Ecr, type TxnView } from './ecr.js';
import { FollowUpDesk } from './register-follow-ups.js';

/** `voided`: the register voided (or released) it later; a look-up then says so. */
export const FINAL_STATUSES = ['approved', 'declined', 'cancelled', 'failed', 'voided'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];
/** What the register last knows of a purchase: a final status, or that it never started. */
export type ToldStatus = FinalStatus | 'not-started';

export interface ToldOutcome {
  readonly status: ToldStatus;
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly amount: number | null;
  readonly stan: string | null;
  readonly errorCode: string | null;
  /** How the register learned it. */
  readonly via: 'answer' | 'cancel' | 'look-up' | 'refused';
}

/** Where in a purchase the register pressed cancel (`plan.ts`). */
export type CancelMoment = 'after-start' | 'after-card' | 'sending';

export interface CancelRecord {
  readonly moment: CancelMoment;
  /** The state the register saw last before it cancelled. */
  readonly seenState: string | null;
  /** 200 (stopped: the body is the final result), 409 (too late: the host decides), another status, or null (cut off). */
  readonly httpStatus: number | null;
}

/** What the register starts with a card (`POST /v1/transactions` `type`). */
export type CardTxnType = 'purchase' | 'refund' | 'preauth';

export interface RegisterPurchase {
  readonly reference: string;
  readonly type: CardTxnType;
  readonly amount: number;
  /** A referenced refund: the transaction id it names. */
  readonly originalId: string | null;
  /** Which part of the run made it (`main`, `disk-full`, `host-crash`). */
  readonly phase: string;
  id: string | null;
  /** The last final answer, in the course of business. */
  told: ToldOutcome | null;
  /** A call about it was cut off: the register must look it up. */
  unresolved: boolean;
  cancel: CancelRecord | null;
  /** What the terminal says of it at the very end, after the last restart (an audit, not an answer the register acted on). */
  audit: ToldOutcome | null;
}

/** Starting a purchase: its first snapshot, or a refusal the register understood. */
export type StartAnswer = { readonly kind: 'started'; readonly view: TxnView; /** 200: the terminal already knew the reference. */ readonly replayed: boolean } | { readonly kind: 'refused'; readonly status: number; readonly code: string | null };

export class Register {
  readonly purchases: RegisterPurchase[] = [];
  /** Voids, releases, completions and tip adjustments, and what the register was told of each. */
  readonly desk = new FollowUpDesk();
  readonly #tag: string;

  /** `tag` makes the references of one run distinct from any other's. */
  constructor(tag: string) {
    this.#tag = tag;
  }

  get unresolved(): RegisterPurchase[] {
    return this.purchases.filter((p) => p.unresolved);
  }

  newPurchase(amount: number, phase: string, type: CardTxnType = 'purchase', originalId: string | null = null): RegisterPurchase {
    const purchase: RegisterPurchase = { reference: `${this.#tag}-${this.purchases.length + 1}`, type, amount, originalId, phase, id: null, told: null, unresolved: false, cancel: null, audit: null };
    this.purchases.push(purchase);
    return purchase;
  }

  /**
   * POST /v1/transactions with the purchase's reference. 201 (or 200 for a
   * reference the terminal already knows) starts it; 503 (journal cannot
   * write) and 409 (another runs) are definite refusals: nothing started.
   * Anything else throws, and a call cut off leaves the purchase unresolved.
   */
  async start(ecr: Ecr, purchase: RegisterPurchase, currency: string): Promise<StartAnswer> {
    purchase.unresolved = true;
    const body = { type: purchase.type, amount: purchase.amount, currency, reference: purchase.reference, ...(purchase.originalId === null ? {} : { originalId: purchase.originalId }) };
    const answer = await ecr.request('POST', '/v1/transactions', body, 5_000);
    if (answer.status === 201 || answer.status === 200) {
      const view = answer.body as TxnView;
      purchase.id = view.id;
      this.hear(purchase, view, 'answer');
      return { kind: 'started', view, replayed: answer.status === 200 };
    }
    if (answer.status === 503 || answer.status === 409) {
      purchase.unresolved = false;
      purchase.told = { status: 'not-started', responseCode: null, authCode: null, amount: null, stan: null, errorCode: errorCodeOf(answer.body), via: 'refused' };
      return { kind: 'refused', status: answer.status, code: errorCodeOf(answer.body) };
    }
    throw new EcrError(`POST /v1/transactions → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`, answer.status);
  }

  /** Waits for the end (GET …?wait=true) and keeps the answer; a cut-off call leaves the purchase unresolved. */
  async waitForEnd(ecr: Ecr, purchase: RegisterPurchase, timeoutMs = 30_000): Promise<TxnView> {
    if (purchase.id === null) throw new Error(`purchase ${purchase.reference} has no transaction id`);
    purchase.unresolved = true;
    const view = await ecr.wait(purchase.id, timeoutMs);
    this.hear(purchase, view, 'answer');
    return view;
  }

  /**
   * POST …/cancel. 200 carries the final result (cancelled); 409 means the
   * request may be at the host, so the register waits for the host's word.
   */
  async cancel(ecr: Ecr, purchase: RegisterPurchase, moment: CancelMoment, seenState: string | null): Promise<CancelRecord> {
    if (purchase.id === null) throw new Error(`purchase ${purchase.reference} has no transaction id`);
    purchase.cancel = { moment, seenState, httpStatus: null };
    purchase.unresolved = true;
    const answer = await ecr.request('POST', `/v1/transactions/${encodeURIComponent(purchase.id)}/cancel`, undefined, 10_000);
    purchase.cancel = { moment, seenState, httpStatus: answer.status };
    if (answer.status === 200) this.hear(purchase, answer.body as TxnView, 'cancel');
    else await this.waitForEnd(ecr, purchase);
    return purchase.cancel;
  }

  /** GET /v1/transactions?reference=…: what the terminal says of the purchase now, or null when it is still running. */
  async lookUp(ecr: Ecr, purchase: RegisterPurchase): Promise<ToldOutcome | null> {
    const view = await findByReference(ecr, purchase.reference);
    if (view === undefined) return { status: 'not-started', responseCode: null, authCode: null, amount: null, stan: null, errorCode: null, via: 'look-up' };
    purchase.id = view.id;
    return outcomeOf(view, 'look-up');
  }

  /** Looks up every unresolved purchase and follow-up; stops at the first call cut off (the terminal went away again). Returns how many purchases are left. */
  async resolve(ecr: Ecr): Promise<number> {
    await this.desk.resolve(ecr);
    for (const purchase of this.unresolved) {
      let outcome: ToldOutcome | null;
      try {
        outcome = await this.lookUp(ecr, purchase);
      } catch (err) {
        if (err instanceof EcrError && err.status === null) break;
        throw err;
      }
      if (outcome === null) continue;
      purchase.told = outcome;
      purchase.unresolved = false;
    }
    return this.unresolved.length;
  }

  /** Asks the terminal about every purchase once more (after the last restart): its answer must not have changed. */
  async audit(ecr: Ecr): Promise<void> {
    for (const purchase of this.purchases) purchase.audit = await this.lookUp(ecr, purchase);
  }

  /** Keeps a final answer; a snapshot of a running transaction resolves nothing. */
  hear(purchase: RegisterPurchase, view: TxnView, via: ToldOutcome['via']): void {
    const outcome = outcomeOf(view, via);
    if (outcome === null) return;
    purchase.told = outcome;
    purchase.unresolved = false;
  }
}

async function findByReference(ecr: Ecr, reference: string): Promise<TxnView | undefined> {
  const answer = await ecr.request('GET', `/v1/transactions?reference=${encodeURIComponent(reference)}`, undefined, 5_000);
  if (answer.status !== 200) throw new EcrError(`GET /v1/transactions?reference=${reference} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`, answer.status);
  const list = (answer.body as { transactions?: TxnView[] }).transactions;
  if (!Array.isArray(list)) throw new EcrError(`GET /v1/transactions?reference=${reference}: no transactions array`, answer.status);
  if (list.length > 1) throw new EcrError(`GET /v1/transactions?reference=${reference}: ${list.length} transactions for one reference`, answer.status);
  return list[0];
}

function outcomeOf(view: TxnView, via: ToldOutcome['via']): ToldOutcome | null {
  const status = FINAL_STATUSES.find((s) => s === view.status);
  if (status === undefined) return null;
  return { status, responseCode: view.responseCode, authCode: view.authCode ?? null, amount: view.amount, stan: view.stan, errorCode: view.errorCode ?? null, via };
}

function errorCodeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = body.error;
  if (typeof error !== 'object' || error === null || !('code' in error)) return null;
  return typeof error.code === 'string' ? error.code : null;
}
