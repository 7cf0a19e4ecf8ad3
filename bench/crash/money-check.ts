/**
 * The crash test's verdict on each kind of transaction: the money standing
 * at the host (the simulator's book) against the journal, row by row, after
 * the last restart has drained the reversals.
 *
 *   purchase, refund, completion   completed: stands at the host once, at
 *              the journal's amount (a tip adjustment included); voided: the
 *              journal has it `reversed` and the host stands at 0
 *              (`voidsStanding`, `amountsDiffer`)
 *   refund     credited at most once (one standing credit per STAN), and
 *              the refunds of a purchase together never beyond it, at the
 *              host nor in the journal (`overRefunded`)
 *   preauth    holds its amount while open — the journal's, which its
 *              approved increments raised, and the host's 0100 plus the
 *              increments standing there, all three the same
 *              (`amountsDiffer`; raised beyond its increments:
 *              `doubleIncremented`); once completed or released (voided)
 *              holds nothing (`holdsLeft`)
 *   incremental ends completed, declined, failed or reversed
 *              (`incrementsUnended`); completed: stands at the host once
 *              (`doubleIncremented`), for its amount; one whose answer was
 *              lost is reversed, so neither the host's hold nor the
 *              journal's has it
 *   completion at most one standing capture per pre-authorization
 *              (`doubleCaptured`), never more than the hold as raised, at
 *              the host nor in the journal (`overCaptured`)
 *   tip-adjust completed: approved and standing at the host; its purchase
 *              then captures the new amount (the purchase's row says so)
 *   reversals  each original undone at most once (`doubleReversed`): the
 *              simulator names the card on the reversal entry that undid
 *              its original, and on no repeat (a repeat answers 00 and moves
 *              nothing)
 *
 * Pure: data in, counts and one line per problem out.
 */
import { isApproval } from '../../src/host/approval.js';
import type { LedgerEntry } from './host-sim.js';
import type { JournalRow, JournalSnapshot } from './journal-check.js';
import { MONEY_MTIS } from './reconcile.js';

const REVERSAL_MTIS: ReadonlySet<string> = new Set(['0400', '0401', '0420', '0421']);
export const JOURNAL_KINDS = ['purchase', 'refund', 'preauth', 'completion', 'tip-adjust', 'incremental'] as const;
/** Where an incremental authorization may end. */
const INCREMENT_ENDS: ReadonlySet<string> = new Set(['completed', 'declined', 'failed', 'reversed']);
export type JournalKind = (typeof JOURNAL_KINDS)[number];

export interface KindCounts {
  /** Journal rows of the kind. */
  readonly rows: number;
  /** Completed and not voided: what stands. */
  readonly standing: number;
  /** Voided (released, for a pre-authorization) and reversed at the host. */
  readonly voided: number;
  /** Reversed because the answer was lost (or the chip refused it). */
  readonly reversed: number;
}

export interface MoneyVerdict {
  readonly doubleReversed: number;
  readonly overRefunded: number;
  readonly doubleCaptured: number;
  readonly overCaptured: number;
  readonly holdsLeft: number;
  readonly voidsStanding: number;
  readonly amountsDiffer: number;
  readonly doubleIncremented: number;
  readonly incrementsUnended: number;
  /** What the host holds now: open holds, refunds credited (minor units). */
  readonly heldMinor: number;
  readonly refundedMinor: number;
  readonly kinds: Readonly<Record<JournalKind, KindCounts>>;
  readonly problems: readonly string[];
}

/** Counts that must be 0. */
export const MONEY_FAULTS = ['doubleReversed', 'overRefunded', 'doubleCaptured', 'overCaptured', 'holdsLeft', 'voidsStanding', 'amountsDiffer', 'doubleIncremented', 'incrementsUnended'] as const;

