/**
 * The simulated issuer's ledger: one entry for every request it answered (or
 * deliberately did not), as data. Money moves only through entries, each
 * applied once:
 *
 *   0100 pre-authorization   holds its amount (`heldMinor`; the account's
 *                            available balance goes down by it)
 *   0100 incremental         (DE 90 naming the pre-authorization) adds its
 *                            amount to the hold
 *   0200 purchase / refund   debits / credits (`capturedMinor`); an offline
 *   0220 advice              approval's advice the same
 *   completion (0220/0200)   captures up to the hold and frees the rest; the
 *                            pre-authorization then holds nothing (`completed`)
 *   tip adjust (0220, 02)    sets its purchase's `capturedMinor` to the new amount
 *   reversal (0400/0420)     undoes its original once (`reversed`): a purchase
 *                            is re-credited and a refund re-debited at what
 *                            they capture now, a hold is freed (a release), a
 *                            completion's capture is re-credited and its
 *                            pre-authorization holds again (it may be
 *                            completed or released), a tip adjustment puts its
 *                            purchase back to the amount before it, an
 *                            increment takes its amount off a hold still held
 *
 * Entries carry the masked PAN only, never a clear one.
 *
 * Matching rules (documented behaviour of the simulator):
 * - a duplicate is a request from the same terminal (DE 41) with the same
 *   STAN (DE 11) on the same day (the MMDD of DE 7) as one already judged;
 * - a reversal's, completion's, tip adjustment's or increment's original is found by
 *   terminal ID and DE 90 (original MTI, STAN and DE 7) — they carry no PAN;
 *   an advice's repeat (0221) is found as its 0220;
 * - reconciliation totals cover a terminal's approved 0200/0220 entries since
 *   its last 0500: purchases and completions as debits, refunds as credits,
 *   at what they capture now; pre-authorizations, increments and tip
 *   adjustments are in none (a tip adjustment changes its purchase's amount).
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
  /** From DE 3 and the MTI, for money entries. */
  readonly kind: TransactionKind | null;
  /** `null` when the simulator deliberately did not answer. */
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
  /** DE 54 amount type 44 (gratuity), as the request carried it. */
  readonly tipMinor: number | null;
  /** DE 54 amount type 40 (cash back), as the request carried it. */
  readonly cashbackMinor: number | null;
  /** An approved pre-authorization: what it holds now (0 once completed or released); else null. */
  readonly heldMinor: number | null;
  /** An approved purchase, refund or completion: what it charges (credits) now, a tip adjustment included; else null. */
  readonly capturedMinor: number | null;
  /** A pre-authorization an approved completion captured. */
  readonly completed: boolean;
  /** A completion or tip adjustment (or a reversal): the STAN of the original it named (DE 90). */
  readonly originalStan: string | null;
  /** A later reversal undid this entry. */
  readonly reversed: boolean;
}

/** A judged money entry a later message names, as a handler sees it. */
export type LedgerRow = Readonly<Row>;

interface Row extends Omit<LedgerEntry, 'reversed' | 'heldMinor' | 'capturedMinor' | 'completed'> {
  reversed: boolean;
  heldMinor: number | null;
  capturedMinor: number | null;
  completed: boolean;
  /** The deck account the entry moved money on; never a PAN. */
  readonly cardId: string | null;
  /** A completion's pre-authorization, a tip adjustment's purchase. */
  readonly original: Row | null;
  /** A tip adjustment: its purchase's `capturedMinor` before it. */
  readonly previousCapturedMinor: number | null;
  /** A pre-authorization: what its standing increments added to the hold it was approved for. */
  raisedMinor: number;
}

