/**
 * What the register was told, against the host's book: the register must
 * never have been told wrong about money.
 *
 * For each purchase (refund, pre-authorization), its STAN is the one in the
 * register's last answer, else the one the journal holds for its reference;
 * "standing" is an approval of that STAN the host booked and nobody
 * reversed. `registerToldWrong` counts:
 * - told approved, but no standing approval (or one of another amount);
 * - told declined, cancelled, failed or not started, but an approval stands;
 * - told something other than approved with an approving response code or an
 *   auth code (what a register prints on the slip);
 * - a 200 to a cancel whose result is not `cancelled`, or whose purchase the
 *   host saw at all (a 200 promises that nothing reached the host);
 * - an approval standing at the host that no purchase of the register owns.
 * - a transaction the register voided or released (told `voided`) that
 *   still stands at the host; a purchase whose tip adjustment it was told
 *   approved (or not) that the host captures at another amount;
 * - a completion told approved that does not stand captured at the host
 *   for its amount, or one told otherwise while a capture stands;
 * - a pre-authorization whose increments standing at the host are not, amount
 *   for amount, the ones the register was told approved.
 * `registerNeverTold` counts transactions and follow-ups the register could
 * not learn the end of, even after the last restart; `answersChanged` those
 * whose final answer the terminal later changed (its audit after the last
 * restart differs; a transaction voided since says `voided`).
 *
 * Pure: data in, counts and one line per problem out.
 */
import { isApproval } from '../../src/host/approval.js';
import type { LedgerEntry } from './host-sim.js';
import type { JournalSnapshot } from './journal-check.js';
import { MONEY_MTIS } from './reconcile.js';
import { FOLLOW_UP_OPS, type FollowUpOp, type FollowUpStatus, type RegisterFollowUp } from './register-follow-ups.js';
import type { CardTxnType, RegisterPurchase, ToldStatus } from './register.js';

const CARD_TYPES: readonly CardTxnType[] = ['purchase', 'refund', 'preauth'];
const FOLLOW_UP_STATUSES: readonly FollowUpStatus[] = ['voided', 'approved', 'declined', 'failed', 'not-done', 'refused'];

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
  /** The same by type: purchases, refunds, pre-authorizations. */
  readonly byType: Readonly<Record<CardTxnType, Readonly<Record<ToldStatus, number>>>>;
  /** Follow-ups by what the register was last told of each (`register-follow-ups.ts`). */
  readonly followUps: Readonly<Record<FollowUpOp, Readonly<Record<FollowUpStatus, number>>>>;
  readonly registerToldWrong: number;
  readonly registerNeverTold: number;
  readonly answersChanged: number;
  readonly cancels: CancelCounts;
  readonly problems: readonly string[];
}

