/**
 * The print spool on a real journal (SQLite in a temp folder) printing through
 * the real ESC/POS driver to the printer twin over an in-memory wire, so each
 * test reads what the customer holds: jobs in order; paper out → the receipt
 * waits in the queue and prints once when the paper is back; a power cut
 * while printing → printed again marked DUPLICATE; a fault mid-job → the
 * same; the automatic copies at a transaction's end and at its void, once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEscposPrinter, type EscposPrinter } from '../../drivers/escpos-printer/index.js';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { attachEscposTwin, VirtualEscposPrinter } from '../../hw-mocks/escpos-printer/index.js';
import type { Printer } from '../../src/devices/printer.js';
import { silentLogger } from '../../src/log/logger.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import { ReceiptDesk } from '../../src/receipt/receipt-desk.js';
import type { Journal } from '../../src/txn/journal/index.js';
import type { TransactionResult } from '../../src/txn/result.js';
import { thrown } from '../pos-error.js';
import { journalHistory } from '../../src/txn/journal/history.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { approveAll, FakeHost, FakeReader, testCard, testEngine } from '../txn/fakes.js';
import { card, openJournal, tempDir } from '../txn/journal-helpers.js';
import { approveInJournal, FakePrinter, MERCHANT, until } from './receipt-fixtures.js';

const BACKOFF = { initialMs: 10, maxMs: 40 };

interface Rig {
  readonly dir: string;
  readonly journal: Journal;
  readonly desk: ReceiptDesk;
  readonly twin: VirtualEscposPrinter;
  readonly driver: EscposPrinter;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function twinPrinter(twin = new VirtualEscposPrinter({ columns: 32 })): { twin: VirtualEscposPrinter; driver: EscposPrinter } {
  const [host, device] = createMemoryTransportPair();
  attachEscposTwin(device, twin);
  const driver = createEscposPrinter(host, { columns: 32, codePage: 'pc858', logger: silentLogger, statusTimeoutMs: 500 });
  cleanups.push(() => driver.close());
  return { twin, driver };
}

function deskOn(journal: Journal, printer: Printer | null, autoPrint: 'none' | 'customer' | 'both' = 'customer'): ReceiptDesk {
  const desk = new ReceiptDesk({ journal, merchant: MERCHANT, printer, autoPrint, logger: silentLogger, backoff: BACKOFF });
  cleanups.push(() => desk.stop());
  return desk;
}

function rig(dir = tempDir('pos-receipt-')): Rig {
  const journal = openJournal(dir);
  cleanups.push(() => journal.close());
  const { twin, driver } = twinPrinter();
  return { dir, journal, desk: deskOn(journal, driver), twin, driver };
}

/** A journal with one approved purchase, `txn-a`, and a desk on a fake printer set up by `setUp` before the desk exists. */
function fakeRig(setUp: (printer: FakePrinter) => void = () => undefined): { journal: Journal; printer: FakePrinter; desk: ReceiptDesk } {
  const journal = openJournal(tempDir('pos-receipt-'));
  cleanups.push(() => journal.close());
  approveInJournal(journal, 'txn-a');
  const printer = new FakePrinter();
  setUp(printer);
  return { journal, printer, desk: deskOn(journal, printer) };
}

/** What the twin should hold for this job: the lines the layout gives, by their text. */
function expectedReceipt(journal: Journal, id: string, copy: 'merchant' | 'customer', duplicate = false): string[] {
  return renderReceipt(journal.get(id), MERCHANT, { copy, duplicate, width: 32 }).map((l) => l.text);
}

const endedEvent = (id: string) => ({ step: 'ended', result: { id } as TransactionResult, owes: null }) as const;

