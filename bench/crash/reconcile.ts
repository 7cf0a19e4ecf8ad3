/**
 * The crash test's verdict: the host simulator's ledger against the
 * terminal's journal, after the last restart has drained the reversals.
 *
 * - every approval the host booked is either completed in the journal or
 *   reversed at the host (else it is `lost`: a customer charged for a sale
 *   the terminal does not know it made);
 * - no journal transaction (no STAN) has two approvals still standing at the
 *   host (`doubleCharged`);
 * - the purchases and completions still standing at the host, at what they
 *   capture now (a tip adjustment included), add up to the journal's
 *   completed ones (`money-check.ts` judges each kind row by row);
 * - the journal's send time of each request is the DE 7 the host received:
 *   after a crash the reversal names its original by STAN and that DE 7, and
 *   a host that cannot find the original answers 25, which ends the duty;
 * - no journal row is corrupt: the file passes `PRAGMA integrity_check`, each
 *   row has a known state reached by allowed steps (a void is the one step
 *   out of `completed`, and only with `voided_at`), and none is left in the
 *   middle of a transaction after recovery.
 *
 * Pure: data in, counts and human-readable problems out.
 */
import { isApproval } from '../../src/host/approval.js';
import { canMove, isJournalState, type JournalState } from '../../src/txn/journal/states.js';
import type { LedgerEntry } from './host-sim.js';
import type { JournalRow, JournalSnapshot } from './journal-check.js';

/** Requests that move money when approved (as the simulator books them; a completion or tip adjustment may be an advice). */
export const MONEY_MTIS: ReadonlySet<string> = new Set(['0100', '0200', '0220', '0221']);
/** Kinds whose approval debits the card: the totals compared. */
const DEBITS: ReadonlySet<string> = new Set(['purchase', 'completion']);
/** States a row may not be left in once recovery has run and the terminal stopped idle. */
const IN_THE_MIDDLE: ReadonlySet<string> = new Set(['created', 'request-sent', 'response-received']);

export interface Verdict {
  readonly hostApproved: number;
  /** Journal rows in `completed`. */
  readonly completed: number;
  /** Host approvals later reversed at the host. */
  readonly reversed: number;
  readonly doubleCharged: number;
  readonly lost: number;
  readonly corruptRows: number;
  /** Purchases and completions still standing at the host, at what they capture now, minor units. */
  readonly chargedTotal: number;
  /** The journal's completed purchases and completions, minor units. */
  readonly completedTotal: number;
  /** Rows still owing a reversal. */
  readonly pendingReversals: number;
  readonly journalStates: Readonly<Record<string, number>>;
  /** One line per problem found, naming the transaction, STAN, states and ledger entries. */
  readonly problems: readonly string[];
}

