/**
 * The journal as the engine's `TxnHistory`: each entry as the register sees a
 * transaction. The outcome is the one the register was told (`outcome`); a
 * row ended by start-up recovery was never told one and reads as failed. An
 * approving response code shows only on an approved result.
 */
import type { HistoryFilter, TxnHistory } from '../history.js';
import type { ResultStatus, TransactionResult, TxnStatus, TxnType } from '../result.js';
import type { ErrorCode } from '../../util/errors.js';
import { ERROR_CODES } from '../../util/error-codes/index.js';
import { isApproval } from '../../host/approval.js';
import type { JournalEntry } from './entry.js';
import type { Journal } from './journal.js';
import type { JournalState } from './states.js';

const STATUS_BY_STATE: Readonly<Record<JournalState, TxnStatus | null>> = {
  created: null,
  'request-sent': null,
  'response-received': null,
  'offline-approved': null,
  completed: 'approved',
  'advice-pending': 'approved',
  'advice-sent': 'approved',
  'advice-expired': 'approved',
  declined: 'declined',
  cancelled: 'cancelled',
  failed: 'failed',
  'reversal-pending': 'failed',
  reversed: 'failed',
};

export function journalHistory(journal: Journal): TxnHistory {
  return {
    byId: (id) => {
      const entry = journal.find(id);
      return entry === undefined || !visible(entry) ? undefined : toResult(entry);
    },
    byReference: (reference) => {
      const entry = journal.byReference(reference);
      return entry === undefined || !visible(entry) ? undefined : toResult(entry);
    },
    related: (originalId) => journal.referring(originalId).filter(visible).map(toResult),
    stepByReference: (reference) => {
      const entry = journal.byReference(reference);
      return entry === undefined
        ? undefined
        : { kind: entry.kind, originalId: entry.originalId, amountMinor: entry.amountMinor, outcome: entry.outcome, responseCode: entry.responseCode, errorCode: entry.errorCode };
    },
    transmittedAt: (id) => journal.find(id)?.transmittedAt ?? undefined,
    reversed: (id) => journal.find(id)?.state === 'reversed',
    adviceAcknowledged: (id) => journal.find(id)?.state === 'advice-sent',
    inOpenBatch: (id) => {
      const entry = journal.find(id);
      return entry !== undefined && entry.batchNo === journal.batchNo();
    },
    list: (filter: HistoryFilter) =>
      journal
        .list({
          ...(filter.since === undefined ? {} : { since: filter.since }),
          ...(filter.reference === undefined ? {} : { reference: filter.reference }),
          ...(filter.limit === undefined ? {} : { limit: filter.limit }),
        })
        .filter(visible)
        .map(toResult),
  };
}

/** A tip adjustment or an increment is a step of its original, not a transaction of the register's: it reads as the original. */
function visible(entry: JournalEntry): entry is JournalEntry & { readonly kind: TxnType } {
  return entry.kind !== 'tip-adjust' && entry.kind !== 'incremental';
}

export function toResult(entry: JournalEntry & { readonly kind: TxnType }): TransactionResult {
  const status: ResultStatus | null = entry.voidedAt !== null ? 'voided' : (entry.outcome ?? STATUS_BY_STATE[entry.state]);
  const approved = status === 'approved';
  const errorCode = entry.errorCode !== null && entry.errorCode in ERROR_CODES ? (entry.errorCode as ErrorCode) : undefined;
  return {
    id: entry.id,
    type: entry.kind,
    ...(entry.reference === null ? {} : { reference: entry.reference }),
    state: status ?? (entry.state === 'created' ? 'waiting-for-card' : 'authorizing'),
    status,
    responseCode: approved || !isApproval(entry.responseCode) ? entry.responseCode : null,
    authCode: approved ? entry.authCode : null,
    rrn: entry.rrn,
    stan: entry.stan,
    maskedPan: entry.maskedPan,
    brand: entry.brand,
    entryMode: entry.entryMode,
    amount: entry.amountMinor - entry.tipMinor - entry.cashbackMinor,
    ...(entry.tipMinor > 0 ? { tip: entry.tipMinor } : {}),
    ...(entry.cashbackMinor > 0 ? { cashback: entry.cashbackMinor } : {}),
    total: entry.amountMinor,
    ...(entry.originalId === null ? {} : { originalId: entry.originalId }),
    ...(entry.voidedAt === null ? {} : { voidedAt: entry.voidedAt }),
    currency: entry.currency,
    ...(errorCode === undefined ? {} : { errorCode }),
    ...(entry.reason === null ? {} : { reason: entry.reason }),
    ...(entry.offline ? { offline: true } : {}),
    ...(entry.emv === null ? {} : { emv: entry.emv }),
    startedAt: entry.createdAt,
    endedAt: status === null ? null : (entry.endedAt ?? entry.updatedAt),
  };
}
