/** What the ESC/POS printer tests share: the status questions a job is preceded by, and printing until the printer has read the job. */
import type { Printer, PrintJob } from '../../../src/devices/printer.js';

/** DLE EOT 1, 2, 3, 4: what `print` sends before any byte of a job. */
export const STATUS_QUESTIONS: readonly number[] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4];

/** Prints, then asks the status once more: a printer reads its wire in order, so the answer comes after it has read the job. */
export async function printAndSettle(printer: Printer, job: PrintJob): Promise<void> {
  await printer.print(job);
  await printer.status();
}
