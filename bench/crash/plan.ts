/**
 * Where the crash test pulls the plug. Each kill has a moment:
 *
 *   in-flight    after the journal recorded "request sent" (the API shows
 *                `authorizing`) and before the host's answer, which the
 *                simulator delays so the window is always open
 *   card-read    0–30 ms after the card was presented: reading, STAN, request
 *   before-card  the transaction was created, no card yet
 *   after-end    the answer came and the transaction ended (display, close)
 *   startup      0–60 ms after the restart that follows a kill, while the
 *                recovered reversals are being sent
 *
 * On a void, release, completion, increment or tip adjustment (no card, no
 * states to wait for) every moment but `after-end` is 0–30 ms after the call
 * went: the void's reversal draining, the completion, increment or
 * adjustment in flight.
 *
 * The kinds cycle in this order so that even a small run has each one;
 * which transactions and how many milliseconds come from the seed. The first
 * `OPENING` transactions are never killed: they hold the planned cancels
 * while a reversal drains (below).
 *
 * Where the register presses cancel:
 *
 *   sending      transactions 1 and 3, deliberately: transactions 0 and 2
 *                meet the host's first two fault rules (no answer, late
 *                answer), so each leaves a reversal owed, and the host holds
 *                the first two reversals' answers (`DEFAULT_FAULTS`); the next
 *                purchase reads its card and waits in `sending` while the
 *                reversal drains — the register cancels it there
 *   after-start  right after the POST, while the terminal waits for the card
 *   after-card   0–40 ms after the card was presented: card read, sending, or
 *                already authorizing (then 409, and the host decides)
 *
 * The random ones fall on transactions that have no kill.
 */
import type { CancelMoment } from './register.js';
import type { Rng } from './rng.js';

/** Transactions at the start kept free of kills (0–3: two owed reversals, two cancels while they drain). */
export const OPENING = 4;
const SENDING_CANCELS: readonly number[] = [1, 3];
/** Share of the other transactions the register cancels at a random moment. */
const CANCEL_RATE = 0.12;

export const KILL_MOMENTS = ['in-flight', 'startup', 'card-read', 'in-flight', 'before-card', 'after-end'] as const;
export type KillMoment = (typeof KILL_MOMENTS)[number];
export type TxnKillMoment = Exclude<KillMoment, 'startup'>;

export interface KillPlan {
  /** Transaction index → the moment in it to kill. */
  readonly atTransaction: ReadonlyMap<number, TxnKillMoment>;
  /** Transaction indexes after whose kill the next start is killed too. */
  readonly startupAfter: ReadonlySet<number>;
}

export function planKills(transactions: number, kills: number, rng: Rng): KillPlan {
  const moments: KillMoment[] = Array.from({ length: kills }, (_, i) => KILL_MOMENTS[i % KILL_MOMENTS.length] ?? 'in-flight');
  const txnMoments = moments.filter((m): m is TxnKillMoment => m !== 'startup');
  if (txnMoments.length > transactions) throw new Error(`${kills} kills need more than ${transactions} transactions`);
  // Distinct transaction indexes, in order, so each kill is paired with the next startup kill in the cycle.
  const first = transactions - OPENING >= txnMoments.length ? OPENING : 0;
  const chosen = new Set<number>();
  while (chosen.size < txnMoments.length) chosen.add(rng.int(first, transactions - 1));
  const indexes = [...chosen].sort((a, b) => a - b);
  const atTransaction = new Map<number, TxnKillMoment>();
  const startupAfter = new Set<number>();
  let t = 0;
  for (const moment of moments) {
    if (moment === 'startup') {
      // The startup kill follows the transaction kill just before it in the cycle.
      const previous = indexes[t - 1];
      if (previous !== undefined) startupAfter.add(previous);
      continue;
    }
    const index = indexes[t++];
    if (index !== undefined) atTransaction.set(index, moment);
  }
  return { atTransaction, startupAfter };
}

