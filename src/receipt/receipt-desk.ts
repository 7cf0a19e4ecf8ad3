/**
 * The terminal's receipts in one place, for the ECR routes and the
 * composition root: a copy rendered from the journal, copies queued on the
 * print spool (the worker prints them), the last receipt reprinted, and the
 * automatic print when a transaction ends or is voided (`receipt.autoPrint`).
 *
 * Automatic copies: `customer`, `merchant` or `both` as configured; with
 * `customer`, a receipt the cardholder signs prints the merchant's copy too
 * (first: the one to sign), since the signed slip is the merchant's proof.
 * A transaction that printed nothing to the cardholder (cancelled, or ended
 * before a card was read) prints nothing by itself, nor does a tip
 * adjustment (made after the cardholder has gone).
 */
import type { Logger } from 'pino';
import type { PrintLine, Printer } from '../devices/printer.js';
import type { Journal, JournalEntry } from '../txn/journal/index.js';
import { PrintJobLog, type PrintCopy, type PrintJobRecord } from '../txn/journal/print-jobs.js';
import type { LedgerEvent } from '../txn/ledger.js';
import type { TransactionResult } from '../txn/result.js';
import { asPosError, PosError } from '../util/errors.js';
import { cvmWords } from './cvm.js';
import { renderReceipt } from './layout/render.js';
import { receiptWidthFor } from './layout/widths.js';
import type { AutoPrint, MerchantSettings } from './merchant.js';
import { ReceiptPrintWorker, type PrintBackoff } from './print-worker.js';
import type { ReceiptCopy } from './receipt-facts.js';

export interface ReceiptDeskOptions {
  readonly journal: Journal;
  readonly merchant: MerchantSettings;
  /** Null: no printer configured (receipts can still be read, not printed). */
  readonly printer: Printer | null;
  /** Already resolved (`effectiveAutoPrint`). */
  readonly autoPrint: AutoPrint;
  readonly logger: Logger;
  readonly backoff?: PrintBackoff;
}

export class ReceiptDesk {
  readonly jobs: PrintJobLog;
  readonly #o: ReceiptDeskOptions;
  readonly #worker: ReceiptPrintWorker | null;

  constructor(options: ReceiptDeskOptions) {
    this.#o = options;
    this.jobs = new PrintJobLog(options.journal.connection);
    this.#worker =
      options.printer === null
        ? null
        : new ReceiptPrintWorker({
            jobs: this.jobs,
            entryOf: (id) => options.journal.get(id),
            printer: options.printer,
            merchant: options.merchant,
            logger: options.logger,
            ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
          });
  }

  /** The width receipts are read at unless asked: the printer's, else 32. */
  get defaultWidth(): number {
    return this.#o.printer === null ? 32 : receiptWidthFor(this.#o.printer.columns);
  }

  /** One copy as print lines. `TXN_NOT_FOUND`, `RECEIPT_TXN_RUNNING`, `RECEIPT_WIDTH_INVALID`. */
  receipt(id: string, copy: ReceiptCopy, options: { readonly width?: number; readonly duplicate?: boolean } = {}): PrintLine[] {
    return renderReceipt(this.#entry(id), this.#o.merchant, { copy, duplicate: options.duplicate === true, width: options.width ?? this.defaultWidth });
  }

  /** Queues copies to print (a copy printed or queued before prints as DUPLICATE). `RECEIPT_NO_PRINTER` without a printer. */
  print(id: string, copies: readonly PrintCopy[], options: { readonly duplicate?: boolean } = {}): PrintJobRecord[] {
    this.#requirePrinter();
    const entry = this.#entry(id);
    if (entry.outcome === null) throw new PosError('RECEIPT_TXN_RUNNING', 'The transaction has not ended: no receipt yet', { id, state: entry.state });
    const jobs = this.jobs.queue(id, copies, options);
    this.#worker?.kick();
    return jobs;
  }

  /** The last ended transaction's receipt again, marked DUPLICATE. `RECEIPT_NONE_TO_REPRINT` when none has ended. */
  reprintLast(copy: PrintCopy): { readonly transactionId: string; readonly jobs: PrintJobRecord[] } {
    this.#requirePrinter();
    const id = this.jobs.lastEndedId();
    if (id === undefined) throw new PosError('RECEIPT_NONE_TO_REPRINT', 'No transaction has ended yet', {});
    return { transactionId: id, jobs: this.print(id, [copy], { duplicate: true }) };
  }

  /**
   * Inside a transaction's end commit (`JournalLedger.inEndCommit`): queues
   * its automatic copies in the same commit, so a power cut keeps both or
   * neither. Never throws (a receipt must not undo a payment's end).
   */
  onEnded(result: TransactionResult): void {
    if (this.#worker === null || this.#o.autoPrint === 'none') return;
    this.#autoPrint(result.id, null);
  }

  /** Subscribe to the ledger: queues the automatic copies when a transaction is voided. */
  onLedgerEvent(event: LedgerEvent): void {
    if (this.#worker === null || this.#o.autoPrint === 'none') return;
    if (event.step === 'reversal-owed') {
      const entry = this.#o.journal.find(event.reversal.transactionId);
      if (entry !== undefined && entry.voidedAt !== null) this.#autoPrint(entry.id, entry.voidedAt);
    }
  }

  /** Starts the worker (requeuing what a power cut left printing); no-op without a printer. */
  start(): void {
    this.#worker?.start();
  }

  /** Resolves once the queue is empty (tests, the demo). */
  idle(): Promise<void> {
    return this.#worker?.idle() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.#worker?.stop();
  }

  #autoPrint(id: string, since: string | null): void {
    try {
      const entry = this.#o.journal.get(id);
      const copies = autoPrintCopies(this.#o.autoPrint, entry);
      if (copies.length === 0) return;
      const jobs = this.jobs.queueOnce(id, copies, since);
      if (jobs.length > 0) this.#worker?.kick();
    } catch (err) {
      this.#o.logger.error({ err: asPosError(err, 'automatic receipt'), id }, 'cannot queue the automatic receipt');
    }
  }

  #entry(id: string): JournalEntry {
    const entry = this.#o.journal.find(id);
    if (entry === undefined) throw new PosError('TXN_NOT_FOUND', 'No such transaction', { id });
    return entry;
  }

  #requirePrinter(): void {
    if (this.#o.printer === null) throw new PosError('RECEIPT_NO_PRINTER', 'No printer is configured (devices.printer)', { fields: ['devices.printer'] });
  }
}

/** Which copies print by themselves for this row (see the header). */
export function autoPrintCopies(autoPrint: AutoPrint, entry: JournalEntry): PrintCopy[] {
  if (autoPrint === 'none' || entry.outcome === null || entry.outcome === 'cancelled' || entry.maskedPan === null) return [];
  // A tip adjustment or an increment happens after the cardholder has gone: its receipt prints when asked for.
  if (entry.kind === 'tip-adjust' || entry.kind === 'incremental') return [];
  if (autoPrint === 'both') return ['merchant', 'customer'];
  if (autoPrint === 'merchant') return ['merchant'];
  const signs = entry.outcome === 'approved' && entry.voidedAt === null && cvmWords(entry.emv?.cvmResults, entry.entryMode, true, entry.onlinePin).signature;
  return signs ? ['merchant', 'customer'] : ['customer'];
}
