/**
 * What the register was told, against the host's book: the register must
 * never have been told wrong about money.
 *
 * For each purchase, its STAN is the one in the register's last answer, else
 * the one the journal holds for its reference; "standing" is an approval of
 * that STAN the host booked and nobody reversed. `registerToldWrong` counts:
 * - told approved, but no standing approval (or one of another amount);
 * - told declined, cancelled, failed or not started, but an approval stands;
 * - told something other than approved with an approving response code or an
 *   auth code (what a register prints on the slip);
 * - a 200 to a cancel whose result is not `cancelled`, or whose purchase the
 *   host saw at all (a 200 promises that nothing reached the host);
 * - an approval standing at the host that no purchase of the register owns.
 * `registerNeverTold` counts purchases the register could not learn the end
 * of, even after the last restart; `answersChanged` those whose final answer
 * the terminal later changed (its audit after the last restart differs).
 *
 * Pure: data in, counts and one line per problem out.
 */
import { isApproval } from '../../src/host/approval.js';
import type { LedgerEntry } from './host-sim.js';
import type { JournalSnapshot } from './journal-check.js';
import type { RegisterPurchase, ToldStatus } from './register.js';

/** Requests that move money when approved. */
const MONEY_MTIS: ReadonlySet<string> = new Set(['0100', '0200']);

export interface CancelCounts {
  /** Cancels the register sent. */
  readonly requested: number;
  /** Answered 200 with the final result: stopped before anything reached the host. */
  readonly stopped: number;
  /** Answered 409: the request may be at the host, its answer decides. */
  readonly refused: number;
  /** Stopped (200) while the terminal was draining an owed reversal (`sending`). */
  readonly stoppedWhileSending: number;
  /** Cut off by a kill, or answered anything else. */
  readonly other: number;
}

export interface RegisterVerdict {
  readonly purchases: number;
  /** Purchases by the last status the register was told. */
  readonly told: Readonly<Record<ToldStatus, number>>;
  readonly registerToldWrong: number;
  readonly registerNeverTold: number;
  readonly answersChanged: number;
  readonly cancels: CancelCounts;
  readonly problems: readonly string[];
}

export function judgeRegister(purchases: readonly RegisterPurchase[], ledger: readonly LedgerEntry[], journal: JournalSnapshot, terminalId: string): RegisterVerdict {
  const problems: string[] = [];
  const wrong = new Set<string>();
  const tellWrong = (key: string, why: string): void => {
    wrong.add(key);
    problems.push(`register told wrong: ${why}`);
  };

  const financial = ledger.filter((e) => e.terminalId === terminalId && MONEY_MTIS.has(e.mti));
  const byStan = groupBy(financial, (e) => e.stan ?? '-');
  const standingOf = (stan: string | null): LedgerEntry[] =>
    stan === null ? [] : (byStan.get(stan) ?? []).filter((e) => isApproval(e.responseCode) && !e.reversed);
  const journalStan = new Map(journal.rows.filter((r) => r.reference !== null).map((r) => [r.reference, r.stan]));

  const told: Record<ToldStatus, number> = { approved: 0, declined: 0, cancelled: 0, failed: 0, 'not-started': 0 };
  const owned = new Set<string>();
  let neverTold = 0;
  let answersChanged = 0;
  for (const p of purchases) {
    const stan = p.told?.stan ?? journalStan.get(p.reference) ?? null;
    if (stan !== null) owned.add(stan);
    const name = `${p.phase} purchase ${p.reference} (${p.amount}, STAN ${stan ?? '-'})`;
    const standing = standingOf(stan);
    const t = p.told;
    if (t === null) {
      neverTold += 1;
      problems.push(`register never told: ${name}${p.unresolved ? ' (its look-ups found no end)' : ''}`);
    } else {
      told[t.status] += 1;
      const said = `told ${t.status}${t.responseCode === null ? '' : ` ${t.responseCode}`}${t.authCode === null ? '' : ` auth ${t.authCode}`} (${t.via})`;
      if (t.status === 'approved') {
        if (standing.length === 0) tellWrong(p.reference, `${name} ${said}, the host holds no standing approval for it`);
        else if (standing.some((e) => e.amountMinor !== p.amount) || (t.amount !== null && t.amount !== p.amount)) {
          tellWrong(p.reference, `${name} ${said} for ${t.amount ?? '?'}, the host holds ${standing.map((e) => e.amountMinor ?? '?').join(', ')}`);
        }
      } else {
        if (standing.length > 0) tellWrong(p.reference, `${name} ${said}, but the host holds a standing approval (${describe(standing)}): a charge the register thinks did not happen`);
        if (isApproval(t.responseCode) || t.authCode !== null) tellWrong(p.reference, `${name} ${said}: an approving code on a result that did not honour it`);
      }
    }
    if (p.cancel?.httpStatus === 200) {
      const seen = stan === null ? [] : (byStan.get(stan) ?? []);
      if (t?.status !== 'cancelled') tellWrong(p.reference, `${name}: cancel answered 200, the result is ${t?.status ?? 'unknown'}`);
      else if (seen.length > 0) tellWrong(p.reference, `${name}: cancel answered 200 (seen ${p.cancel.seenState ?? '-'}), but the host saw the purchase (${describe(seen)})`);
    }
    if (t !== null && p.audit !== null && p.audit.status !== t.status) {
      answersChanged += 1;
      problems.push(`answer changed: ${name} was told ${t.status} (${t.via}), the terminal now says ${p.audit.status}`);
    }
  }

  for (const [stan, entries] of byStan) {
    const standing = standingOf(stan);
    if (standing.length === 0 || owned.has(stan)) continue;
    tellWrong(`stan:${stan}`, `an approval stands at the host that no purchase of the register owns (${describe(entries)})`);
  }

  const cancelled = purchases.filter((p) => p.cancel !== null);
  const status = (s: number) => cancelled.filter((p) => p.cancel?.httpStatus === s);
  const stopped = status(200);
  const cancels: CancelCounts = {
    requested: cancelled.length,
    stopped: stopped.length,
    refused: status(409).length,
    stoppedWhileSending: stopped.filter((p) => p.cancel?.seenState === 'sending').length,
    other: cancelled.length - stopped.length - status(409).length,
  };
  return { purchases: purchases.length, told, registerToldWrong: wrong.size, registerNeverTold: neverTold, answersChanged, cancels, problems };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

function describe(entries: readonly LedgerEntry[]): string {
  return entries.map((e) => `${e.mti} STAN ${e.stan ?? '-'} ${e.amountMinor ?? '?'} rc ${e.responseCode ?? 'none'}${e.reversed ? ' reversed' : ''}`).join(', ');
}
