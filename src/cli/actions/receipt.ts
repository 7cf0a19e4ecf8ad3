/**
 * What `pos receipt` does (its command line: `../commands/receipt.ts`): reads
 * the transaction's row from the journal (read-only, as `pos journal` does)
 * and writes the receipt as plain text, laid out as the printer would print
 * it, from the row and the config's `receipt` and `terminal` sections only —
 * the same text the ECR API's receipt route and the printer give.
 */
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { merchantSettings } from '../../app/ecr-receipt-routes.js';
import { renderReceipt } from '../../receipt/layout/render.js';
import { receiptWidthFor } from '../../receipt/layout/widths.js';
import { receiptText } from '../../receipt/text.js';
import { JournalReader } from '../../txn/journal/index.js';
import { PosError } from '../../util/errors.js';

export interface ReceiptFlags {
  readonly copy?: 'customer' | 'merchant';
  readonly width?: string;
  readonly dir?: string;
}

/** The receipt as text; `JOURNAL_NOT_FOUND` for an unknown id, `RECEIPT_TXN_RUNNING` for one not ended. */
export function receiptCommand(reader: JournalReader, config: Config, id: string, flags: ReceiptFlags): string {
  if (id.trim() === '') throw new PosError('JOURNAL_QUERY_INVALID', 'A transaction id is required', { option: 'id' });
  const width = flags.width === undefined ? defaultWidth(config) : Number(flags.width);
  const { entry } = reader.get(id);
  return receiptText(renderReceipt(entry, merchantSettings(config), { copy: flags.copy ?? 'customer', width }), width);
}

function defaultWidth(config: Config): number {
  const printer = config.devices.printer;
  return printer.type === 'none' ? 32 : receiptWidthFor(printer.columns);
}

export function runReceipt(id: string, flags: ReceiptFlags, configPath: string | undefined): void {
  const { config } = loadConfig({ path: configPath });
  const reader = JournalReader.open(flags.dir ?? config.journal.dir);
  try {
    process.stdout.write(receiptCommand(reader, config, id, flags));
  } finally {
    reader.close();
  }
}
