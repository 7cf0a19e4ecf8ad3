/**
 * The ESC/POS driver, opened by its kind as `pos run` opens it, against the
 * printer twin over real wires: a TCP socket to the twin listening like a
 * network printer on its raw port, and a socat pty for the serial and USB
 * printer-class (usb-lp) transports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ESCPOS_PRINTER_KIND, type EscposConfig } from '../../../drivers/escpos-printer/kind.js';
import type { EscposPrinter } from '../../../drivers/escpos-printer/index.js';
import { attachEscposTwin, escposTwinOnPty, listenEscposTwin, VirtualEscposPrinter, type AttachedTwin, type TcpTwin } from '../../../hw-mocks/escpos-printer/index.js';
import type { PrintJob, Printer } from '../../../src/devices/printer.js';
import { deviceContext } from '../device-context.js';
import { hasSocat, ptyRig } from '../pty-harness.js';
import { printAndSettle, STATUS_QUESTIONS } from './printer-harness.js';

const JOB: PrintJob = {
  lines: [
    { text: 'BOULANGERIE', align: 'center', bold: true, doubleSize: true },
    { text: 'Pain au chocolat    1,20 €' },
    { text: 'Total               1,20 €', align: 'right', bold: true },
  ],
  cut: true,
};
const PRINTED = ['BOULANGERIE', 'Pain au chocolat    1,20 €', 'Total               1,20 €'];
const STATUS_QUESTION_BYTES = STATUS_QUESTIONS.length;

const tcpConfig = (port: number): EscposConfig => ({ type: 'escpos', transport: 'tcp', host: '127.0.0.1', port, columns: 42, codePage: 'pc858' });

describe('over TCP (a network printer)', () => {
  const open: { twin?: TcpTwin; printer?: Printer } = {};
  afterEach(async () => {
    await open.printer?.close();
    await open.twin?.close();
    delete open.printer;
    delete open.twin;
  });

  async function connected(): Promise<{ twin: TcpTwin; printer: Printer }> {
    const twin = await listenEscposTwin({ columns: 42 });
    open.twin = twin;
    const { device } = await ESCPOS_PRINTER_KIND.open(tcpConfig(twin.port), deviceContext());
    open.printer = device;
    return { twin, printer: device };
  }

  it('prints a receipt the twin reads back line for line', async () => {
    const { twin, printer } = await connected();
    await printAndSettle(printer, JOB);
    expect(twin.printer.receipts()).toEqual([PRINTED]);
  });

  it('out of paper: PRINTER_PAPER_OUT, and only the four status questions reached the printer; printed once the paper is back', async () => {
    const { twin, printer } = await connected();
    twin.printer.paperOut(true);
    await expect(printer.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_PAPER_OUT' });
    expect(twin.printer.bytesDropped()).toBe(STATUS_QUESTION_BYTES);
    twin.printer.paperOut(false);
    await printAndSettle(printer, JOB);
    expect(twin.printer.receipts()).toEqual([PRINTED]);
  });

  it('cover open and off-line refuse the job the same way', async () => {
    const { twin, printer } = await connected();
    twin.printer.coverOpen(true);
    await expect(printer.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_COVER_OPEN' });
    twin.printer.coverOpen(false);
    twin.printer.goOffline(true);
    await expect(printer.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_OFFLINE' });
    expect(twin.printer.bytesDropped()).toBe(2 * STATUS_QUESTION_BYTES);
    expect(twin.printer.receipts()).toEqual([]);
  });

  it('a printer switched off: the driver says disconnected and refuses with DEVICE_DISCONNECTED', async () => {
    const { twin, printer } = await connected();
    const gone = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (printer.state() === 'disconnected') {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    twin.dropConnections();
    await gone;
    await expect(printer.print(JOB)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('the kind\'s probe is one DLE EOT 1 round trip, timed', async () => {
    const twin = await listenEscposTwin();
    open.twin = twin;
    const probe = await ESCPOS_PRINTER_KIND.probe(tcpConfig(twin.port), deviceContext());
    expect(probe).toMatchObject({ check: 'status', answer: 'DLE EOT 1: on-line' });
    expect(probe.rttMs).toBeGreaterThanOrEqual(0);
    twin.printer.goOffline(true);
    await expect(ESCPOS_PRINTER_KIND.probe(tcpConfig(twin.port), deviceContext())).resolves.toMatchObject({ answer: 'DLE EOT 1: off-line' });
  });

  it('a port nobody listens on fails to open with DEVICE_OPEN_FAILED', async () => {
    const twin = await listenEscposTwin();
    const port = twin.port;
    await twin.close();
    await expect(ESCPOS_PRINTER_KIND.open(tcpConfig(port), deviceContext())).rejects.toMatchObject({ code: 'DEVICE_OPEN_FAILED', details: { path: `tcp:127.0.0.1:${port}` } });
  });
});

// CI installs socat (`hasSocat` is then true, and a missing socat fails these rather than skipping them).
describe.skipIf(!hasSocat).each([
  ['serial', (path: string): EscposConfig => ({ type: 'escpos', transport: 'serial', path, baudRate: 9600, columns: 42, codePage: 'pc858' })],
  ['usb-lp', (path: string): EscposConfig => ({ type: 'escpos', transport: 'usb-lp', path, columns: 42, codePage: 'pc858' })],
])('over a socat pty (%s)', (_transport, config) => {
  const rig = ptyRig<AttachedTwin, EscposPrinter>({
    twin: (deviceEnd) => attachEscposTwin(deviceEnd, new VirtualEscposPrinter({ columns: 42 })),
    driver: async (hostPath) => (await ESCPOS_PRINTER_KIND.open(config(hostPath), deviceContext())).device as EscposPrinter,
  });

  it('prints a receipt the twin reads back line for line, the euro sign included', async () => {
    await rig.driver.print(JOB);
    await expect(rig.driver.status()).resolves.toEqual({ online: true, paperOut: false, paperNearEnd: false, coverOpen: false });
    expect(rig.twin.printer.receipts()).toEqual([PRINTED]);
  });

  it('out of paper: refused before any byte of the job', async () => {
    rig.twin.printer.paperOut(true);
    await expect(rig.driver.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_PAPER_OUT' });
    expect(rig.twin.printer.bytesDropped()).toBe(STATUS_QUESTION_BYTES);
  });
});

describe('a usb-lp printer unplugged', () => {
  it.skipIf(!hasSocat)('the next call rejects with DEVICE_DISCONNECTED and the printer says disconnected', async () => {
    const twin = await escposTwinOnPty();
    const { device } = await ESCPOS_PRINTER_KIND.open({ type: 'escpos', transport: 'usb-lp', path: twin.hostPath, columns: 42, codePage: 'pc858' }, deviceContext());
    try {
      await printAndSettle(device, JOB);
      expect(twin.printer.receipts()).toEqual([PRINTED]);
      await twin.close();
      await expect(device.print(JOB)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
      expect(device.state()).toBe('disconnected');
    } finally {
      await device.close();
      await twin.close();
    }
  });
});

