/**
 * A journal row as the rest of the terminal sees it. Card identity is the
 * masked PAN only — no hash or anything else derived from the PAN, which
 * with the masked digits could be brute-forced back to it: the journal never
 * holds a PAN, track data, PIN block, CVV or chip data that names the card,
 * so no type here has a place for one. `emv` is the kernel's account (AID,
 * TVR, TSI, CVM results, cryptogram): what a receipt prints.
 */
import type { CardBrand } from '../../card/types.js';
import type { EmvSummary, EntryMode } from '../../devices/card-reader.js';
import type { TxnStatus } from '../result.js';
import type { JournalState } from './states.js';

/**
 * `purchase`, `refund` and `preauth` read a card; a `completion` captures a
 * pre-authorization, a `tip-adjust` replaces a purchase's tip and an
 * `incremental` adds to a pre-authorization's hold, each by reference to it
 * (`originalId`) without the card.
 */
export type JournalKind = 'purchase' | 'refund' | 'preauth' | 'completion' | 'tip-adjust' | 'incremental';

export interface JournalEntry {
  /** The engine's transaction id. */
  readonly id: string;
  /** The register's idempotency key, when it gave one (unique). */
  readonly reference: string | null;
  /** What the register was told at the end; null while running (or for a row a crash interrupted before recovery). */
  readonly outcome: TxnStatus | null;
  /** Insertion order: stable and gap-free enough to sort by. */
  readonly seq: number;
  readonly kind: JournalKind;
  readonly state: JournalState;
  readonly terminalId: string;
  /** The whole amount (DE 4): tip and cashback included. */
  readonly amountMinor: number;
  /** The tip within `amountMinor`; 0 when none. */
  readonly tipMinor: number;
  /** The cash given out within `amountMinor`; 0 when none. */
  readonly cashbackMinor: number;
  /** ISO 4217 numeric. */
  readonly currency: string;
  /** The transaction this one refers to: a referenced refund's purchase, a completion's or tip adjustment's original. */
  readonly originalId: string | null;
  /** When the register voided it (or released a pre-authorization): its reversal is owed or done. */
  readonly voidedAt: string | null;
  readonly stan: string | null;
  /** DE 7 of the request, ISO string. */
  readonly transmittedAt: string | null;
  readonly entryMode: EntryMode | null;
  readonly brand: CardBrand | null;
  readonly maskedPan: string | null;
  readonly responseCode: string | null;
  readonly authCode: string | null;
  readonly rrn: string | null;
  readonly errorCode: string | null;
  readonly reason: string | null;
  /** Approved by the terminal without the host (store-and-forward). */
  readonly offline: boolean;
  /** Where the terminal ran the EMV kernel: its account of the transaction. */
  readonly emv: EmvSummary | null;
  /** The request carried a PIN block the cardholder entered (online PIN): a fact for the receipt, no PIN data. */
  readonly onlinePin: boolean;
  readonly adviceAttempts: number;
  readonly batchNo: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly endedAt: string | null;
}

/** One step in a transaction's history, as committed. */
export interface JournalStep {
  readonly state: JournalState;
  readonly at: string;
  readonly note: string | null;
}

/** The row as SQLite returns it. */
export interface TxnRow {
  seq: number;
  id: string;
  reference: string | null;
  outcome: string | null;
  kind: string;
  state: string;
  terminal_id: string;
  amount_minor: number;
  tip_minor: number;
  cashback_minor: number;
  currency: string;
  original_id: string | null;
  voided_at: string | null;
  stan: string | null;
  transmitted_at: string | null;
  entry_mode: string | null;
  brand: string | null;
  masked_pan: string | null;
  response_code: string | null;
  auth_code: string | null;
  rrn: string | null;
  error_code: string | null;
  reason: string | null;
  offline: number;
  emv: string | null;
  online_pin: number;
  advice_attempts: number;
  batch_no: number;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

export function toEntry(row: TxnRow): JournalEntry {
  return {
    id: row.id,
    reference: row.reference,
    outcome: row.outcome as TxnStatus | null,
    seq: row.seq,
    kind: row.kind as JournalKind,
    state: row.state as JournalState,
    terminalId: row.terminal_id,
    amountMinor: row.amount_minor,
    tipMinor: row.tip_minor,
    cashbackMinor: row.cashback_minor,
    currency: row.currency,
    originalId: row.original_id,
    voidedAt: row.voided_at,
    stan: row.stan,
    transmittedAt: row.transmitted_at,
    entryMode: row.entry_mode as EntryMode | null,
    brand: row.brand as CardBrand | null,
    maskedPan: row.masked_pan,
    responseCode: row.response_code,
    authCode: row.auth_code,
    rrn: row.rrn,
    errorCode: row.error_code,
    reason: row.reason,
    offline: row.offline === 1,
    emv: emvOf(row.emv),
    onlinePin: row.online_pin === 1,
    adviceAttempts: row.advice_attempts,
    batchNo: row.batch_no,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

const EMV_TEXT_FIELDS = ['aid', 'applicationLabel', 'tvr', 'tsi', 'cvmResults', 'odaMethod', 'cryptogram', 'cryptogramType', 'atc'] as const;

/** The stored account, or null for none (or for a value this software did not write: the row stays readable). */
function emvOf(text: string | null): EmvSummary | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    if (typeof record['aid'] !== 'string' || typeof record['tvr'] !== 'string' || typeof record['tsi'] !== 'string') return null;
    const out: Record<string, string> = {};
    for (const key of EMV_TEXT_FIELDS) if (typeof record[key] === 'string') out[key] = record[key];
    return out as unknown as EmvSummary;
  } catch {
    return null;
  }
}
