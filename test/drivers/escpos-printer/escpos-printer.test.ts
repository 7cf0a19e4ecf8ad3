/**
 * The ESC/POS driver against the printer twin over an in-memory wire: a job
 * prints as the customer reads it; a printer that says it cannot print
 * (paper out, cover open, off-line) gets its status asked and not one byte
 * of the job; a printer that does not answer is a `timeout` fault.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createEscposPrinter, type EscposPrinter } from '../../../drivers/escpos-printer/index.js';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { attachEscposTwin, VirtualEscposPrinter } from '../../../hw-mocks/escpos-printer/index.js';
import type { ByteTransport } from '../../../src/devices/byte-transport.js';
import type { PrintJob } from '../../../src/devices/printer.js';
import { silentLogger } from '../../../src/log/logger.js';
import { PosError } from '../../../src/util/errors.js';
import { STATUS_QUESTIONS } from './printer-harness.js';

const JOB: PrintJob = {
  lines: [
    { text: 'CAFÉ DU COIN', align: 'center', bold: true, doubleSize: true },
    { text: 'Crème brûlée        4,50 €' },
    { text: 'TOTAL               4,50 €', align: 'right', bold: true },
  ],
  cut: true,
};

interface Rig {
  readonly driver: EscposPrinter;
  readonly twin: VirtualEscposPrinter;
  /** Every byte the printer's end received. */
  readonly received: number[];
  readonly host: ByteTransport & { unplug(): void };
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.driver.close();
});

function rig(options: { codePage?: 'pc437' | 'pc850' | 'pc858' | 'wpc1252'; statusTimeoutMs?: number; columns?: number } = {}): Rig {
  const [host, device] = createMemoryTransportPair();
  const received: number[] = [];
  device.onData((chunk) => received.push(...chunk));
  const twin = new VirtualEscposPrinter({ columns: options.columns ?? 42 });
  attachEscposTwin(device, twin);
  const driver = createEscposPrinter(host, { columns: options.columns ?? 42, codePage: options.codePage ?? 'pc858', logger: silentLogger, statusTimeoutMs: options.statusTimeoutMs ?? 200 });
  const made = { driver, twin, received, host };
  rigs.push(made);
  return made;
}

const rejection = (promise: Promise<unknown>): Promise<PosError> => promise.then(() => expect.fail('resolved'), (err: unknown) => err as PosError);

