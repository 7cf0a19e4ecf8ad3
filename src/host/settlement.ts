/**
 * Settlement totals and the batch close. The accumulator is pure: the engine
 * (later the journal) feeds it each completed debit, credit and reversal;
 * it keeps counts and amounts per ISO 4217 currency. `closeBatch` sends the
 * totals (0500 reconciliation request, through the exchange passed in) and
 * says whether the host's totals agree (0510 with 00, or its own totals equal
 * to ours; 95 means they differ).
 */
import { PosError } from '../util/errors.js';

export type SettlementKind = 'debit' | 'credit' | 'reversal';

export interface CurrencyTotals {
  readonly debitCount: number;
  readonly debitAmountMinor: number;
  readonly creditCount: number;
  readonly creditAmountMinor: number;
  readonly reversalCount: number;
  readonly reversalAmountMinor: number;
}

export const ZERO_CURRENCY_TOTALS: CurrencyTotals = {
  debitCount: 0,
  debitAmountMinor: 0,
  creditCount: 0,
  creditAmountMinor: 0,
  reversalCount: 0,
  reversalAmountMinor: 0,
};

export type BatchTotals = Readonly<Record<string, CurrencyTotals>>;

const COUNT_KEY = { debit: 'debitCount', credit: 'creditCount', reversal: 'reversalCount' } as const;
const AMOUNT_KEY = { debit: 'debitAmountMinor', credit: 'creditAmountMinor', reversal: 'reversalAmountMinor' } as const;

export class SettlementAccumulator {
  readonly #totals = new Map<string, CurrencyTotals>();

  /** Adds one completed item; `TXN_AMOUNT_INVALID` / `TXN_CURRENCY_UNSUPPORTED` for a bad amount or currency. */
  record(item: { readonly kind: SettlementKind; readonly currency: string; readonly amountMinor: number }): void {
    if (!Number.isSafeInteger(item.amountMinor) || item.amountMinor < 0) {
      throw new PosError('TXN_AMOUNT_INVALID', 'A settlement amount must be a whole, non-negative number of minor units', { kind: item.kind });
    }
    if (!/^\d{3}$/.test(item.currency)) throw new PosError('TXN_CURRENCY_UNSUPPORTED', 'A settlement currency must be ISO 4217 numeric', { currency: item.currency });
    const t = this.#totals.get(item.currency) ?? ZERO_CURRENCY_TOTALS;
    this.#totals.set(item.currency, {
      ...t,
      [COUNT_KEY[item.kind]]: t[COUNT_KEY[item.kind]] + 1,
      [AMOUNT_KEY[item.kind]]: t[AMOUNT_KEY[item.kind]] + item.amountMinor,
    });
  }

  /** Totals per currency, currencies in ascending order. */
  totals(): BatchTotals {
    return Object.fromEntries([...this.#totals.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.#totals.clear();
  }
}

/** Net amount the merchant is owed in one currency: debits less credits and reversals. */
export function netAmountMinor(t: CurrencyTotals): number {
  return t.debitAmountMinor - t.creditAmountMinor - t.reversalAmountMinor;
}

export function totalsEqual(a: CurrencyTotals, b: CurrencyTotals): boolean {
  return (Object.keys(ZERO_CURRENCY_TOTALS) as (keyof CurrencyTotals)[]).every((k) => a[k] === b[k]);
}

/** What the host said to one currency's 0500 (from the message set's reader). */
export interface ReconciliationAnswer {
  readonly responseCode: string;
  /** The host's totals when it sent them back. */
  readonly hostTotals?: CurrencyTotals;
}

export type ReconciliationExchange = (currency: string, totals: CurrencyTotals) => Promise<ReconciliationAnswer>;

export interface CurrencyClose {
  readonly currency: string;
  readonly inBalance: boolean;
  readonly responseCode: string;
}

export interface BatchCloseResult {
  readonly inBalance: boolean;
  readonly currencies: readonly CurrencyClose[];
}

/** Sends one 0500 per currency; a rejection (a `PosError`) means the batch is not closed. */
export async function closeBatch(totals: BatchTotals, exchange: ReconciliationExchange): Promise<BatchCloseResult> {
  const currencies: CurrencyClose[] = [];
  for (const [currency, ours] of Object.entries(totals)) {
    const answer = await exchange(currency, ours);
    const inBalance = answer.hostTotals !== undefined ? totalsEqual(ours, answer.hostTotals) && answer.responseCode === '00' : answer.responseCode === '00';
    currencies.push({ currency, inBalance, responseCode: answer.responseCode });
  }
  return { inBalance: currencies.every((c) => c.inBalance), currencies };
}