/** Transaction index → the moment the register cancels it. */
export function planCancels(transactions: number, kills: KillPlan, rng: Rng): ReadonlyMap<number, CancelMoment> {
  const cancels = new Map<number, CancelMoment>();
  for (let i = 0; i < transactions; i++) {
    if (kills.atTransaction.has(i)) continue;
    if (SENDING_CANCELS.includes(i)) cancels.set(i, 'sending');
    else if (i >= OPENING && rng.next() < CANCEL_RATE) cancels.set(i, rng.next() < 0.5 ? 'after-start' : 'after-card');
  }
  return cancels;
}

/**
 * What the register does at each transaction index: a purchase, or one of
 * the other things a counter does all day —
 *
 *   refund    a referenced refund of an earlier approved purchase (card)
 *   preauth   a pre-authorization (card)
 *   void      of an earlier approved purchase or refund (no card)
 *   complete  of an earlier approved pre-authorization, up to its amount
 *   release   of an earlier approved pre-authorization
 *   increment of an earlier approved pre-authorization, neither released
 *             nor completed: its hold raised
 *   tip       a tip adjustment of an earlier approved purchase
 *
 * Right after the opening come a purchase, a pre-authorization and a
 * purchase (`WARM_UP`), so that a follow-up has something to act on early.
 * Then every kind lands on a killed index (one each, in this order, as far
 * as the kills go), so that a kill falls during each, and the index before
 * a killed follow-up or refund (the nearest of the `PREPARE_WITHIN` before
 * it not killed, cancelled or preparing another) makes what it acts on (a
 * pre-authorization for a completion, increment or release, else a
 * purchase); the other indexes draw a kind at the weights below.
 * The driver turns an operation with nothing to act on yet into a purchase.
 */
export const OPERATIONS = ['refund', 'void', 'increment', 'complete', 'release', 'tip', 'preauth', 'purchase'] as const;
const WARM_UP: readonly Operation[] = ['purchase', 'preauth', 'purchase'];
export type Operation = (typeof OPERATIONS)[number];
/** Of the indexes after the opening: a purchase otherwise. */
const OPERATION_WEIGHTS: readonly (readonly [Operation, number])[] = [
  ['preauth', 0.16],
  ['refund', 0.1],
  ['void', 0.1],
  ['complete', 0.08],
  ['increment', 0.06],
  ['release', 0.05],
  ['tip', 0.07],
];
/** How far before a killed follow-up its preparing index may be. */
export const PREPARE_WITHIN = 4;
/** What an index before a killed one makes for it to act on. */
const PREPARES: Readonly<Partial<Record<Operation, Operation>>> = { refund: 'purchase', void: 'purchase', complete: 'preauth', increment: 'preauth', release: 'preauth', tip: 'purchase' };

/** Transaction index → the operation there (absent: a purchase). The opening holds purchases only. */
export function planOperations(transactions: number, kills: KillPlan, cancels: ReadonlyMap<number, CancelMoment>, rng: Rng): ReadonlyMap<number, Operation> {
  const ops = new Map<number, Operation>();
  for (let i = OPENING; i < transactions; i++) {
    let roll = rng.next();
    for (const [op, weight] of OPERATION_WEIGHTS) {
      if (roll < weight) {
        ops.set(i, op);
        break;
      }
      roll -= weight;
    }
  }
  WARM_UP.forEach((op, n) => {
    if (OPENING + n < transactions) ops.set(OPENING + n, op);
  });
  const killed = [...kills.atTransaction.keys()].filter((i) => i >= OPENING + WARM_UP.length).sort((a, b) => a - b);
  const prepared = new Set<number>();
  OPERATIONS.forEach((op, n) => {
    const index = killed[n];
    if (index === undefined) return;
    ops.set(index, op);
    const prepare = PREPARES[op];
    if (prepare === undefined) return;
    for (let before = index - 1; before >= Math.max(OPENING + WARM_UP.length, index - PREPARE_WITHIN); before--) {
      if (kills.atTransaction.has(before) || cancels.has(before) || prepared.has(before)) continue;
      ops.set(before, prepare);
      prepared.add(before);
      return;
    }
  });
  return ops;
}