describe('print spool', () => {
  it('prints queued receipts in the order they were queued, each as the layout says', async () => {
    const { journal, desk, twin } = rig();
    approveInJournal(journal, 'txn-a');
    approveInJournal(journal, 'txn-b');
    desk.print('txn-b', ['customer']);
    desk.print('txn-a', ['merchant', 'customer']);
    desk.start();
    await desk.idle();
    expect(twin.receipts()).toEqual([expectedReceipt(journal, 'txn-b', 'customer'), expectedReceipt(journal, 'txn-a', 'merchant'), expectedReceipt(journal, 'txn-a', 'customer')]);
    expect(twin.receipts()[0]).toContain('**** **** **** 0119');
    expect(desk.jobs.list().map((j) => [j.transactionId, j.copy, j.state, j.attempts, j.duplicate])).toEqual([
      ['txn-b', 'customer', 'printed', 1, false],
      ['txn-a', 'merchant', 'printed', 1, false],
      ['txn-a', 'customer', 'printed', 1, false],
    ]);
  });

  it('keeps a receipt queued while the paper is out and prints it once when the paper is back', async () => {
    const { journal, desk, twin } = rig();
    approveInJournal(journal, 'txn-a');
    twin.paperOut(true);
    desk.start();
    const [job] = desk.print('txn-a', ['customer']);
    const id = job?.id ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the status polled with backoff, the job not tried
    expect(desk.jobs.get(id)).toMatchObject({ state: 'queued', attempts: 0, duplicate: false });
    expect(twin.receipts()).toEqual([]);
    expect(twin.uncut()).toEqual([]);

    twin.paperOut(false);
    await desk.idle();
    expect(twin.receipts()).toEqual([expectedReceipt(journal, 'txn-a', 'customer')]);
    expect(desk.jobs.get(id)).toMatchObject({ state: 'printed', attempts: 1, duplicate: false, errorCode: null });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(twin.receipts()).toHaveLength(1);
  });

  it('puts a job the printer refused (paper out at the job) back as it was, polls, and prints it once', async () => {
    const { journal, printer, desk } = fakeRig((p) => {
      p.paperOut = true;
      p.statusBlind = true;
    });
    const [job] = desk.print('txn-a', ['customer']);
    const id = job?.id ?? 0;
    desk.start();
    await until(() => desk.jobs.get(id).attempts >= 1 && desk.jobs.get(id).state === 'queued');
    expect(desk.jobs.get(id)).toMatchObject({ state: 'queued', duplicate: false, errorCode: 'PRINTER_PAPER_OUT' });
    const polls = printer.statusCalls;
    printer.statusBlind = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(printer.statusCalls).toBeGreaterThan(polls);
    expect(desk.jobs.get(id).attempts).toBe(1);
    printer.paperOut = false;
    await desk.idle();
    expect(printer.printed.map((lines) => lines.map((l) => l.text))).toEqual([expectedReceipt(journal, 'txn-a', 'customer')]);
    expect(desk.jobs.get(id)).toMatchObject({ state: 'printed', attempts: 2, duplicate: false, errorCode: null });
  });

  it('reprints a job a power cut left printing, marked DUPLICATE, once', async () => {
    const dir = tempDir('pos-receipt-');
    const first = openJournal(dir);
    approveInJournal(first, 'txn-a');
    const before = deskOn(first, new FakePrinter());
    const [job] = before.print('txn-a', ['customer']);
    before.jobs.claim(job?.id ?? 0); // committed before the first byte; then the power went
    first.close();

    const { journal, desk, twin } = rig(dir);
    desk.start();
    await desk.idle();
    expect(twin.receipts()).toEqual([expectedReceipt(journal, 'txn-a', 'customer', true)]);
    expect(twin.receipts()[0]?.filter((line) => line === '*** DUPLICATE ***')).toHaveLength(2);
    expect(desk.jobs.list()).toMatchObject([{ id: job?.id, state: 'printed', duplicate: true, attempts: 2 }]);
  });

  it('prints again marked DUPLICATE after a fault mid-job (part of it may be on paper)', async () => {
    const { journal, printer, desk } = fakeRig((p) => (p.faultMidJob = true));
    desk.print('txn-a', ['customer']);
    desk.start();
    await desk.idle();
    expect(printer.printed).toHaveLength(2);
    expect(printer.printed[1]?.map((l) => l.text)).toEqual(expectedReceipt(journal, 'txn-a', 'customer', true));
    expect(desk.jobs.list()).toMatchObject([{ state: 'printed', duplicate: true, attempts: 2 }]);
  });

  it('claims nothing while the printer is gone, and prints when it is back', async () => {
    const { printer, desk } = fakeRig((p) => (p.connected = false));
    desk.print('txn-a', ['customer']);
    desk.start();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(desk.jobs.list()).toMatchObject([{ state: 'queued', attempts: 0 }]);
    printer.connected = true;
    await desk.idle();
    expect(desk.jobs.list()).toMatchObject([{ state: 'printed', attempts: 1, duplicate: false }]);
    expect(printer.printed).toHaveLength(1);
  });

  it('leaves a job whose receipt cannot be rendered to the operator and prints the next', async () => {
    const { journal, desk, twin } = rig();
    journal.steps.begin({ id: 'txn-running', amountMinor: 500, currency: '978', card: card() });
    approveInJournal(journal, 'txn-a');
    desk.jobs.queue('txn-running', ['customer']); // the spool takes it; the receipt refuses a running row
    desk.print('txn-a', ['customer']);
    desk.start();
    await desk.idle();
    expect(desk.jobs.list().map((j) => [j.transactionId, j.state, j.errorCode])).toEqual([
      ['txn-running', 'failed', 'RECEIPT_TXN_RUNNING'],
      ['txn-a', 'printed', null],
    ]);
    expect(twin.receipts()).toHaveLength(1);
  });
});

