/**
 * A receipt copy as print lines: the rows (`rows.ts`) laid out at a paper
 * width (`widths.ts`) from a journal row and the merchant settings. The same
 * row and settings give the same lines, byte for byte: nothing here reads a
 * clock, the locale or the process's time zone.
 */
import type { PrintLine } from '../../devices/printer.js';
import type { JournalEntry } from '../../txn/journal/index.js';
import { PosError } from '../../util/errors.js';
import type { MerchantSettings } from '../merchant.js';
import { receiptFacts, type ReceiptFacts, type ReceiptOptions } from '../receipt-facts.js';
import { BLANK, centered, left, pair, pairs, rule } from './lines.js';
import type { Row } from './rows.js';
import { RECEIPT_ROWS } from './rows.js';
import { isReceiptWidth, WIDTH_LAYOUTS, type WidthLayout } from './widths.js';

/** `RECEIPT_WIDTH_INVALID` for a width other than 32, 42 or 48; `RECEIPT_TXN_RUNNING` for a row not ended. */
export function renderReceipt(entry: JournalEntry, merchant: MerchantSettings, options: ReceiptOptions & { readonly width: number }): PrintLine[] {
  if (!isReceiptWidth(options.width)) {
    throw new PosError('RECEIPT_WIDTH_INVALID', 'A receipt is 32, 42 or 48 columns wide', { width: options.width });
  }
  return layOut(receiptFacts(entry, merchant, options), WIDTH_LAYOUTS[options.width]);
}

export function layOut(facts: ReceiptFacts, layout: WidthLayout, rows: readonly Row[] = RECEIPT_ROWS): PrintLine[] {
  const out: PrintLine[] = [];
  for (const row of rows) out.push(...rowLines(row, facts, layout));
  return out;
}

function rowLines(row: Row, f: ReceiptFacts, layout: WidthLayout): PrintLine[] {
  const columns = layout.columns;
  switch (row.row) {
    case 'heading': {
      const text = row.fact(f);
      return text === null ? [] : centered(text, columns, emphasisOf(row));
    }
    case 'lines':
      return row.facts(f).flatMap((text) => centered(text, columns));
    case 'text': {
      const text = row.fact(f);
      return text === null ? [] : left(text, columns, emphasisOf(row));
    }
    case 'pair': {
      const value = row.fact(f);
      return value === null ? [] : pair(row.label, value, columns, emphasisOf(row));
    }
    case 'pairs': {
      const present = [row.first, row.second].flatMap(([label, fact]) => {
        const value = fact(f);
        return value === null ? [] : [[label, value] as const];
      });
      const [a, b] = present;
      if (a === undefined) return [];
      const unlabelled = a[0] === '' && (b?.[0] ?? '') === '';
      if (b === undefined) return unlabelled ? left(a[1], columns) : pair(a[0], a[1], columns);
      if (layout.sideBySide || unlabelled) return pairs(a, b, columns);
      return [...pair(a[0], a[1], columns), ...pair(b[0], b[1], columns)];
    }
    case 'rule':
      return [rule(columns)];
    case 'blank':
      return [BLANK];
    case 'signature':
      if (!f.signatureLine) return [];
      return [...Array.from({ length: layout.signatureSpace }, () => BLANK), { text: `X${layout.signatureChar.repeat(columns - 1)}`, align: 'left' }, { text: 'CARDHOLDER SIGNATURE', align: 'center' }];
  }
}

function emphasisOf(row: { readonly bold?: true; readonly doubleSize?: true }): { bold: boolean; doubleSize: boolean } {
  return { bold: row.bold === true, doubleSize: row.doubleSize === true };
}