/** Requests that move money when approved. */
const MONEY_MTIS: ReadonlySet<string> = new Set([MTI.authorizationRequest, MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);
/** Those that count in reconciliation (an authorization is not financial). */
const FINANCIAL_MTIS: ReadonlySet<string> = new Set([MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);
const RECONCILIATION_MTIS: ReadonlySet<string> = new Set([MTI.reconciliationRequest, MTI.reconciliationRepeat]);
/** Answers that say the request was judged (not refused for form, security or duplication). */
const NOT_JUDGED: ReadonlySet<string> = new Set([RESPONSE_CODES.formatError, RESPONSE_CODES.securityViolation, RESPONSE_CODES.duplicateTransmission]);

export interface NewEntry extends Omit<LedgerEntry, 'reversed' | 'completed' | 'heldMinor' | 'capturedMinor' | 'originalStan'> {
  readonly cardId: string | null;
  readonly heldMinor?: number | null;
  readonly capturedMinor?: number | null;
  readonly original?: LedgerRow | null;
  readonly originalStan?: string | null;
  readonly previousCapturedMinor?: number | null;
}

/** What the account of a reversed entry gets back: `creditMinor` (negative: debited again) on `cardId`. */
export interface Undone {
  readonly cardId: string | null;
  readonly creditMinor: number;
}

const REVERSAL_MTIS: ReadonlySet<string> = new Set([MTI.reversalRequest, MTI.reversalRepeat, MTI.reversalAdvice, MTI.reversalAdviceRepeat]);

/**
 * Approved money entries of a terminal, by what they are now: a count each,
 * and the amounts still held and captured. A reversed entry counts as a
 * release (a pre-authorization) or a void (anything else), not as what it was.
 */
export interface LedgerSummary {
  /** Pre-authorizations approved (released ones too). */
  preauths: number;
  /** Pre-authorizations holding money now, and how much. */
  holds: number;
  heldMinor: number;
  /** Pre-authorizations reversed (released). */
  releases: number;
  /** Completions standing, and what they captured. */
  captures: number;
  capturedMinor: number;
  /** Purchases standing (offline advices too), at what they charge now. */
  purchases: number;
  purchasedMinor: number;
  refunds: number;
  refundedMinor: number;
  /** Tip adjustments standing. */
  tipAdjusts: number;
  /** Incremental authorizations standing. */
  increments: number;
  /** Purchases, refunds and completions reversed. */
  voids: number;
  /** Reversal requests answered 00 (repeats too). */
  reversalsAnswered: number;
}

const ZERO_SUMMARY: LedgerSummary = {
  preauths: 0,
  holds: 0,
  heldMinor: 0,
  releases: 0,
  captures: 0,
  capturedMinor: 0,
  purchases: 0,
  purchasedMinor: 0,
  refunds: 0,
  refundedMinor: 0,
  tipAdjusts: 0,
  increments: 0,
  voids: 0,
  reversalsAnswered: 0,
};

/** A field of a lookup key, length-prefixed so that no two distinct tuples ever give the same string. */
function keyPart(value: string | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.length}:${value}`;
}

/** Terminal + STAN + day (MMDD of DE 7) — the duplicate rule. */
function duplicateKey(terminalId: string | null, stan: string | null, day: string | undefined): string {
  return keyPart(terminalId) + keyPart(stan) + keyPart(day);
}

/**
 * Terminal + original MTI + STAN + DE 7 — the reversal rule (DE 90). A repeat
 * (origin digit 1: 0221) is keyed as its first (0220): a message naming the
 * advice finds it whichever of the two arrived.
 */
function reversalKey(terminalId: string | null, mti: string, stan: string | null, transmissionDateTime: string | null): string {
  return keyPart(terminalId) + keyPart(mti.slice(0, 3) + '0') + keyPart(stan) + keyPart(transmissionDateTime);
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
  readonly #mine = new WeakSet<LedgerRow>();
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
    return this.#rows.map(({ cardId: _cardId, original: _original, previousCapturedMinor: _previous, raisedMinor: _raised, ...entry }) => ({ ...entry }));
  }

  get length(): number {
    return this.#rows.length;
  }

  append(entry: NewEntry): LedgerRow {
    const { original = null, ...rest } = entry;
    const row: Row = {
      ...rest,
      heldMinor: entry.heldMinor ?? null,
      capturedMinor: entry.capturedMinor ?? null,
      completed: false,
      originalStan: entry.originalStan ?? original?.stan ?? null,
      previousCapturedMinor: entry.previousCapturedMinor ?? null,
      original: original === null ? null : this.#own(original),
      raisedMinor: 0,
      reversed: false,
    };
    this.#rows.push(row);
    this.#mine.add(row);
    if (!isJudged(row)) return row;
    pushTo(this.#byDuplicateKey, duplicateKey(row.terminalId, row.stan, row.transmissionDateTime?.slice(0, 4)), row);
    if (MONEY_MTIS.has(row.mti)) pushTo(this.#byReversalKey, reversalKey(row.terminalId, row.mti, row.stan, row.transmissionDateTime), row);
    return row;
  }

  /** The judged money request from this terminal with this STAN on the day of `de7` (MMDD), if any. */
  findDuplicate(terminalId: string, stan: string, de7: string | null, mtis: ReadonlySet<string> = MONEY_MTIS): LedgerRow | undefined {
    const bucket = this.#byDuplicateKey.get(duplicateKey(terminalId, stan, de7?.slice(0, 4)));
    return bucket?.find((r) => mtis.has(r.mti));
  }

  /** The judged money request a later message names by terminal ID and DE 90 (the first, when a repeat came too). */
  findOriginal(terminalId: string, original: OriginalData): LedgerRow | undefined {
    return this.#byReversalKey.get(reversalKey(terminalId, original.mti, original.stan, original.transmissionDateTime))?.[0];
  }

  /**
   * A completion captures `amountMinor` of `preauth`'s hold: the
   * pre-authorization then holds nothing and is `completed`. Returns what
   * the account gets back (the part of the hold not captured). The caller
   * has checked that the amount is within the hold.
   */
  capture(preauth: LedgerRow, amountMinor: number): Undone {
    const row = this.#own(preauth);
    const freed = (row.heldMinor ?? 0) - amountMinor;
    row.heldMinor = 0;
    row.completed = true;
    return { cardId: row.cardId, creditMinor: freed };
  }

  /** An incremental authorization adds `amountMinor` to `preauth`'s hold; returns what the account gets back (negative: held more). */
  increase(preauth: LedgerRow, amountMinor: number): Undone {
    const row = this.#own(preauth);
    row.heldMinor = (row.heldMinor ?? 0) + amountMinor;
    row.raisedMinor += amountMinor;
    return { cardId: row.cardId, creditMinor: -amountMinor };
  }

  /** A tip adjustment sets `purchase`'s captured amount; returns what the account gets back (negative: debited more). */
  adjust(purchase: LedgerRow, newAmountMinor: number): Undone {
    const row = this.#own(purchase);
    const before = row.capturedMinor ?? 0;
    row.capturedMinor = newAmountMinor;
    return { cardId: row.cardId, creditMinor: before - newAmountMinor };
  }

  /**
   * Reverses the original named by terminal ID and DE 90 once: `unknown`
   * when there is no such judged request, `already` when it was reversed
   * before, else `reversed` with the row and what its account gets back
   * (nothing for a declined original, which is only marked).
   */
  reverse(terminalId: string, original: OriginalData): { readonly outcome: 'unknown' | 'already' } | { readonly outcome: 'reversed'; readonly row: LedgerRow; readonly undone: Undone } {
    const row = this.#byReversalKey.get(reversalKey(terminalId, original.mti, original.stan, original.transmissionDateTime))?.[0];
    if (row === undefined) return { outcome: 'unknown' };
    if (row.reversed) return { outcome: 'already' };
    row.reversed = true;
    return { outcome: 'reversed', row, undone: { cardId: row.cardId, creditMinor: row.responseCode === RESPONSE_CODES.approved ? this.#undo(row) : 0 } };
  }

  /** What undoing an approved row gives its account back, and the row's state after it. */
  #undo(row: Row): number {
    switch (row.kind) {
      case 'preauth': {
        const held = row.heldMinor ?? 0;
        row.heldMinor = 0;
        return held;
      }
      case 'purchase':
        return row.capturedMinor ?? 0;
      case 'completion': {
        // The capture is re-credited and the pre-authorization holds its amount again: the merchant may still complete it.
        const preauth = row.original;
        if (preauth === null || preauth.reversed) return row.capturedMinor ?? 0;
        const restored = (preauth.amountMinor ?? 0) + preauth.raisedMinor;
        preauth.heldMinor = restored;
        preauth.completed = false;
        return (row.capturedMinor ?? 0) - restored;
      }
      case 'refund':
        return -(row.capturedMinor ?? 0);
      case 'incremental': {
        // Only a hold still held gives the increment back; a completed one was captured as it stood.
        const preauth = row.original;
        const added = row.amountMinor ?? 0;
        if (preauth === null || preauth.reversed) return 0;
        preauth.raisedMinor -= added;
        if (preauth.completed) return 0;
        const freed = Math.min(added, preauth.heldMinor ?? 0);
        preauth.heldMinor = (preauth.heldMinor ?? 0) - freed;
        return freed;
      }
      case 'tip-adjust': {
        const purchase = row.original;
        if (purchase === null || purchase.reversed || row.previousCapturedMinor === null) return 0;
        return this.adjust(purchase, row.previousCapturedMinor).creditMinor;
      }
      case null:
        return 0;
    }
  }

  /** A row handed out as `LedgerRow`, as the ledger's own (a read-only view of the same object). */
  #own(view: LedgerRow): Row {
    if (!this.#mine.has(view)) throw new Error('Not a row of this ledger');
    return view;
  }

  /** What the ledger holds and has captured for a terminal (all terminals without one), for tests and the admin port. */
  summary(terminalId?: string): LedgerSummary {
    const summary = { ...ZERO_SUMMARY };
    for (const r of this.#rows) {
      if (terminalId !== undefined && r.terminalId !== terminalId) continue;
      if (REVERSAL_MTIS.has(r.mti) && r.responseCode === RESPONSE_CODES.approved && r.originalStan !== null) summary.reversalsAnswered += 1;
      if (r.responseCode !== RESPONSE_CODES.approved || r.kind === null) continue;
      switch (r.kind) {
        case 'preauth':
          summary.preauths += 1;
          if ((r.heldMinor ?? 0) > 0) {
            summary.holds += 1;
            summary.heldMinor += r.heldMinor ?? 0;
          }
          if (r.reversed) summary.releases += 1;
          break;
        case 'completion':
          if (r.reversed) summary.voids += 1;
          else {
            summary.captures += 1;
            summary.capturedMinor += r.capturedMinor ?? 0;
          }
          break;
        case 'purchase':
          if (r.reversed) summary.voids += 1;
          else {
            summary.purchases += 1;
            summary.purchasedMinor += r.capturedMinor ?? 0;
          }
          break;
        case 'refund':
          if (r.reversed) summary.voids += 1;
          else {
            summary.refunds += 1;
            summary.refundedMinor += r.capturedMinor ?? 0;
          }
          break;
        case 'tip-adjust':
          if (!r.reversed) summary.tipAdjusts += 1;
          break;
        case 'incremental':
          if (!r.reversed) summary.increments += 1;
          break;
      }
    }
    return summary;
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
      const amount = r.capturedMinor ?? r.amountMinor ?? 0;
      if (r.kind === 'refund') {
        totals.creditsCount += 1;
        totals.creditsAmountMinor += amount;
        if (r.reversed) {
          totals.creditsReversalCount += 1;
          totals.creditsReversalAmountMinor += amount;
        }
      } else if (r.kind === 'purchase' || r.kind === 'completion') {
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
