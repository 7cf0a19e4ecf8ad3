/**
 * The receipt printer. A `PrintJob` is what to print, as data (lines with
 * their emphasis, then a cut); each printer renders it its own way (ESC/POS
 * bytes on a thermal printer, lines in a twin). A job never carries card data:
 * receipts hold masked PANs only.
 */
import type { DeviceState } from './card-reader.js';

export type LineAlign = 'left' | 'center' | 'right';

export interface PrintLine {
  /** Printable text, at most the printer's `columns` characters (`doubleWidth` halves that). */
  readonly text: string;
  readonly align?: LineAlign;
  readonly bold?: boolean;
  /** Double width and height, for a heading or the total. */
  readonly doubleSize?: boolean;
}

export interface PrintJob {
  readonly lines: readonly PrintLine[];
  /** Feed past the tear bar and cut (a partial cut where the printer has one). */
  readonly cut: boolean;
}

/** What the printer says about itself (ESC/POS: DLE EOT 1–4). */
export interface PrinterStatus {
  readonly online: boolean;
  readonly paperOut: boolean;
  readonly paperNearEnd: boolean;
  readonly coverOpen: boolean;
}

export interface Printer {
  readonly name: string;
  /** Characters per line in the normal font: 32 (58 mm), 42 or 48 (80 mm). */
  readonly columns: number;
  /** Asks the printer; rejects on a device fault (kind `disconnected`, `io` or `timeout`). */
  status(): Promise<PrinterStatus>;
  /**
   * Prints the job. Rejects with `PRINTER_PAPER_OUT`, `PRINTER_COVER_OPEN`
   * or `PRINTER_OFFLINE` when the printer says it cannot print, before any
   * byte of the job is sent; rejects on a device fault otherwise.
   */
  print(job: PrintJob): Promise<void>;
  state(): DeviceState;
  /** Idempotent. */
  close(): Promise<void>;
}
