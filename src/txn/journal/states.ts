/**
 * The journal's view of a transaction: every state that matters for money,
 * and the only steps allowed between them.
 *
 *   created ──▶ request-sent ──▶ response-received ──▶ completed
 *      │             │                  ├──▶ declined
 *      │             │                  └──▶ reversal-pending ──▶ reversed   (chip completion failed)
 *      │             ├──▶ reversal-pending                                    (outcome unknown)
 *      │             ├──▶ failed                                              (request never reached the host)
 *      │             └──▶ offline-approved
 *      ├──▶ offline-approved ──▶ advice-pending ──▶ advice-sent
 *      │          │                      └──▶ advice-expired                  (never acknowledged in its life: the operator's)
 *      │          └──▶ declined / failed                                      (the card refused offline)
 *      └──▶ declined / cancelled / failed                                     (nothing was sent)
 *
 *
 * A void is no step of the flow: only the register's void (`reversals.void`)
 * takes a completed row on to `reversal-pending` (and `voided_at`), so no
 * lost answer can ever reverse a completed sale.
 */

export const JOURNAL_STATES = [
  'created',
  'request-sent',
  'response-received',
  'completed',
  'declined',
  'cancelled',
  'failed',
  'reversal-pending',
  'reversed',
  'offline-approved',
  'advice-pending',
  'advice-sent',
  'advice-expired',
] as const;

export type JournalState = (typeof JOURNAL_STATES)[number];

export const TRANSITIONS: Readonly<Record<JournalState, readonly JournalState[]>> = {
  created: ['request-sent', 'offline-approved', 'declined', 'cancelled', 'failed'],
  'request-sent': ['response-received', 'reversal-pending', 'offline-approved', 'failed'],
  'response-received': ['completed', 'declined', 'reversal-pending'],
  'offline-approved': ['advice-pending', 'declined', 'failed'],
  'advice-pending': ['advice-sent', 'advice-expired'],
  'reversal-pending': ['reversed'],
  completed: [],
  declined: [],
  cancelled: [],
  failed: [],
  reversed: [],
  'advice-sent': [],
  'advice-expired': [],
};

export function isJournalState(value: string): value is JournalState {
  return (JOURNAL_STATES as readonly string[]).includes(value);
}

export function canMove(from: JournalState, to: JournalState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States with nothing left to do for this transaction. */
export function isFinal(state: JournalState): boolean {
  return TRANSITIONS[state].length === 0;
}

