/**
 * The print spool's worker: prints the journal's queued receipt jobs
 * (`print_job`, `src/txn/journal/print-jobs.ts`) one at a time, oldest first,
 * each rendered from its transaction's row when it prints.
 *
 *   queued ─claim (committed)─▶ printer.print ─ok─▶ printed (committed)
 *                                     ├─ PRINTER_PAPER_OUT / COVER_OPEN / OFFLINE ─▶ queued as it was (nothing was sent)
 *                                     └─ any other fault ─▶ queued, marked DUPLICATE (part of it may be on paper)
 *   then: poll `status()` with capped backoff until the printer can print, and go on.
 *
 * Never lost: a job leaves the queue only printed (or `failed` when its
 * receipt cannot be rendered). Never printed twice as an original: a job is
 * claimed in a commit before its first byte, so after a power cut the
 * journal says `printing` — the printer keeps no record of what it printed,
 * so such a job prints again marked DUPLICATE (`start()`); a customer may
 * hold two slips, the second saying DUPLICATE, rather than none.
 */
import type { Logger } from 'pino';
import type { PrintJob, Printer, PrinterStatus } from '../devices/printer.js';
import type { JournalEntry } from '../txn/journal/index.js';
import type { PrintJobLog, PrintJobRecord } from '../txn/journal/print-jobs.js';
import { asPosError } from '../util/errors.js';
import { renderReceipt } from './layout/render.js';
import { receiptWidthFor } from './layout/widths.js';
import type { MerchantSettings } from './merchant.js';

/** Refusals the port makes before any byte of the job is sent: the job is as if never tried. */
const NOTHING_SENT: ReadonlySet<string> = new Set(['PRINTER_PAPER_OUT', 'PRINTER_COVER_OPEN', 'PRINTER_OFFLINE']);

export interface PrintBackoff {
  /** The first wait before asking the printer again. */
  readonly initialMs: number;
  /** Waits double up to this. */
  readonly maxMs: number;
}

export const DEFAULT_PRINT_BACKOFF: PrintBackoff = { initialMs: 1_000, maxMs: 30_000 };

export interface PrintWorkerOptions {
  readonly jobs: PrintJobLog;
  /** The transaction's row as the journal has it now. */
  readonly entryOf: (transactionId: string) => JournalEntry;
  readonly printer: Printer;
  readonly merchant: MerchantSettings;
  readonly logger: Logger;
  readonly backoff?: PrintBackoff;
}

export class ReceiptPrintWorker {
  readonly #o: PrintWorkerOptions;
  readonly #backoff: PrintBackoff;
  #running: Promise<void> | null = null;
  #stopped = false;
  /** Wakes the loop from an idle wait (a job was queued) or any wait (stop). */
  #wake: (() => void) | null = null;
  #idleWaiters: (() => void)[] = [];
  /** A job is at the printer (claimed, not yet settled). */
  #busy = false;

  constructor(options: PrintWorkerOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? DEFAULT_PRINT_BACKOFF;
  }

