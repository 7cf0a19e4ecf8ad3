/**
 * The receipt routes over real HTTP (`src/app/ecr-receipt-routes.ts` in the
 * ECR server), on a real journal, printing through the real ESC/POS driver
 * to the printer twin: a receipt read as JSON lines or plain text, copies
 * printed (202 with the job ids) and read back from the paper, the last
 * receipt reprinted marked DUPLICATE, and each refusal's status and code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEscposPrinter } from '../../drivers/escpos-printer/index.js';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { attachEscposTwin, VirtualEscposPrinter } from '../../hw-mocks/escpos-printer/index.js';
import { ecrReceiptRoutes, merchantSettings } from '../../src/app/ecr-receipt-routes.js';
import { EcrClient } from '../../src/app/ecr-client.js';
import { EcrServer } from '../../src/app/ecr-server.js';
import { startTerminal } from '../../src/app/terminal.js';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { silentLogger } from '../../src/log/logger.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import { ReceiptDesk } from '../../src/receipt/receipt-desk.js';
import { receiptText } from '../../src/receipt/text.js';
import type { TransactionEngine } from '../../src/txn/engine.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { thrown } from '../pos-error.js';
import { card, openJournal, tempDir } from '../txn/journal-helpers.js';
import { approveInJournal, MERCHANT, until } from './receipt-fixtures.js';

const TOKEN = 'c3'.repeat(32);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Api {
  readonly journal: Journal;
  readonly desk: ReceiptDesk;
  readonly twin: VirtualEscposPrinter;
  call(method: string, path: string, headers?: Record<string, string>): Promise<{ status: number; type: string; text: string; json: () => Record<string, unknown> }>;
}

async function api(options: { printer?: boolean } = {}): Promise<Api> {
  const journal = openJournal(tempDir('pos-receipt-api-'));
  cleanups.push(() => journal.close());
  const twin = new VirtualEscposPrinter({ columns: 42 });
  let printer = null;
  if (options.printer !== false) {
    const [host, device] = createMemoryTransportPair();
    attachEscposTwin(device, twin);
    printer = createEscposPrinter(host, { columns: 42, codePage: 'pc858', logger: silentLogger, statusTimeoutMs: 500 });
    const opened = printer;
    cleanups.push(() => opened.close());
  }
  const desk = new ReceiptDesk({ journal, merchant: MERCHANT, printer, autoPrint: 'none', logger: silentLogger, backoff: { initialMs: 10, maxMs: 40 } });
  desk.start();
  cleanups.push(() => desk.stop());
  const server = new EcrServer({ engine: {} as TransactionEngine, health: () => ({ status: 'ok' }), logger: silentLogger, token: TOKEN, routes: [ecrReceiptRoutes(desk)] });
  cleanups.push(() => server.close());
  const { port } = await server.listen('127.0.0.1', 0);
  return {
    journal,
    desk,
    twin,
    call: async (method, path, headers = {}) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as Record<string, unknown> };
    },
  };
}

const errorOf = (json: Record<string, unknown>) => json['error'] as { code: string; details: Record<string, unknown> };

describe('GET /v1/transactions/:id/receipt', () => {
  it('answers the customer copy as JSON lines at the printer width, rendered from the journal', async () => {
    const { journal, call } = await api();
    approveInJournal(journal, 'txn-a', { amountMinor: 2500, tipMinor: 300 });
    const res = await call('GET', '/v1/transactions/txn-a/receipt');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ id: 'txn-a', copy: 'customer', width: 42, lines: renderReceipt(journal.get('txn-a'), MERCHANT, { copy: 'customer', width: 42 }) });
    expect(res.text).toContain('**** **** **** 0119');
    expect(res.text).not.toContain('476173');
  });

  it('answers plain text with Accept: text/plain or ?format=text, at the width and copy asked', async () => {
    const { journal, call } = await api();
    approveInJournal(journal, 'txn-a', { amountMinor: 2500, tipMinor: 300 });
    const text = receiptText(renderReceipt(journal.get('txn-a'), MERCHANT, { copy: 'merchant', width: 48 }), 48);
    const byAccept = await call('GET', '/v1/transactions/txn-a/receipt?copy=merchant&width=48', { accept: 'text/plain' });
    expect([byAccept.status, byAccept.type, byAccept.text]).toEqual([200, 'text/plain; charset=utf-8', text]);
    expect(byAccept.text).toContain('476173******0119');
    expect(byAccept.text).toMatch(/\nTIP {37}3.00 EUR\n/);
    const byQuery = await call('GET', '/v1/transactions/txn-a/receipt?copy=merchant&width=48&format=text');
    expect(byQuery.text).toBe(text);
    const jsonFirst = await call('GET', '/v1/transactions/txn-a/receipt', { accept: 'application/json, text/plain' });
    expect(jsonFirst.type).toMatch(/^application\/json/);
  });

  it('is 404 for an unknown id, 409 while the transaction runs, 400 for a copy or width it has not', async () => {
    const { journal, call } = await api();
    journal.steps.begin({ id: 'txn-running', amountMinor: 500, currency: '978', card: card() });
    const unknown = await call('GET', '/v1/transactions/nope/receipt');
    expect([unknown.status, errorOf(unknown.json()).code]).toEqual([404, 'TXN_NOT_FOUND']);
    const running = await call('GET', '/v1/transactions/txn-running/receipt');
    expect([running.status, errorOf(running.json())]).toMatchObject([409, { code: 'RECEIPT_TXN_RUNNING', details: { id: 'txn-running', state: 'created' } }]);
    const copy = await call('GET', '/v1/transactions/txn-running/receipt?copy=shop&width=40');
    expect([copy.status, errorOf(copy.json())]).toMatchObject([400, { code: 'ECR_BAD_REQUEST', details: { fields: ['copy', 'width'] } }]);
  });
});

describe('POST /v1/transactions/:id/print and /v1/receipts/reprint', () => {
  it('queues both copies (202, the job ids) and the printer prints them, merchant first', async () => {
    const { journal, desk, twin, call } = await api();
    approveInJournal(journal, 'txn-a', { amountMinor: 2500, tipMinor: 300 });
    const res = await call('POST', '/v1/transactions/txn-a/print');
    expect(res.status).toBe(202);
    expect(res.json()).toEqual({
      id: 'txn-a',
      jobs: [
        { id: 1, copy: 'merchant', duplicate: false, state: 'queued' },
        { id: 2, copy: 'customer', duplicate: false, state: 'queued' },
      ],
    });
    await desk.idle();
    expect(twin.receipts()).toEqual(
      (['merchant', 'customer'] as const).map((copy) => renderReceipt(journal.get('txn-a'), MERCHANT, { copy, width: 42 }).map((l) => l.text)),
    );
  });

  it('prints a copy asked again, and the reprint of the last receipt, marked DUPLICATE', async () => {
    const { journal, desk, twin, call } = await api();
    approveInJournal(journal, 'txn-a', { amountMinor: 2500, tipMinor: 300 });
    approveInJournal(journal, 'txn-b', { amountMinor: 2500, tipMinor: 300 });
    expect((await call('POST', '/v1/transactions/txn-a/print?copy=customer')).json()['jobs']).toMatchObject([{ duplicate: false }]);
    expect((await call('POST', '/v1/transactions/txn-a/print?copy=customer')).json()['jobs']).toMatchObject([{ duplicate: true }]);
    const reprint = await call('POST', '/v1/receipts/reprint');
    expect([reprint.status, reprint.json()]).toEqual([202, { id: 'txn-b', jobs: [{ id: 3, copy: 'customer', duplicate: true, state: 'queued' }] }]);
    await desk.idle();
    expect(twin.receipts().map((r) => r.filter((line) => line === '*** DUPLICATE ***').length)).toEqual([0, 2, 2]);
    expect(twin.receipts()[2]).toEqual(renderReceipt(journal.get('txn-b'), MERCHANT, { copy: 'customer', duplicate: true, width: 42 }).map((l) => l.text));
  });

  it('is 409 without a printer, 404 with nothing to reprint, 409 for a running transaction', async () => {
    const paperless = await api({ printer: false });
    approveInJournal(paperless.journal, 'txn-a', { amountMinor: 2500, tipMinor: 300 });
    const noPrinter = await paperless.call('POST', '/v1/transactions/txn-a/print');
    expect([noPrinter.status, errorOf(noPrinter.json()).code]).toEqual([409, 'RECEIPT_NO_PRINTER']);
    const empty = await api();
    const nothing = await empty.call('POST', '/v1/receipts/reprint');
    expect([nothing.status, errorOf(nothing.json()).code]).toEqual([404, 'RECEIPT_NONE_TO_REPRINT']);
    empty.journal.steps.begin({ id: 'txn-running', amountMinor: 500, currency: '978', card: card() });
    const running = await empty.call('POST', '/v1/transactions/txn-running/print');
    expect([running.status, errorOf(running.json()).code]).toEqual([409, 'RECEIPT_TXN_RUNNING']);
    const unknown = await empty.call('POST', '/v1/transactions/nope/print');
    expect([unknown.status, errorOf(unknown.json()).code]).toEqual([404, 'TXN_NOT_FOUND']);
    expect(empty.desk.jobs.list()).toEqual([]);
  });
});

describe('in a running terminal', () => {
  it('answers 409 while a purchase runs, then prints its copies by itself on the virtual printer and serves the receipt', async () => {
    const config = parseConfig({
      ecr: { port: 0 },
      devices: { reader: { type: 'virtual' }, printer: { type: 'virtual', columns: 42 } },
      host: { type: 'simulator', timeoutMs: 2000 },
      receipt: { merchantName: 'CORNER SHOP' },
    });
    const terminal = await startTerminal(config, { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: tempDir('pos-receipt-terminal-') });
    cleanups.push(() => terminal.close());
    const ecr = new EcrClient(terminal.ecrUrl, terminal.ecrToken);
    const get = (path: string, accept = 'text/plain') => fetch(terminal.ecrUrl + path, { headers: { authorization: `Bearer ${terminal.ecrToken}`, accept } });

    const { id } = await ecr.purchase(1234, '978');
    const running = await get(`/v1/transactions/${id}/receipt`, 'application/json');
    expect(running.status).toBe(409);
    await ecr.present('visa-ok', { entry: 'swipe' });
    expect((await ecr.get(id, true)).status).toBe('approved');
    await until(() => terminal.receipts.jobs.list().length === 2);
    await terminal.receipts.idle();
    // A swipe is signed for: the merchant copy to sign first, then the customer's (receipt.autoPrint left out).
    expect(terminal.receipts.jobs.list().map((j) => [j.transactionId, j.copy, j.state, j.duplicate])).toEqual([
      [id, 'merchant', 'printed', false],
      [id, 'customer', 'printed', false],
    ]);
    const text = await (await get(`/v1/transactions/${id}/receipt`)).text();
    expect(text).toMatch(/^ +CORNER SHOP\n/);
    expect(text).toContain('**** **** **** 1111');
    expect(text).toMatch(/\n +APPROVED\n/);
    expect(text).not.toContain('411111');
  });
});

describe('merchant settings from the config', () => {
  it('takes the receipt section and the terminal ids', () => {
    const config = parseConfig({
      devices: { reader: { type: 'virtual' } },
      host: { type: 'simulator' },
      terminal: { id: 'T0000042', merchantId: 'M00000000000042' },
      receipt: { merchantName: 'CAFÉ', addressLines: ['Rue 1'], footer: ['Merci'], timeZone: 'Europe/Paris' },
    });
    expect(merchantSettings(config)).toEqual({ merchantName: 'CAFÉ', addressLines: ['Rue 1'], footer: ['Merci'], terminalId: 'T0000042', merchantId: 'M00000000000042', timeZone: 'Europe/Paris' });
    expect(config.receipt.autoPrint).toBeUndefined();
    const bad = (receipt: Record<string, unknown>) => thrown(() => parseConfig({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' }, receipt }));
    expect(bad({ timeZone: 'Mars/Olympus' }).details).toMatchObject({ fields: ['receipt.timeZone'] });
    expect(bad({ addressLines: ['1', '2', '3', '4', '5'] }).details).toMatchObject({ fields: ['receipt.addressLines'] });
    expect(bad({ footer: ['a\u0007bell'] }).details).toMatchObject({ fields: ['receipt.footer.0'] });
  });
});
