/**
 * The simulated issuer's ledger: one entry for every request it answered (or
 * deliberately did not), as data. Money moves only through entries: an
 * approved 0100/0200 or an advice debits (purchase) or credits (refund) a
 * deck account; a reversal flips its original's `reversed` and moves the
 * money back, once. Entries carry the masked PAN only, never a clear one.
 *
 * Matching rules (documented behaviour of the simulator):
 * - a duplicate is a financial request from the same terminal (DE 41) with
 *   the same STAN (DE 11) on the same day (the MMDD of DE 7) as one already
 *   answered;
 * - a reversal's original is found by terminal ID and DE 90 (original MTI,
 *   STAN and DE 7) — the reversal carries no PAN;
 * - reconciliation totals cover a terminal's approved 0200/0220 entries since
 *   its last 0500.
 */
import type { OriginalData } from '../../src/host/messages/reversal.js';
import { MTI, RESPONSE_CODES, type TransactionKind } from '../../src/host/messages/constants.js';
import { ZERO_TOTALS, type ReconciliationTotals } from '../../src/host/messages/reconciliation.js';

export interface LedgerEntry {
  /** When the simulator handled it (its clock). */
  readonly time: Date;
  readonly mti: string;
  readonly terminalId: string | null;
  readonly stan: string | null;
  /** DE 7 as received, MMDDhhmmss UTC. */
  readonly transmissionDateTime: string | null;
  readonly maskedPan: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  /** From DE 3, for financial entries. */
  readonly kind: TransactionKind | null;
  /** `null` when the simulator deliberately did not answer. */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
  /** A later reversal undid this entry. */
  readonly reversed: boolean;
}

interface Row extends Omit<LedgerEntry, 'reversed'> {
  reversed: boolean;
  /** The deck account the entry moved money on; never a PAN. */
  readonly cardId: string | null;
}

