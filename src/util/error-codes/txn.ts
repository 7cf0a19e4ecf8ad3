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
} as const satisfies Record<string, ErrorSpec>;
