/**
 * Receipts through the ECR API, served as a route module (`EcrRoutes`),
 * every one rendered from the journal (`src/receipt/`):
 *
 *   GET  /v1/transactions/:id/receipt[?copy=customer|merchant][&width=32|42|48][&format=json|text]
 *                                   → 200 { id, copy, width, lines: PrintLine[] }, or the receipt as
 *                                     text/plain with `Accept: text/plain` or `?format=text`
 *   POST /v1/transactions/:id/print[?copy=both|customer|merchant]
 *                                   → 202 { id, jobs: [{ id, copy, duplicate, state }] }  queued on the print spool
 *   POST /v1/receipts/reprint[?copy=customer|merchant]
 *                                   → 202 { id, jobs }  the last ended transaction's receipt, marked DUPLICATE
 *
 * The copy defaults to the customer's (a read, a reprint) and to both (a
 * print). A copy already printed or queued prints marked DUPLICATE. 404
 * `TXN_NOT_FOUND` for an unknown id, 409 `RECEIPT_TXN_RUNNING` while the
 * transaction runs (a receipt says what the register was told), 409
 * `RECEIPT_NO_PRINTER` to print without a printer, 404
 * `RECEIPT_NONE_TO_REPRINT` before any transaction ended.
 */
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { MerchantSettings } from '../receipt/merchant.js';
import type { ReceiptDesk } from '../receipt/receipt-desk.js';
import { receiptText } from '../receipt/text.js';
import type { PrintJobRecord } from '../txn/journal/print-jobs.js';
import { parse, type EcrRouteRequest, type EcrRoutes } from './ecr-server.js';

const readQuery = z
  .object({
    copy: z.enum(['customer', 'merchant']).default('customer'),
    width: z
      .enum(['32', '42', '48'])
      .transform((w) => Number(w))
      .optional(),
    format: z.enum(['json', 'text']).optional(),
  })
  .strict();
const printQuery = z.object({ copy: z.enum(['both', 'customer', 'merchant']).default('both') }).strict();
const reprintQuery = z.object({ copy: z.enum(['customer', 'merchant']).default('customer') }).strict();

export function ecrReceiptRoutes(receipts: Pick<ReceiptDesk, 'receipt' | 'print' | 'reprintLast' | 'defaultWidth'>): EcrRoutes {
  return {
    answer(route, request) {
      return Promise.resolve(answer(receipts, route, request));
    },
  };
}

function answer(receipts: Pick<ReceiptDesk, 'receipt' | 'print' | 'reprintLast' | 'defaultWidth'>, route: string, request: EcrRouteRequest) {
  switch (route) {
    case 'GET /v1/transactions/:id/receipt': {
      const query = parse(readQuery, Object.fromEntries(request.query));
      const id = request.id ?? '';
      const width = query.width ?? receipts.defaultWidth;
      const lines = receipts.receipt(id, query.copy, { width });
      if (query.format === 'text' || (query.format === undefined && wantsText(request.accept))) return { status: 200, text: receiptText(lines, width) };
      return { status: 200, body: { id, copy: query.copy, width, lines } };
    }
    case 'POST /v1/transactions/:id/print': {
      const query = parse(printQuery, Object.fromEntries(request.query));
      const id = request.id ?? '';
      const jobs = receipts.print(id, query.copy === 'both' ? ['merchant', 'customer'] : [query.copy]);
      return { status: 202, body: { id, jobs: jobs.map(jobView) } };
    }
    case 'POST /v1/receipts/reprint': {
      const query = parse(reprintQuery, Object.fromEntries(request.query));
      const reprint = receipts.reprintLast(query.copy);
      return { status: 202, body: { id: reprint.transactionId, jobs: reprint.jobs.map(jobView) } };
    }
    default:
      return undefined;
  }
}

/** `text/plain` preferred over JSON (a register's `Accept: text/plain`); anything else gets JSON. */
function wantsText(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
  const text = types.indexOf('text/plain');
  const json = types.findIndex((t) => t === 'application/json' || t === '*/*');
  return text !== -1 && (json === -1 || text < json);
}

function jobView(job: PrintJobRecord): { id: number; copy: string; duplicate: boolean; state: string } {
  return { id: job.id, copy: job.copy, duplicate: job.duplicate, state: job.state };
}

/** The receipt's merchant settings from the config: the `receipt` section and the terminal's ids. */
export function merchantSettings(config: Pick<Config, 'receipt' | 'terminal'>): MerchantSettings {
  return {
    merchantName: config.receipt.merchantName,
    addressLines: config.receipt.addressLines,
    footer: config.receipt.footer,
    terminalId: config.terminal.id,
    merchantId: config.terminal.merchantId,
    timeZone: config.receipt.timeZone,
  };
}