export function judgeMoney(ledger: readonly LedgerEntry[], journal: JournalSnapshot, terminalId: string): MoneyVerdict {
  const problems: string[] = [];
  const faults = Object.fromEntries(MONEY_FAULTS.map((key) => [key, 0])) as Record<(typeof MONEY_FAULTS)[number], number>;
  const fault = (key: (typeof MONEY_FAULTS)[number], line: string): void => {
    faults[key] += 1;
    problems.push(line);
  };
  const mine = ledger.filter((e) => e.terminalId === terminalId);
  const money = mine.filter((e) => MONEY_MTIS.has(e.mti) && e.stan !== null);
  const approvedByStan = new Map<string, LedgerEntry[]>();
  for (const e of money.filter((m) => isApproval(m.responseCode))) approvedByStan.set(e.stan ?? '', [...(approvedByStan.get(e.stan ?? '') ?? []), e]);
  const approvedOf = (row: JournalRow): LedgerEntry[] => (row.stan === null ? [] : (approvedByStan.get(row.stan) ?? []));
  const standingOf = (row: JournalRow): LedgerEntry[] => approvedOf(row).filter((e) => !e.reversed);
  const byId = new Map(journal.rows.map((r) => [r.id, r]));
  const name = (row: JournalRow): string => `${row.kind} ${row.id} (STAN ${row.stan ?? '-'}, ${row.amountMinor}, ${row.state}${row.voidedAt === null ? '' : ', voided'})`;
  const live = (row: JournalRow): boolean => row.state === 'completed' && row.voidedAt === null;

  const kinds = Object.fromEntries(JOURNAL_KINDS.map((k) => [k, { rows: 0, standing: 0, voided: 0, reversed: 0 }])) as Record<JournalKind, { rows: number; standing: number; voided: number; reversed: number }>;
  for (const row of journal.rows) {
    const counts = kinds[row.kind as JournalKind] as { rows: number; standing: number; voided: number; reversed: number } | undefined;
    if (counts !== undefined) {
      counts.rows += 1;
      if (live(row)) counts.standing += 1;
      else if (row.voidedAt !== null) counts.voided += 1;
      else if (row.state === 'reversed') counts.reversed += 1;
    }
    const standing = standingOf(row);
    if (row.kind === 'incremental') {
      if (!INCREMENT_ENDS.has(row.state)) fault('incrementsUnended', `${name(row)} of ${row.originalId ?? '-'} did not end (completed, declined, failed or reversed)`);
      if (standing.length > 1) fault('doubleIncremented', `${name(row)} applied ${standing.length} times at the host (${describe(standing)})`);
    }
    if (row.voidedAt !== null) {
      if (standing.length > 0) fault('voidsStanding', `voided ${name(row)} still stands at the host (${describe(standing)})`);
      else if (row.stan !== null && approvedOf(row).length === 0) fault('voidsStanding', `voided ${name(row)}: the host has no approval of it to have reversed`);
      continue;
    }
    if (!live(row) || row.kind === 'tip-adjust') continue;
    const entry = standing[0];
    if (entry === undefined) continue; // `reconcile.ts` says so ("no standing approval").
    const atHost = row.kind === 'preauth' ? null : (entry.capturedMinor ?? entry.amountMinor);
    if (atHost !== null && atHost !== row.amountMinor) fault('amountsDiffer', `${name(row)}: the host captures ${atHost ?? '?'} for it`);
  }

  // Pre-authorizations: what they hold now, against their increments, completions and releases.
  for (const preauth of journal.rows.filter((r) => r.kind === 'preauth')) {
    const entry = approvedOf(preauth)[0];
    if (entry === undefined) continue;
    const completions = journal.rows.filter((r) => r.kind === 'completion' && r.originalId === preauth.id);
    const captured = completions.filter(live);
    const held = entry.heldMinor ?? 0;
    // The hold as raised: the 0100's amount and the increments standing, at the host; and its journal increments completed.
    const approvedAmount = entry.amountMinor ?? 0;
    const raisedAtHost = money.filter((e) => e.kind === 'incremental' && e.originalStan === preauth.stan && isApproval(e.responseCode) && !e.reversed).reduce((sum, e) => sum + (e.amountMinor ?? 0), 0);
    const raisedInJournal = journal.rows.filter((r) => r.kind === 'incremental' && r.originalId === preauth.id && r.state === 'completed').reduce((sum, r) => sum + r.amountMinor, 0);
    const hostHold = approvedAmount + raisedAtHost;
    if (approvedAmount + raisedInJournal !== preauth.amountMinor) {
      fault(
        approvedAmount + raisedInJournal < preauth.amountMinor ? 'doubleIncremented' : 'amountsDiffer',
        `${name(preauth)}: the journal holds ${preauth.amountMinor}, its approval of ${approvedAmount} and its completed increments of ${raisedInJournal} make ${approvedAmount + raisedInJournal}`,
      );
    }
    if (preauth.voidedAt !== null || captured.length > 0 || entry.completed) {
      if (held !== 0) fault('holdsLeft', `${name(preauth)} was ${preauth.voidedAt === null ? 'completed' : 'released'}, the host still holds ${held} for it`);
    } else if (live(preauth) && !entry.reversed) {
      if (held > hostHold) fault('doubleIncremented', `${name(preauth)}: the host holds ${held} for it, beyond its approval of ${approvedAmount} and the increments standing (${raisedAtHost})`);
      else if (held !== preauth.amountMinor || held !== hostHold) fault('amountsDiffer', `${name(preauth)}: the host holds ${held} for it (its approval of ${approvedAmount} and the increments standing there make ${hostHold})`);
    }
    if (captured.length > 1) fault('doubleCaptured', `${name(preauth)} completed ${captured.length} times in the journal (${captured.map((c) => c.id).join(', ')})`);
    const capturesAtHost = money.filter((e) => e.kind === 'completion' && e.originalStan === preauth.stan && isApproval(e.responseCode) && !e.reversed);
    if (capturesAtHost.length > 1) fault('doubleCaptured', `${name(preauth)} captured ${capturesAtHost.length} times at the host (${describe(capturesAtHost)})`);
    const capturedMinor = capturesAtHost.reduce((sum, e) => sum + (e.capturedMinor ?? 0), 0);
    const hold = Math.min(preauth.amountMinor, hostHold);
    if (capturedMinor > hold) fault('overCaptured', `${name(preauth)}: the host captured ${capturedMinor} of a hold of ${hold}`);
    for (const c of captured) if (c.amountMinor > preauth.amountMinor) fault('overCaptured', `${name(c)} captures more than the hold of ${name(preauth)} in the journal`);
  }

  // Refunds: each credited once, all of a purchase's together at most the purchase.
  let refundedMinor = 0;
  const refundsByOriginal = new Map<string, JournalRow[]>();
  for (const refund of journal.rows.filter((r) => r.kind === 'refund')) {
    const credits = standingOf(refund);
    refundedMinor += credits.reduce((sum, e) => sum + (e.capturedMinor ?? e.amountMinor ?? 0), 0);
    if (credits.length > 1) fault('overRefunded', `${name(refund)} credited ${credits.length} times at the host (${describe(credits)})`);
    if (refund.originalId !== null) refundsByOriginal.set(refund.originalId, [...(refundsByOriginal.get(refund.originalId) ?? []), refund]);
  }
  for (const [originalId, refunds] of refundsByOriginal) {
    const original = byId.get(originalId);
    const credited = refunds.flatMap((r) => standingOf(r)).reduce((sum, e) => sum + (e.capturedMinor ?? e.amountMinor ?? 0), 0);
    const limit = original === undefined ? 0 : original.amountMinor;
    if (credited > limit) fault('overRefunded', `the refunds of ${original === undefined ? originalId : name(original)} credit ${credited} at the host, beyond its ${limit}`);
    const journalled = refunds.filter(live).reduce((sum, r) => sum + r.amountMinor, 0);
    if (journalled > limit) fault('overRefunded', `the journal's refunds of ${original === undefined ? originalId : name(original)} come to ${journalled}, beyond its ${limit}`);
  }

  // Reversals: an original undone more than once.
  const undone = new Map<string, LedgerEntry[]>();
  for (const e of mine.filter((r) => REVERSAL_MTIS.has(r.mti) && isApproval(r.responseCode) && r.maskedPan !== null)) {
    const key = e.originalStan ?? e.stan ?? '-';
    undone.set(key, [...(undone.get(key) ?? []), e]);
  }
  for (const [stan, reversals] of undone) {
    if (reversals.length > 1) fault('doubleReversed', `STAN ${stan} was reversed ${reversals.length} times at the host (${describe(reversals)})`);
  }

  const heldMinor = money.filter((e) => e.kind === 'preauth' && isApproval(e.responseCode) && !e.reversed).reduce((sum, e) => sum + (e.heldMinor ?? 0), 0);
  return { ...faults, heldMinor, refundedMinor, kinds, problems };
}

function describe(entries: readonly LedgerEntry[]): string {
  return entries.map((e) => `${e.mti} STAN ${e.stan ?? '-'} ${e.capturedMinor ?? e.amountMinor ?? '?'} rc ${e.responseCode ?? 'none'}${e.reversed ? ' reversed' : ''}`).join(', ');
}