/** Requests that move money when approved. */
const MONEY_MTIS: ReadonlySet<string> = new Set([MTI.authorizationRequest, MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);
/** Those that count in reconciliation (an authorization is not financial). */
const FINANCIAL_MTIS: ReadonlySet<string> = new Set([MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);
const RECONCILIATION_MTIS: ReadonlySet<string> = new Set([MTI.reconciliationRequest, MTI.reconciliationRepeat]);
/** Answers that say the request was judged (not refused for form, security or duplication). */
const NOT_JUDGED: ReadonlySet<string> = new Set([RESPONSE_CODES.formatError, RESPONSE_CODES.securityViolation, RESPONSE_CODES.duplicateTransmission]);

export type NewEntry = Omit<LedgerEntry, 'reversed'> & { readonly cardId: string | null };

/** A field of a lookup key, length-prefixed so that no two distinct tuples ever give the same string. */
function keyPart(value: string | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.length}:${value}`;
}

/** Terminal + STAN + day (MMDD of DE 7) — the duplicate rule. */
function duplicateKey(terminalId: string | null, stan: string | null, day: string | undefined): string {
  return keyPart(terminalId) + keyPart(stan) + keyPart(day);
}

/** Terminal + original MTI + STAN + DE 7 — the reversal rule (DE 90). */
function reversalKey(terminalId: string | null, mti: string, stan: string | null, transmissionDateTime: string | null): string {
  return keyPart(terminalId) + keyPart(mti) + keyPart(stan) + keyPart(transmissionDateTime);
}

function isJudged(r: Row): boolean {
  return r.responseCode !== null && !NOT_JUDGED.has(r.responseCode);
}

function pushTo(index: Map<string, Row[]>, key: string, row: Row): void {
  const bucket = index.get(key);
  if (bucket === undefined) index.set(key, [row]);
  else bucket.push(row);
}

export class Ledger {
  readonly #rows: Row[] = [];
  /*
   * The lookups below run on every request, and a linear scan made the
   * simulator slow down as its ledger grew. Rows are append-only and the
   * fields the rules match on never change, so judged rows are indexed once,
   * on append; each bucket keeps append order, so the first match is still
   * the oldest, as the scan found it.
   */
  /** Judged rows (any MTI) by terminal + STAN + day; `findDuplicate` filters by MTI. */
  readonly #byDuplicateKey = new Map<string, Row[]>();
  /** Judged money rows by terminal + MTI + STAN + DE 7. */
  readonly #byReversalKey = new Map<string, Row[]>();

  /** Every entry, oldest first (copies). */
  entries(): LedgerEntry[] {
    return this.#rows.map(({ cardId: _cardId, ...entry }) => ({ ...entry }));
  }

  get length(): number {
    return this.#rows.length;
  }

  append(entry: NewEntry): void {
    const row: Row = { ...entry, reversed: false };
    this.#rows.push(row);
    if (!isJudged(row)) return;
    pushTo(this.#byDuplicateKey, duplicateKey(row.terminalId, row.stan, row.transmissionDateTime?.slice(0, 4)), row);
    if (MONEY_MTIS.has(row.mti)) pushTo(this.#byReversalKey, reversalKey(row.terminalId, row.mti, row.stan, row.transmissionDateTime), row);
  }

  /** The judged money request from this terminal with this STAN on the day of `de7` (MMDD), if any. */
  findDuplicate(terminalId: string, stan: string, de7: string | null, mtis: ReadonlySet<string> = MONEY_MTIS): LedgerEntry | undefined {
    const bucket = this.#byDuplicateKey.get(duplicateKey(terminalId, stan, de7?.slice(0, 4)));
    return bucket?.find((r) => mtis.has(r.mti));
  }

  /**
   * Reverses the original named by terminal ID and DE 90 once: returns
   * `unknown` when there is no such judged request, `already` when it was
   * reversed before, else the row's money to move back (`approved` false
   * when it was declined and moved none).
   */
  reverse(terminalId: string, original: OriginalData): { readonly outcome: 'unknown' | 'already' } | { readonly outcome: 'reversed'; readonly approved: boolean; readonly cardId: string | null; readonly amountMinor: number; readonly kind: TransactionKind | null; readonly maskedPan: string | null } {
    const row = this.#byReversalKey.get(reversalKey(terminalId, original.mti, original.stan, original.transmissionDateTime))?.[0];
    if (row === undefined) return { outcome: 'unknown' };
    if (row.reversed) return { outcome: 'already' };
    row.reversed = true;
    return { outcome: 'reversed', approved: row.responseCode === RESPONSE_CODES.approved, cardId: row.cardId, amountMinor: row.amountMinor ?? 0, kind: row.kind, maskedPan: row.maskedPan };
  }

  /** A terminal's totals since its last 0500, in one currency (see `reconciliation.ts` for the fields). */
  totalsSinceLastReconciliation(terminalId: string, currency: string): ReconciliationTotals {
    let start = 0;
    this.#rows.forEach((r, i) => {
      if (r.terminalId === terminalId && RECONCILIATION_MTIS.has(r.mti)) start = i + 1;
    });
    const totals = { ...ZERO_TOTALS };
    for (const r of this.#rows.slice(start)) {
      if (r.terminalId !== terminalId || r.currency !== currency || !FINANCIAL_MTIS.has(r.mti) || r.responseCode !== RESPONSE_CODES.approved) continue;
      const amount = r.amountMinor ?? 0;
      if (r.kind === 'refund') {
        totals.creditsCount += 1;
        totals.creditsAmountMinor += amount;
        if (r.reversed) {
          totals.creditsReversalCount += 1;
          totals.creditsReversalAmountMinor += amount;
        }
      } else if (r.kind === 'purchase') {
        totals.debitsCount += 1;
        totals.debitsAmountMinor += amount;
        if (r.reversed) {
          totals.debitsReversalCount += 1;
          totals.debitsReversalAmountMinor += amount;
        }
      }
    }
    return totals;
  }
}