export function judgeRegister(
  purchases: readonly RegisterPurchase[],
  ledger: readonly LedgerEntry[],
  journal: JournalSnapshot,
  terminalId: string,
  followUps: readonly RegisterFollowUp[] = [],
): RegisterVerdict {
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

  const told: Record<ToldStatus, number> = zeroTold();
  const byType = Object.fromEntries(CARD_TYPES.map((t) => [t, zeroTold()])) as Record<CardTxnType, Record<ToldStatus, number>>;
  const owned = new Set<string>();
  // What follows each transaction, as the register was told it.
  const done = (p: RegisterPurchase, ...ops: FollowUpOp[]): RegisterFollowUp[] =>
    followUps.filter((f) => f.target === p && ops.includes(f.op) && (f.told?.status === 'voided' || f.told?.status === 'approved'));
  // A completion or tip adjustment a kill cut off is the register's too: the journal names its original.
  const ownedIds = new Set(journal.rows.filter((r) => r.reference !== null && purchases.some((p) => p.reference === r.reference)).map((r) => r.id));
  for (const r of journal.rows) if (r.originalId !== null && ownedIds.has(r.originalId) && r.stan !== null) owned.add(r.stan);
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
      byType[p.type][t.status] += 1;
      const said = `told ${t.status}${t.responseCode === null ? '' : ` ${t.responseCode}`}${t.authCode === null ? '' : ` auth ${t.authCode}`} (${t.via})`;
      const voids = done(p, 'void', 'release');
      const tip = done(p, 'tip').at(-1)?.amount ?? 0;
      if (t.status === 'approved' && voids.length > 0) {
        if (standing.length > 0) tellWrong(p.reference, `${name} told ${voids[0]?.op === 'release' ? 'released' : 'voided'} (${voids[0]?.told?.via ?? '-'}), but it still stands at the host (${describe(standing)})`);
      } else if (t.status === 'approved') {
        if (standing.length === 0) tellWrong(p.reference, `${name} ${said}, the host holds no standing approval for it`);
        else if (standing.some((e) => e.amountMinor !== p.amount) || (t.amount !== null && t.amount !== p.amount)) {
          tellWrong(p.reference, `${name} ${said} for ${t.amount ?? '?'}, the host holds ${standing.map((e) => e.amountMinor ?? '?').join(', ')}`);
        } else if (p.type === 'purchase' && standing.some((e) => e.capturedMinor !== null && e.capturedMinor !== p.amount + tip)) {
          tellWrong(p.reference, `${name} ${said} with a tip of ${tip}, the host captures ${standing.map((e) => e.capturedMinor ?? '?').join(', ')}`);
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
    const voidedSince = t?.status === 'approved' && p.audit?.status === 'voided' && done(p, 'void', 'release').length > 0;
    if (t !== null && p.audit !== null && p.audit.status !== t.status && !voidedSince) {
      answersChanged += 1;
      problems.push(`answer changed: ${name} was told ${t.status} (${t.via}), the terminal now says ${p.audit.status}`);
    }
  }

  const followed = judgeFollowUps(followUps, financial, tellWrong, problems);
  for (const f of followUps) if (f.told?.stan != null) owned.add(f.told.stan);
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
  return { purchases: purchases.length, told, byType, followUps: followed.counts, registerToldWrong: wrong.size, registerNeverTold: neverTold + followed.neverTold, answersChanged, cancels, problems };
}

/**
 * Each completion as told: approved stands captured at the host for its
 * amount; anything else leaves no capture of the pre-authorization
 * standing. Each pre-authorization's increments as told: those told
 * approved, and only they, stand at the host (the register is not told an
 * increment's STAN: they are compared amount for amount). (A void's and a
 * release's word is judged on the transaction it names, above; a tip
 * adjustment's on its purchase's captured amount.)
 */
function judgeFollowUps(
  followUps: readonly RegisterFollowUp[],
  financial: readonly LedgerEntry[],
  tellWrong: (key: string, why: string) => void,
  problems: string[],
): { counts: Record<FollowUpOp, Record<FollowUpStatus, number>>; neverTold: number } {
  const counts = Object.fromEntries(FOLLOW_UP_OPS.map((op) => [op, Object.fromEntries(FOLLOW_UP_STATUSES.map((s) => [s, 0]))])) as Record<FollowUpOp, Record<FollowUpStatus, number>>;
  let neverTold = 0;
  const raised = new Set<RegisterPurchase>();
  followUps.forEach((f, i) => {
    const name = `${f.op} #${i + 1} of ${f.target.reference} (${f.amount})`;
    const t = f.told;
    if (t === null) {
      neverTold += 1;
      problems.push(`register never told: ${name}`);
      return;
    }
    counts[f.op][t.status] += 1;
    if (f.op === 'increment' && !raised.has(f.target)) {
      raised.add(f.target);
      judgeIncrements(f.target, followUps, financial, tellWrong);
    }
    if (f.op !== 'complete') return;
    const preauthStan = f.target.told?.stan ?? null;
    const captures = financial.filter((e) => e.kind === 'completion' && e.originalStan === preauthStan && isApproval(e.responseCode) && !e.reversed);
    const said = `${name} told ${t.status}${t.responseCode === null ? '' : ` ${t.responseCode}`} (${t.via})`;
    if (t.status === 'approved') {
      const mine = captures.filter((e) => e.stan === t.stan);
      if (mine.length === 0) tellWrong(`${f.target.reference}/complete`, `${said}, the host holds no standing capture of STAN ${t.stan ?? '-'}`);
      else if (mine.some((e) => (e.capturedMinor ?? e.amountMinor) !== f.amount)) tellWrong(`${f.target.reference}/complete`, `${said}, the host captured ${describe(mine)}`);
    } else {
      // Its own capture (by STAN), or, told without one, any capture no completion told approved owns.
      const approved = new Set(followUps.filter((g) => g !== f && g.target === f.target && g.op === 'complete' && g.told?.status === 'approved').map((g) => g.told?.stan));
      const wrongly = captures.filter((e) => (t.stan === null ? !approved.has(e.stan) : e.stan === t.stan));
      if (wrongly.length > 0) tellWrong(`${f.target.reference}/complete`, `${said}, but the host holds a capture of the pre-authorization (${describe(wrongly)})`);
    }
  });
  return { counts, neverTold };
}

/** The increments of `target` standing at the host against those the register was told approved; judged once all were told. */
function judgeIncrements(target: RegisterPurchase, followUps: readonly RegisterFollowUp[], financial: readonly LedgerEntry[], tellWrong: (key: string, why: string) => void): void {
  const increments = followUps.filter((f) => f.target === target && f.op === 'increment');
  if (increments.some((f) => f.told === null)) return; // counted as never told
  const preauthStan = target.told?.stan ?? null;
  const told = increments.filter((f) => f.told?.status === 'approved').map((f) => f.amount);
  const standing = financial.filter((e) => e.kind === 'incremental' && preauthStan !== null && e.originalStan === preauthStan && isApproval(e.responseCode) && !e.reversed);
  const atHost = standing.map((e) => e.amountMinor ?? 0);
  const sorted = (list: number[]): string => [...list].sort((a, b) => a - b).join(', ');
  if (sorted(told) !== sorted(atHost)) {
    const said = increments.map((f) => `${f.amount} ${f.told?.status ?? '-'} (${f.told?.via ?? '-'})`).join(', ');
    tellWrong(`${target.reference}/increment`, `increments of ${target.reference} (STAN ${preauthStan ?? '-'}) told ${said}, the host has standing ${standing.length === 0 ? 'none' : describe(standing)}`);
  }
}

function zeroTold(): Record<ToldStatus, number> {
  return { approved: 0, declined: 0, cancelled: 0, failed: 0, voided: 0, 'not-started': 0 };
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
