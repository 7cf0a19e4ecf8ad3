/**
 * The register's follow-ups, for the crash test: what it does later to a
 * transaction it was told approved, without the card, and what it was told.
 *
 *   void      POST …/:id/void      200 `voided`: the reversal is owed from then on
 *   release   POST …/:id/release   200 `voided`: the hold is freed the same way
 *   complete  POST …/:id/complete  201 the completion (its own id and STAN)
 *   tip       POST …/:id/tip       200 the purchase at its new tip; 409
 *                                  TXN_TIP_NOT_ADJUSTED when the host did not take it
 *   increment POST …/:id/increment 200 the pre-authorization at its raised
 *                                  total; 409 TXN_NOT_INCREMENTED when the host
 *                                  declined it (or its answer was lost)
 *
 * A follow-up has no idempotency key. When a call is cut off (a kill), the
 * register asks after the restart: a void or release by the original's
 * status (`voided` or not), a completion by the transactions listed since
 * just before the call that name the pre-authorization, a tip by the
 * purchase's tip now, an increment by the pre-authorization's total now
 * (the total it would stand at, `raisedTo`, or not). `register-check.ts` judges each against the host.
 */
import { EcrError, type Ecr, type TxnView } from './ecr.js';
import type { RegisterPurchase } from './register.js';

export const FOLLOW_UP_OPS = ['void', 'release', 'complete', 'tip', 'increment'] as const;
export type FollowUpOp = (typeof FOLLOW_UP_OPS)[number];

/**
 * What the register last knows of a follow-up: `voided` (void, release),
 * `approved`, `declined` or `failed` (completion, tip, increment), `not-done`
 * (a look-up found it never took effect, or a tip the host did not take),
 * `refused` (a 4xx/503 before anything moved).
 */
export type FollowUpStatus = 'voided' | 'approved' | 'declined' | 'failed' | 'not-done' | 'refused';

export interface FollowUpTold {
  readonly status: FollowUpStatus;
  /** The completion's own id and STAN (a void names its original's). */
  readonly id: string | null;
  readonly stan: string | null;
  readonly responseCode: string | null;
  readonly errorCode: string | null;
  readonly via: 'answer' | 'look-up';
}

export interface RegisterFollowUp {
  readonly op: FollowUpOp;
  readonly target: RegisterPurchase;
  /** A completion's amount, a tip adjustment's new tip, what an increment adds; 0 for a void or release. */
  readonly amount: number;
  /** An increment: the pre-authorization's total once it takes (what the register knew it held, plus `amount`). */
  readonly raisedTo?: number;
  /** Just before the call went (ISO): a completion is looked up among the transactions since. */
  readonly sentAt: string;
  told: FollowUpTold | null;
  unresolved: boolean;
  /** The HTTP status of the call, null when it was cut off. */
  httpStatus: number | null;
}

const PATHS: Readonly<Record<FollowUpOp, string>> = { void: 'void', release: 'release', complete: 'complete', tip: 'tip', increment: 'increment' };

export class FollowUpDesk {
  readonly followUps: RegisterFollowUp[] = [];

  get unresolved(): RegisterFollowUp[] {
    return this.followUps.filter((f) => f.unresolved);
  }

  /** The follow-ups of `target` told to have taken effect (voided, or approved). */
  doneOn(target: RegisterPurchase, op: FollowUpOp): RegisterFollowUp[] {
    return this.followUps.filter((f) => f.target === target && f.op === op && (f.told?.status === 'voided' || f.told?.status === 'approved'));
  }

  /** What a pre-authorization holds as far as the register knows: its amount and the increments it was told approved. */
  heldBy(target: RegisterPurchase): number {
    return this.doneOn(target, 'increment').reduce((sum, f) => sum + f.amount, target.amount);
  }

  /** Sends the follow-up; a call cut off leaves it unresolved (the caller's kill, or a terminal that died). */
  async send(ecr: Ecr, target: RegisterPurchase, op: FollowUpOp, amount: number, timeoutMs = 15_000): Promise<RegisterFollowUp> {
    if (target.id === null) throw new Error(`${op} of ${target.reference}: no transaction id`);
    const sentAt = new Date(Date.now() - 1000).toISOString();
    const followUp: RegisterFollowUp = { op, target, amount, sentAt, told: null, unresolved: true, httpStatus: null, ...(op === 'increment' ? { raisedTo: this.heldBy(target) + amount } : {}) };
    this.followUps.push(followUp);
    const body = op === 'complete' || op === 'increment' ? { amount } : op === 'tip' ? { tip: amount } : undefined;
    const answer = await ecr.request('POST', `/v1/transactions/${encodeURIComponent(target.id)}/${PATHS[op]}`, body, timeoutMs);
    followUp.httpStatus = answer.status;
    followUp.told = toldOf(followUp, answer.status, answer.body);
    followUp.unresolved = false;
    return followUp;
  }

