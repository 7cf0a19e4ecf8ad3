import type { ErrorSpec } from './kind.js';

/** Receipts and their print spool (`src/receipt/`). */
export const RECEIPT_ERRORS = {
  RECEIPT_TXN_RUNNING: { kind: 'state', summary: 'A receipt was asked for a transaction that has not ended yet (409): a receipt shows what the register was told.' },
  RECEIPT_NONE_TO_REPRINT: { kind: 'state', summary: 'A reprint of the last receipt was asked before any transaction ended (404).' },
  RECEIPT_NO_PRINTER: { kind: 'config', summary: 'A receipt was sent to print but no printer is configured (`devices.printer`) (409).' },
  RECEIPT_WIDTH_INVALID: { kind: 'input', summary: 'A receipt width other than 32, 42 or 48 columns.' },
  RECEIPT_PRINT_INTERRUPTED: { kind: 'io', summary: 'A receipt was printing when the terminal stopped: the printer cannot say whether it printed, so it prints again marked DUPLICATE.' },
} as const satisfies Record<string, ErrorSpec>;