describe('ESC/POS printer driver', () => {
  it('prints a job exactly as the customer reads it, after asking DLE EOT 1–4', async () => {
    const { driver, twin, received } = rig();
    await driver.print(JOB);
    expect(twin.receipts()).toEqual([['CAFÉ DU COIN', 'Crème brûlée        4,50 €', 'TOTAL               4,50 €']]);
    expect(twin.printedReceipts()[0]?.map((l) => [l.align, l.bold, l.doubleWidth])).toEqual([
      ['center', true, true],
      ['left', false, false],
      ['right', true, false],
    ]);
    expect(received.slice(0, STATUS_QUESTIONS.length)).toEqual(STATUS_QUESTIONS);
    expect(driver.columns).toBe(42);
  });

  it('reports a ready printer, and one whose paper is near its end', async () => {
    const { driver, twin } = rig();
    await expect(driver.status()).resolves.toEqual({ online: true, paperOut: false, paperNearEnd: false, coverOpen: false });
    twin.paperNearEnd(true);
    await expect(driver.status()).resolves.toEqual({ online: true, paperOut: false, paperNearEnd: true, coverOpen: false });
    await expect(driver.realTimeStatus(1)).resolves.toEqual({ offline: false, drawerPin3High: false });
  });

  it.each([
    ['paper out', (t: VirtualEscposPrinter) => t.paperOut(true), 'PRINTER_PAPER_OUT', { online: false, paperOut: true, paperNearEnd: true, coverOpen: false }],
    ['cover open', (t: VirtualEscposPrinter) => t.coverOpen(true), 'PRINTER_COVER_OPEN', { online: false, paperOut: false, paperNearEnd: false, coverOpen: true }],
    ['off-line', (t: VirtualEscposPrinter) => t.goOffline(true), 'PRINTER_OFFLINE', { online: false, paperOut: false, paperNearEnd: false, coverOpen: false }],
  ])('%s: refuses the job with %s and sends no byte of it', async (_name, set, code, status) => {
    const { driver, twin, received } = rig();
    set(twin);
    const err = await rejection(driver.print(JOB));
    expect(err.code).toBe(code);
    expect(err.kind).toBe('state');
    expect(received).toEqual(STATUS_QUESTIONS);
    await expect(driver.status()).resolves.toEqual(status);
    expect(twin.bytesDropped()).toBe(received.length);
  });

  it('prints the job once the paper is back, once', async () => {
    const { driver, twin } = rig();
    twin.paperOut(true);
    await expect(driver.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_PAPER_OUT' });
    twin.paperOut(false);
    await driver.print(JOB);
    expect(twin.receipts()).toHaveLength(1);
  });

  it('a printer that does not answer DLE EOT is a timeout fault (DEVICE_NO_ANSWER), and gets no byte of the job', async () => {
    const { driver, twin, received } = rig({ statusTimeoutMs: 40 });
    twin.answerStatus(false);
    const err = await rejection(driver.print(JOB));
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.kind).toBe('timeout');
    expect(err.details).toMatchObject({ command: 'DLE EOT 1', timeoutMs: 40 });
    expect(received).toEqual([0x10, 0x04, 1]);
  });

  it('an answer without the status bits\' fixed pattern is PRINTER_STATUS_INVALID, and the job is not sent', async () => {
    const [host, device] = createMemoryTransportPair();
    const received: number[] = [];
    device.onData((chunk) => {
      received.push(...chunk);
      void device.write(Uint8Array.of(0x00));
    });
    const driver = createEscposPrinter(host, { columns: 32, codePage: 'pc437', logger: silentLogger });
    const err = await rejection(driver.print(JOB));
    expect(err).toMatchObject({ code: 'PRINTER_STATUS_INVALID', details: { request: 1, byte: 0 } });
    expect(received).toEqual([0x10, 0x04, 1]);
    await driver.close();
  });

  it.each([
    ['pc858', 'Prix 3,20 € — déjà payé', 'Prix 3,20 € ? déjà payé'],
    ['wpc1252', 'Prix 3,20 € — déjà payé', 'Prix 3,20 € — déjà payé'],
    ['pc850', 'Prix 3,20 € déjà', 'Prix 3,20 ? déjà'],
    ['pc437', 'Prix 3,20 € déjà', 'Prix 3,20 ? déjà'],
  ] as const)('code page %s: the euro sign and accented letters come back as printed', async (codePage, text, printed) => {
    const { driver, twin } = rig({ codePage });
    await driver.print({ lines: [{ text }], cut: true });
    expect(twin.receipts()).toEqual([[printed]]);
  });

  it('a printer gone away: calls reject with DEVICE_DISCONNECTED and the state says so', async () => {
    const { driver, host } = rig();
    host.unplug();
    expect(driver.state()).toBe('disconnected');
    await expect(driver.print(JOB)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('after close: DEVICE_CLOSED, and close is idempotent', async () => {
    const { driver } = rig();
    await driver.close();
    await driver.close();
    expect(driver.state()).toBe('closed');
    await expect(driver.status()).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
  });

  it('two jobs at once print one after the other, never interleaved', async () => {
    const { driver, twin } = rig();
    await Promise.all([driver.print({ lines: [{ text: 'first' }], cut: true }), driver.print({ lines: [{ text: 'second' }], cut: true })]);
    expect(twin.receipts()).toEqual([['first'], ['second']]);
  });

  it('any answers at all: the job prints, or a PosError says why and no byte of it was sent (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3 }), { minLength: 4, maxLength: 4 }), async (answers) => {
        const [host, device] = createMemoryTransportPair();
        const received: number[] = [];
        let asked = 0;
        device.onData((chunk) => {
          received.push(...chunk);
          const answer = answers[asked++];
          if (answer !== undefined && answer.length > 0) void device.write(answer);
        });
        const driver = createEscposPrinter(host, { columns: 42, codePage: 'pc858', logger: silentLogger, statusTimeoutMs: 5 });
        try {
          await driver.print({ lines: [{ text: 'x' }], cut: true });
          expect(received.length).toBeGreaterThan(STATUS_QUESTIONS.length);
        } catch (err) {
          expect(err).toBeInstanceOf(PosError);
          expect(['PRINTER_STATUS_INVALID', 'PRINTER_PAPER_OUT', 'PRINTER_COVER_OPEN', 'PRINTER_OFFLINE', 'DEVICE_NO_ANSWER']).toContain((err as PosError).code);
          expect(STATUS_QUESTIONS.slice(0, received.length)).toEqual(received);
        } finally {
          await driver.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