  /** Looks up every unresolved follow-up; stops at the first call cut off. */
  async resolve(ecr: Ecr): Promise<void> {
    for (const followUp of this.unresolved) {
      try {
        const told = await lookUp(ecr, followUp);
        if (told === null) continue;
        followUp.told = told;
        followUp.unresolved = false;
      } catch (err) {
        if (err instanceof EcrError && err.status === null) break;
        throw err;
      }
    }
  }
}

function toldOf(f: RegisterFollowUp, status: number, body: unknown): FollowUpTold {
  const view = body as Partial<TxnView> & { tip?: number; error?: { code?: string; details?: { responseCode?: string; errorCode?: string } } };
  const refused = (s: FollowUpStatus = 'refused'): FollowUpTold => ({
    status: s,
    id: null,
    stan: null,
    responseCode: view.error?.details?.responseCode ?? null,
    errorCode: view.error?.code ?? null,
    via: 'answer',
  });
  if (status >= 400) {
    if (f.op === 'tip' && view.error?.code === 'TXN_TIP_NOT_ADJUSTED') return refused('not-done');
    // The host's decline names its response code; a lost answer (reversed) or a host not reached, the terminal's error code.
    if (f.op === 'increment' && view.error?.code === 'TXN_NOT_INCREMENTED') return refused(view.error.details?.responseCode !== undefined ? 'declined' : view.error.details?.errorCode !== undefined ? 'failed' : 'not-done');
    return refused();
  }
  if (f.op === 'void' || f.op === 'release') return { status: view.status === 'voided' ? 'voided' : 'not-done', id: view.id ?? null, stan: view.stan ?? null, responseCode: null, errorCode: null, via: 'answer' };
  if (f.op === 'tip') return { status: (view.tip ?? 0) === f.amount ? 'approved' : 'not-done', id: null, stan: null, responseCode: null, errorCode: null, via: 'answer' };
  if (f.op === 'increment') return { status: view.amount === f.raisedTo ? 'approved' : 'not-done', id: null, stan: null, responseCode: null, errorCode: null, via: 'answer' };
  return completionTold(view, 'answer');
}

function completionTold(view: Partial<TxnView>, via: FollowUpTold['via']): FollowUpTold {
  const status: FollowUpStatus = view.status === 'approved' || view.status === 'declined' || view.status === 'failed' ? view.status : 'not-done';
  return { status, id: view.id ?? null, stan: view.stan ?? null, responseCode: view.responseCode ?? null, errorCode: view.errorCode ?? null, via };
}

/** What the terminal says of the follow-up now; null while a completion still runs. */
async function lookUp(ecr: Ecr, f: RegisterFollowUp): Promise<FollowUpTold | null> {
  const id = f.target.id ?? '';
  if (f.op !== 'complete') {
    const answer = await ecr.request('GET', `/v1/transactions/${encodeURIComponent(id)}`, undefined, 5_000);
    if (answer.status !== 200) throw new EcrError(`GET /v1/transactions/${id} → ${answer.status}`, answer.status);
    const view = answer.body as TxnView & { tip?: number };
    const done = f.op === 'tip' ? (view.tip ?? 0) === f.amount : f.op === 'increment' ? view.amount === f.raisedTo : view.status === 'voided';
    return { status: done ? (f.op === 'void' || f.op === 'release' ? 'voided' : 'approved') : 'not-done', id: null, stan: null, responseCode: null, errorCode: null, via: 'look-up' };
  }
  const answer = await ecr.request('GET', `/v1/transactions?since=${encodeURIComponent(f.sentAt)}&limit=500`, undefined, 5_000);
  if (answer.status !== 200) throw new EcrError(`GET /v1/transactions?since=${f.sentAt} → ${answer.status}`, answer.status);
  const list = ((answer.body as { transactions?: (TxnView & { type?: string; originalId?: string })[] }).transactions ?? []).filter((t) => t.type === 'completion' && t.originalId === id);
  if (list.length > 1) throw new EcrError(`${list.length} completions of ${id}`, answer.status);
  const found = list[0];
  if (found !== undefined && found.status === null) return null;
  return found === undefined ? { status: 'not-done', id: null, stan: null, responseCode: null, errorCode: null, via: 'look-up' } : completionTold(found, 'look-up');
}