  /** Requeues what a power cut left `printing` (as DUPLICATE), then prints the queue and waits for more. */
  start(): void {
    if (this.#running !== null) return;
    try {
      for (const job of this.#o.jobs.recoverInterrupted()) {
        this.#o.logger.warn({ printJob: job.id, id: job.transactionId, copy: job.copy }, 'receipt was printing at the last stop: it prints again marked DUPLICATE');
      }
    } catch (err) {
      this.#o.logger.error({ err: asPosError(err, 'print spool recovery') }, 'print spool recovery failed; the queue is printed as it stands');
    }
    this.#running = this.#loop();
  }

  /** A job was queued: print it now if the worker is idle. */
  kick(): void {
    this.#wake?.();
  }

  /** Resolves when the queue is empty (tests, the demo). */
  idle(): Promise<void> {
    if (!this.#busy && this.#o.jobs.next() === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops after the job in hand (a job at the printer is finished, not cut off). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = null;
  }

  async #loop(): Promise<void> {
    let delayMs = this.#backoff.initialMs;
    while (!this.#stopped) {
      let job: PrintJobRecord | undefined;
      try {
        job = this.#o.jobs.next();
      } catch (err) {
        this.#o.logger.error({ err: asPosError(err, 'print spool') }, 'cannot read the print spool');
        await this.#sleep(delayMs);
        delayMs = this.#next(delayMs);
        continue;
      }
      if (job === undefined) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve();
        await this.#sleep(null);
        continue;
      }
      if (!(await this.#ready())) {
        await this.#sleep(delayMs);
        delayMs = this.#next(delayMs);
        continue;
      }
      delayMs = this.#backoff.initialMs;
      this.#busy = true;
      const left = await this.#printOne(job).finally(() => (this.#busy = false));
      if (!left) {
        await this.#sleep(delayMs);
        delayMs = this.#next(delayMs);
      }
    }
  }

  /** True when the job left the queue (printed or failed); false when it waits for the printer. */
  async #printOne(queued: PrintJobRecord): Promise<boolean> {
    const { jobs, logger } = this.#o;
    let job: PrintJobRecord;
    let print: PrintJob;
    try {
      job = jobs.claim(queued.id);
    } catch (err) {
      logger.error({ err: asPosError(err, 'print spool'), printJob: queued.id }, 'cannot claim a receipt job');
      return false;
    }
    try {
      const lines = renderReceipt(this.#o.entryOf(job.transactionId), this.#o.merchant, { copy: job.copy, duplicate: job.duplicate, width: receiptWidthFor(this.#o.printer.columns) });
      print = { lines, cut: true };
    } catch (err) {
      const error = asPosError(err, 'receipt');
      logger.error({ err: error, printJob: job.id, id: job.transactionId }, 'receipt cannot be rendered: job left for the operator');
      this.#settle(() => jobs.fail(job.id, error.code), job.id);
      return true;
    }
    try {
      await this.#o.printer.print(print);
    } catch (err) {
      const error = asPosError(err, 'printer');
      const nothingSent = NOTHING_SENT.has(error.code);
      logger.warn({ code: error.code, printJob: job.id, id: job.transactionId }, nothingSent ? 'printer cannot print: receipt kept in the queue' : 'printer fault mid-receipt: it prints again marked DUPLICATE');
      this.#settle(() => jobs.requeue(job.id, error.code, !nothingSent), job.id);
      return false;
    }
    this.#settle(() => jobs.printed(job.id), job.id);
    logger.info({ printJob: job.id, id: job.transactionId, copy: job.copy, duplicate: job.duplicate }, 'receipt printed');
    return true;
  }

  /** A journal write after the printer acted; if it fails the job stays `printing` and the next start reprints it as DUPLICATE. */
  #settle(write: () => unknown, printJob: number): void {
    try {
      write();
    } catch (err) {
      this.#o.logger.error({ err: asPosError(err, 'print spool'), printJob }, 'cannot record a receipt job: it prints again, marked DUPLICATE, at the next start');
    }
  }

  async #ready(): Promise<boolean> {
    const printer = this.#o.printer;
    if (printer.state() !== 'connected') return false;
    let status: PrinterStatus;
    try {
      status = await printer.status();
    } catch {
      return false;
    }
    return status.online && !status.paperOut && !status.coverOpen;
  }

  #next(delayMs: number): number {
    return Math.min(delayMs * 2, this.#backoff.maxMs);
  }

  /** Waits `ms` (null: until a kick); `stop()` ends any wait. */
  #sleep(ms: number | null): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      if (ms !== null) timer = setTimeout(done, ms).unref();
      // A kick during a backoff must not hammer a printer that is out of paper: it ends idle waits only.
      this.#wake = ms === null ? done : () => (this.#stopped ? done() : undefined);
    });
  }
}
