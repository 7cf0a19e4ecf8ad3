import type { ErrorSpec } from './kind.js';

export const TXN_ERRORS = {
  TXN_BUSY: { kind: 'busy', summary: 'A transaction is already running; the terminal takes one at a time.' },
  TXN_NOT_FOUND: { kind: 'input', summary: 'No transaction with that id is known to this terminal.' },
  TXN_NOT_CANCELLABLE: { kind: 'state', summary: 'The transaction has gone to the host or has ended, so it can no longer be cancelled.' },
  TXN_CANCELLED: { kind: 'cancelled', summary: 'The transaction was cancelled before any request reached the host.' },
  TXN_AMOUNT_INVALID: { kind: 'input', summary: 'The amount is not a positive whole number of minor units within the field limit.' },
  TXN_CURRENCY_UNSUPPORTED: { kind: 'input', summary: 'The currency is not an ISO 4217 code this terminal accepts.' },
  TXN_PIN_UNAVAILABLE: { kind: 'config', summary: 'The card asks for online PIN but no PIN pad is attached.' },
  TXN_REFERENCE_REUSED: { kind: 'input', summary: "The register's reference (idempotency key) already names another purchase (another amount or currency)." },
  TXN_OFFLINE_REFUSED: { kind: 'state', summary: 'The card approved offline (TC at its first GENERATE AC) but the terminal may not queue its advice (store-and-forward off or its queue full): declined, nothing is owed.' },
  TXN_CARD_DECLINED: { kind: 'state', summary: 'The chip declined after the host approved; the approval is reversed.' },
  TXN_NOT_VOIDABLE: { kind: 'state', summary: 'Only a completed transaction of the open batch that is not voided can be voided (a pre-authorization released); an offline approval waits for its advice first.' },
  TXN_VOIDED: { kind: 'state', summary: 'The register voided the transaction: its reversal (0400, DE 39 17) is owed until the host acknowledges it.' },
  TXN_RELEASED: { kind: 'state', summary: 'The register released the pre-authorization: its reversal frees the hold at the host.' },
  TXN_TYPE_NOT_ALLOWED: { kind: 'input', summary: 'The terminal is not configured for this (an unreferenced refund, a tip, cashback): see `transactions` in the config.' },
  TXN_ORIGINAL_INVALID: { kind: 'state', summary: 'The original transaction named is not one this applies to: another type, not approved, voided, completed already, another currency, or of a closed batch.' },
  TXN_AMOUNT_OVER_ORIGINAL: { kind: 'input', summary: 'The amount is more than is left of the original: a refund beyond what was paid and not yet refunded, or a completion beyond the pre-authorized amount.' },
  TXN_NOT_INCREMENTED: { kind: 'state', summary: 'The host did not approve the incremental authorization (or could not be asked): the hold stays as it was; `details` says why.' },
  TXN_TIP_NOT_ADJUSTED: { kind: 'state', summary: 'The host did not approve the tip adjustment (or could not be asked): the purchase keeps its tip; `details` says why.' },
  TXN_CASHBACK_OVER_LIMIT: { kind: 'input', summary: 'The cashback is more than `transactions.cashbackLimit` allows.' },
} as const satisfies Record<string, ErrorSpec>;
