/**
 * What the register does at one index of the plan, made concrete from what
 * it knows so far: the amount and card of a purchase, refund or
 * pre-authorization, or the earlier transaction a follow-up acts on.
 *
 *   refund    of a purchase told approved, not voided or being voided, for
 *             1..what is left of it (the refunds the register started
 *             count, unless told declined, cancelled or not started), on
 *             the purchase's card
 *   void      of a purchase (with no refund) or a refund, told approved
 *   complete  of a pre-authorization told approved, for 1..what it holds
 *             (its amount and the increments told approved)
 *   release   of a pre-authorization told approved
 *             (either also after a completion of it that did not take:
 *             declined, or failed and reversed — a `retry`, sent once no
 *             reversal is owed any more)
 *   increment of a pre-authorization told approved that is neither
 *             released nor completed: 20..200 more on the hold, again and
 *             again, whatever the earlier increments were told; one in
 *             six asks beyond the card's balance (`DECLINED_INCREMENT`), so
 *             the host declines it
 *   tip       of a purchase told approved with no refund: a tip of 10..80
 *
 * A follow-up acts once on a transaction (but for a completion that did not
 * take, and increments): nothing else follows a void, release or
 * completion, and a tip adjustment is not repeated. A pre-authorization
 * with a follow-up the register has not learned the end of is left alone.
 * With nothing to act on, the act is a purchase.
 *
 * Pure apart from the random source.
 */
import type { Operation } from './plan.js';
import type { FollowUpOp } from './register-follow-ups.js';
import type { CardTxnType, Register, RegisterPurchase } from './register.js';
import type { Rng } from './rng.js';

/** The second account: 500 minor units, so it is soon declined for funds — declines are exercised too. */
export const CARDS = { main: 'visa-ok', second: 'mc-low-funds' } as const;
/** An increment beyond the main card's whole balance (100 000): the host answers 51, the register hears 409 TXN_NOT_INCREMENTED. */
export const DECLINED_INCREMENT = 200_000;

export interface CardAct {
  readonly kind: 'card';
  readonly type: CardTxnType;
  readonly amount: number;
  readonly card: string;
  readonly originalId: string | null;
}

export interface FollowUpAct {
  readonly kind: 'follow-up';
  readonly op: FollowUpOp;
  readonly target: RegisterPurchase;
  readonly amount: number;
  /** An earlier completion of the target did not take: its reversal must be acknowledged first. */
  readonly retry: boolean;
}

export type Act = CardAct | FollowUpAct;

const NOT_TAKEN: ReadonlySet<string> = new Set(['declined', 'cancelled', 'not-started']);
/** A completion that left its pre-authorization holding (a failed one once its reversal is acknowledged). */
const UNTAKEN: ReadonlySet<string> = new Set(['declined', 'failed', 'not-done']);

/** `second`: the purchase goes on the low-funds card. `cardOf`: the card a reference was made with. */
export function chooseAct(op: Operation, register: Register, rng: Rng, second: boolean, cardOf: (reference: string) => string | undefined = () => undefined): Act {
  const main = register.purchases.filter((p) => p.phase === 'main' && p.told?.status === 'approved' && p.id !== null);
  const followed = new Set(register.desk.followUps.map((f) => f.target));
  const refundsOf = (p: RegisterPurchase): RegisterPurchase[] => register.purchases.filter((r) => r.type === 'refund' && r.originalId === p.id);
  const open = (p: RegisterPurchase): boolean => !followed.has(p);
  // A hold still holding as far as the register knows: increments (resolved) and completions that did not take, nothing else.
  const untaken = (p: RegisterPurchase): boolean =>
    register.desk.followUps
      .filter((f) => f.target === p)
      .every((f) => !f.unresolved && ((f.op === 'complete' && UNTAKEN.has(f.told?.status ?? '')) || f.op === 'increment'));
  const completedBefore = (p: RegisterPurchase): boolean => register.desk.followUps.some((f) => f.target === p && f.op === 'complete');
  const card = second ? CARDS.second : CARDS.main;
  const cardAmount = (): number => (second ? rng.int(5, 60) : rng.int(100, 400));
  const purchase: CardAct = { kind: 'card', type: 'purchase', amount: cardAmount(), card, originalId: null };
  const pick = (candidates: RegisterPurchase[]): RegisterPurchase | undefined => (candidates.length === 0 ? undefined : rng.pick(candidates));
  switch (op) {
    case 'purchase':
      return purchase;
    case 'preauth':
      // On the main card: a hold is made to be completed or released later (declines are the purchases' part).
      return { ...purchase, type: 'preauth', amount: rng.int(200, 600), card: CARDS.main };
    case 'refund': {
      const left = (p: RegisterPurchase): number => p.amount - refundsOf(p).filter((r) => !NOT_TAKEN.has(r.told?.status ?? '')).reduce((sum, r) => sum + r.amount, 0);
      const target = pick(main.filter((p) => p.type === 'purchase' && open(p) && left(p) > 0));
      if (target === undefined) return purchase;
      return { kind: 'card', type: 'refund', amount: rng.int(1, left(target)), card: cardOf(target.reference) ?? CARDS.main, originalId: target.id };
    }
    case 'void': {
      const target = pick(main.filter((p) => open(p) && (p.type === 'refund' || (p.type === 'purchase' && refundsOf(p).length === 0))));
      return target === undefined ? purchase : { kind: 'follow-up', op: 'void', target, amount: 0, retry: false };
    }
    case 'complete':
    case 'release': {
      // A hold whose completion did not take comes first: what the terminal does after a lost completion is the point.
      const holds = main.filter((p) => p.type === 'preauth' && untaken(p));
      const retries = holds.filter(completedBefore);
      const target = pick(retries.length > 0 ? retries : holds);
      if (target === undefined) return purchase;
      return { kind: 'follow-up', op, target, amount: op === 'complete' ? rng.int(1, register.desk.heldBy(target)) : 0, retry: completedBefore(target) };
    }
    case 'increment': {
      const target = pick(main.filter((p) => p.type === 'preauth' && untaken(p)));
      if (target === undefined) return purchase;
      return { kind: 'follow-up', op, target, amount: rng.next() < 1 / 6 ? DECLINED_INCREMENT : rng.int(20, 200), retry: completedBefore(target) };
    }
    case 'tip': {
      const target = pick(main.filter((p) => p.type === 'purchase' && open(p) && refundsOf(p).length === 0));
      return target === undefined ? purchase : { kind: 'follow-up', op: 'tip', target, amount: rng.int(10, 80), retry: false };
    }
  }
}