describe('receipt desk', () => {
  it('auto-prints the customer copy once at the end, and the VOID receipt once at the void', async () => {
    const { journal, desk, twin } = rig();
    desk.start();
    approveInJournal(journal, 'txn-a');
    desk.onEnded(endedEvent('txn-a').result);
    desk.onEnded(endedEvent('txn-a').result);
    await desk.idle();
    expect(twin.receipts()).toEqual([expectedReceipt(journal, 'txn-a', 'customer')]);

    const reversal = journal.reversals.void('txn-a', 'TXN_VOIDED');
    desk.onLedgerEvent({ step: 'reversal-owed', reversal });
    desk.onLedgerEvent({ step: 'reversal-owed', reversal });
    await desk.idle();
    expect(twin.receipts()).toHaveLength(2);
    expect(twin.receipts()[1]).toEqual(expectedReceipt(journal, 'txn-a', 'customer'));
    expect(twin.receipts()[1]).toEqual(expect.arrayContaining(['VOID SALE', 'VOIDED']));
  });

  it("queues the automatic copy inside the transaction's own end commit, through the ledger", async () => {
    const { journal, desk, twin } = rig();
    const ledger = new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, silentLogger), logger: silentLogger });
    let inCommit: boolean | undefined;
    ledger.inEndCommit((result) => {
      inCommit = journal.connection.db.inTransaction;
      desk.onEnded(result);
    });
    desk.start();
    const fake = new FakeReader();
    const cardEngine = testEngine({ reader: fake, ledger, host: new FakeHost(approveAll), history: journalHistory(journal) });
    const started = cardEngine.start({ type: 'purchase', amount: 1234, currency: '978' });
    await fake.armed();
    fake.present(testCard());
    await cardEngine.wait(started.id);
    expect(inCommit).toBe(true);
    // A swipe is signed for: the merchant's copy to sign first, then the customer's.
    expect(desk.jobs.list().map((j) => [j.transactionId, j.copy])).toEqual([
      [started.id, 'merchant'],
      [started.id, 'customer'],
    ]);
    await desk.idle();
    expect(twin.receipts()).toHaveLength(2);
  });

  it('marks a second print of a copy, and the reprint of the last receipt, DUPLICATE', async () => {
    const { journal, desk, twin } = rig();
    approveInJournal(journal, 'txn-a');
    approveInJournal(journal, 'txn-b');
    expect(desk.print('txn-b', ['customer']).map((j) => j.duplicate)).toEqual([false]);
    expect(desk.print('txn-b', ['customer', 'merchant']).map((j) => j.duplicate)).toEqual([true, false]);
    const reprint = desk.reprintLast('customer');
    expect(reprint.transactionId).toBe('txn-b');
    expect(reprint.jobs.map((j) => j.duplicate)).toEqual([true]);
    desk.start();
    await desk.idle();
    expect(twin.receipts().map((r) => r.includes('*** DUPLICATE ***'))).toEqual([false, true, false, true]);
  });

  it('refuses what it cannot do: an unknown id, a running transaction, no printer, nothing to reprint', async () => {
    const { journal, desk } = rig();
    expect(thrown(() => desk.receipt('nope', 'customer')).code).toBe('TXN_NOT_FOUND');
    expect(thrown(() => desk.reprintLast('customer')).code).toBe('RECEIPT_NONE_TO_REPRINT');
    journal.steps.begin({ id: 'txn-running', amountMinor: 500, currency: '978', card: card() });
    expect(thrown(() => desk.receipt('txn-running', 'customer')).code).toBe('RECEIPT_TXN_RUNNING');
    expect(thrown(() => desk.print('txn-running', ['customer'])).code).toBe('RECEIPT_TXN_RUNNING');
    const paperless = deskOn(journal, null);
    approveInJournal(journal, 'txn-a');
    expect(paperless.receipt('txn-a', 'customer')).toEqual(renderReceipt(journal.get('txn-a'), MERCHANT, { copy: 'customer', width: 32 }));
    expect(thrown(() => paperless.print('txn-a', ['customer'])).code).toBe('RECEIPT_NO_PRINTER');
    paperless.onEnded(endedEvent('txn-a').result);
    expect(paperless.jobs.list()).toEqual([]);
    await expect(paperless.idle()).resolves.toBeUndefined();
    expect(thrown(() => desk.receipt('txn-a', 'customer', { width: 40 })).code).toBe('RECEIPT_WIDTH_INVALID');
  });

  it('renders a reprint after a restart to the same lines as before it', () => {
    const dir = tempDir('pos-receipt-');
    const first = openJournal(dir);
    approveInJournal(first, 'txn-a');
    const before = JSON.stringify(deskOn(first, null).receipt('txn-a', 'merchant', { width: 48 }));
    first.close();
    const again = openJournal(dir);
    cleanups.push(() => again.close());
    expect(JSON.stringify(deskOn(again, null).receipt('txn-a', 'merchant', { width: 48 }))).toBe(before);
  });

  it('forgets a transaction\'s print jobs with the transaction when retention prunes it', async () => {
    const { journal, desk } = rig();
    approveInJournal(journal, 'txn-a');
    desk.print('txn-a', ['customer']);
    desk.start();
    await desk.idle();
    const db = journal.connection.db;
    db.prepare(`UPDATE counter SET value = value + 1 WHERE name = 'batch_no'`).run();
    expect(journal.retention.prune(new Date('2100-01-01T00:00:00Z'))).toBe(1);
    expect(desk.jobs.list()).toEqual([]);
  });
});
