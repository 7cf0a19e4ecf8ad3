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