export function reconcile(ledger: readonly LedgerEntry[], journal: JournalSnapshot, terminalId: string): Verdict {
  const problems: string[] = [];
  const corrupt = new Set<string>();
  const markCorrupt = (row: JournalRow, why: string): void => {
    corrupt.add(row.id);
    problems.push(`corrupt row ${row.id} (STAN ${row.stan ?? '-'}, state ${row.state}, steps ${row.steps.join('>')}): ${why}`);
  };

  const integrityProblems = journal.integrity.length === 1 && journal.integrity[0] === 'ok' ? [] : journal.integrity;
  for (const line of integrityProblems) problems.push(`integrity_check: ${line}`);

  const byStan = new Map<string, JournalRow>();
  const journalStates: Record<string, number> = {};
  for (const row of journal.rows) {
    journalStates[row.state] = (journalStates[row.state] ?? 0) + 1;
    checkRow(row, markCorrupt);
    if (row.stan !== null && row.stan !== '') {
      const other = byStan.get(row.stan);
      if (other !== undefined) markCorrupt(row, `STAN reused (also ${other.id})`);
      else byStan.set(row.stan, row);
    }
  }

  const financial = ledger.filter((e) => e.terminalId === terminalId && MONEY_MTIS.has(e.mti));
  for (const entry of financial) {
    const row = entry.stan === null ? undefined : byStan.get(entry.stan);
    const de7 = row?.transmittedAt == null ? null : toDe7(row.transmittedAt);
    if (row !== undefined && de7 !== entry.transmissionDateTime) {
      problems.push(`journal ${row.id} (STAN ${entry.stan ?? '-'}) records the request as sent at ${de7 ?? 'no time'}, the host received DE 7 ${entry.transmissionDateTime ?? '-'}: a reversal after a crash would not find its original`);
    }
  }
  const approved = financial.filter((e) => isApproval(e.responseCode));
  const standing = approved.filter((e) => !e.reversed);
  let lost = 0;
  let reversed = 0;
  for (const entry of approved) {
    const row = entry.stan === null ? undefined : byStan.get(entry.stan);
    const where = `host approval STAN ${entry.stan ?? '-'} ${entry.amountMinor ?? '?'} ${entry.maskedPan ?? ''} at ${entry.transmissionDateTime ?? '-'}`;
    if (entry.reversed) {
      reversed += 1;
      if (row?.state === 'completed') problems.push(`${where} was reversed at the host but the journal completed ${row.id}: a sale not charged`);
    } else if (row?.state !== 'completed') {
      lost += 1;
      problems.push(`lost: ${where} stands at the host, journal ${row === undefined ? 'has no such STAN' : `${row.id} is ${row.state} (steps ${row.steps.join('>')})`}`);
    }
  }

  // Two approvals still standing for one journal transaction (or one STAN) charge the customer twice.
  const standingByTxn = new Map<string, LedgerEntry[]>();
  for (const entry of standing) {
    const key = (entry.stan === null ? undefined : byStan.get(entry.stan)?.id) ?? `stan:${entry.stan ?? '-'}`;
    standingByTxn.set(key, [...(standingByTxn.get(key) ?? []), entry]);
  }
  let doubleCharged = 0;
  for (const [key, entries] of standingByTxn) {
    if (entries.length < 2) continue;
    doubleCharged += entries.length - 1;
    problems.push(`double charge: ${key} has ${entries.length} approvals standing at the host (${entries.map((e) => `${e.mti} STAN ${e.stan ?? '-'} ${e.amountMinor ?? '?'}`).join(', ')})`);
  }

  const completedRows = journal.rows.filter((r) => r.state === 'completed');
  const standingStans = new Set(standing.map((e) => e.stan));
  for (const row of completedRows) {
    if (!standingStans.has(row.stan)) problems.push(`journal completed ${row.id} (STAN ${row.stan ?? '-'}) but the host holds no standing approval for it`);
  }
  const chargedTotal = standing.filter((e) => DEBITS.has(e.kind ?? 'purchase')).reduce((sum, e) => sum + (e.capturedMinor ?? e.amountMinor ?? 0), 0);
  const completedTotal = completedRows.filter((r) => DEBITS.has(r.kind)).reduce((sum, r) => sum + r.amountMinor, 0);
  if (chargedTotal !== completedTotal) problems.push(`the host holds ${chargedTotal} in standing purchases and completions, the journal completed ${completedTotal}`);

  return {
    hostApproved: approved.length,
    completed: completedRows.length,
    reversed,
    doubleCharged,
    lost,
    corruptRows: corrupt.size + integrityProblems.length,
    chargedTotal,
    completedTotal,
    pendingReversals: journal.rows.filter((r) => r.state === 'reversal-pending').length,
    journalStates,
    problems,
  };
}

/** ISO instant → DE 7, MMDDhhmmss in UTC. */
function toDe7(iso: string): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}`;
}

function checkRow(row: JournalRow, markCorrupt: (row: JournalRow, why: string) => void): void {
  if (!isJournalState(row.state)) return markCorrupt(row, 'unknown state');
  if (!Number.isSafeInteger(row.amountMinor) || row.amountMinor <= 0) return markCorrupt(row, `bad amount ${row.amountMinor}`);
  if (!/^\d{3}$/.test(row.currency)) return markCorrupt(row, 'bad currency');
  if (IN_THE_MIDDLE.has(row.state)) return markCorrupt(row, 'left in the middle of a transaction after recovery');
  const [first, ...rest] = row.steps;
  if (first !== 'created' && first !== 'reversal-pending') return markCorrupt(row, 'history does not start at created');
  let from: JournalState = first;
  for (const to of rest) {
    if (!isJournalState(to)) return markCorrupt(row, `unknown step ${to}`);
    // `created` twice is the card being recorded on a begun transaction; a tip adjustment or an increment re-records its original's state.
    const same = to === from && (to === 'created' || to === 'completed');
    const voiding = from === 'completed' && to === 'reversal-pending' && row.voidedAt !== null;
    if (!same && !voiding && !canMove(from, to)) return markCorrupt(row, `step ${from} > ${to} is not allowed`);
    from = to;
  }
  if (from !== row.state) return markCorrupt(row, `last step ${from} is not the row's state`);
  if (row.steps.includes('request-sent') && (row.stan === null || !/^\d{6}$/.test(row.stan))) return markCorrupt(row, 'sent without a STAN');
  if (row.state === 'completed' && !isApproval(row.responseCode)) return markCorrupt(row, `completed with response code ${row.responseCode ?? 'none'}`);
}
