/**
 * A real power cut while a receipt prints: a process of the built project
 * (`dist/`) prints from the journal's spool to a printer that takes the job
 * and never finishes it, and is killed with SIGKILL mid-job. The next start
 * finds the job `printing` — the printer cannot say whether the customer has
 * it — and prints it again, once, marked DUPLICATE.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import { ReceiptDesk } from '../../src/receipt/receipt-desk.js';
import { openJournal, tempDir } from '../txn/journal-helpers.js';
import { approveInJournal, FakePrinter, MERCHANT } from './receipt-fixtures.js';

const DIST = resolve('dist/src');

/** The child: the spool's worker on the journal, a printer that hangs mid-job and says so on stdout. */
const CHILD = `
import { Journal } from '${DIST}/txn/journal/index.js';
import { ReceiptDesk } from '${DIST}/receipt/receipt-desk.js';
import { silentLogger } from '${DIST}/log/logger.js';
const [dir, merchant] = process.argv.slice(2);
const journal = Journal.open({ dir, terminalId: 'T0000001' });
const printer = {
  name: 'hanging printer', columns: 32,
  status: async () => ({ online: true, paperOut: false, paperNearEnd: false, coverOpen: false }),
  print: () => { process.stdout.write('printing\\n'); return new Promise(() => {}); },
  state: () => 'connected', close: async () => {},
};
const desk = new ReceiptDesk({ journal, merchant: JSON.parse(merchant), printer, autoPrint: 'customer', logger: silentLogger });
desk.start();
desk.print('txn-a', ['customer']);
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the child until its printer has the job, then kills it with SIGKILL. */
function printAndPowerCut(dir: string): Promise<NodeJS.Signals | null> {
  const script = join(dir, 'child.mjs');
  writeFileSync(script, CHILD);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, dir, JSON.stringify(MERCHANT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error('the child never reached the printer'));
    }, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('printing')) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      done(signal);
    });
  });
}

describe('print spool across a power cut', () => {
  it('prints a job killed mid-print again at the next start, once, marked DUPLICATE', async () => {
    const dir = tempDir('pos-receipt-crash-');
    const before = openJournal(dir);
    approveInJournal(before, 'txn-a');
    before.close();

    expect(await printAndPowerCut(dir)).toBe('SIGKILL');

    const journal = openJournal(dir);
    cleanups.push(() => journal.close());
    const printer = new FakePrinter();
    const desk = new ReceiptDesk({ journal, merchant: MERCHANT, printer, autoPrint: 'customer', logger: silentLogger, backoff: { initialMs: 10, maxMs: 40 } });
    cleanups.push(() => desk.stop());
    expect(desk.jobs.list()).toMatchObject([{ transactionId: 'txn-a', copy: 'customer', state: 'printing', attempts: 1, duplicate: false }]);

    desk.start();
    await desk.idle();
    expect(printer.printed).toEqual([renderReceipt(journal.get('txn-a'), MERCHANT, { copy: 'customer', duplicate: true, width: 32 })]);
    expect(printer.printed[0]?.filter((line) => line.text === '*** DUPLICATE ***')).toHaveLength(2);
    expect(desk.jobs.list()).toMatchObject([{ state: 'printed', attempts: 2, duplicate: true }]);

    // A second start finds nothing to print.
    await desk.stop();
    const again = new ReceiptDesk({ journal, merchant: MERCHANT, printer, autoPrint: 'customer', logger: silentLogger });
    again.start();
    await again.idle();
    await again.stop();
    expect(printer.printed).toHaveLength(1);
  });
});
