/**
 * The printer as the terminal opens it (`src/app/devices.ts`) and as
 * `pos diag devices` checks it: the simulated default's virtual printer read
 * back from its twin, a network printer kept open across being switched off
 * and on, `none` as no printer, and the diag report's DLE EOT probe.
 */
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { listenEscposTwin, type TcpTwin } from '../../../hw-mocks/escpos-printer/index.js';
import { openDevices, type Devices } from '../../../src/app/devices.js';
import { loadSimulation } from '../../../src/app/load-simulation.js';
import { collectDeviceReport, formatDeviceReport, type DiagDeps } from '../../../src/cli/actions/diag-devices.js';
import { parseConfig } from '../../../src/config/load.js';
import { SIMULATED_DEFAULT } from '../../../src/config/schema.js';
import type { PrintJob } from '../../../src/devices/printer.js';
import { silentLogger } from '../../../src/log/logger.js';
import { printAndSettle } from './printer-harness.js';

const JOB: PrintJob = { lines: [{ text: 'MERCI', align: 'center', bold: true }, { text: 'Total 9,90 €' }], cut: true };

const open: { devices?: Devices; twin?: TcpTwin } = {};
afterEach(async () => {
  await open.devices?.close();
  await open.twin?.close();
  delete open.devices;
  delete open.twin;
});

async function devicesOf(raw: unknown): Promise<Devices> {
  const config = parseConfig(raw);
  const devices = await openDevices(config, {
    logger: silentLogger,
    displayOut: new PassThrough(),
    simulation: await loadSimulation(config, { logger: silentLogger }),
    reconnect: { initialDelayMs: 20, factor: 1, jitter: 0 },
  });
  open.devices = devices;
  return devices;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the printer the terminal opens', () => {
  it('the simulated default has a virtual printer whose receipts are read back from its twin', async () => {
    const devices = await devicesOf(SIMULATED_DEFAULT);
    expect(devices.printer?.columns).toBe(42);
    expect(devices.printer?.state()).toBe('connected');
    if (devices.printer === null) throw new Error('no printer');
    await printAndSettle(devices.printer, JOB);
    expect(devices.printerTwin?.receipts()).toEqual([['MERCI', 'Total 9,90 €']]);
    devices.printerTwin?.paperOut(true);
    await expect(devices.printer.print(JOB)).rejects.toMatchObject({ code: 'PRINTER_PAPER_OUT' });
    devices.printerTwin?.paperOut(false);
    await printAndSettle(devices.printer, JOB);
    expect(devices.printerTwin?.receipts()).toHaveLength(2);
  });

  it('no printer configured: none', async () => {
    const devices = await devicesOf({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } });
    expect(devices.printer).toBeNull();
    expect(devices.printerTwin).toBeUndefined();
  });

  it('a network printer switched off is reopened with backoff, and prints again', async () => {
    const twin = await listenEscposTwin({ columns: 48 });
    open.twin = twin;
    const devices = await devicesOf({ devices: { reader: { type: 'virtual' }, printer: { type: 'escpos', transport: 'tcp', host: twin.host, port: twin.port, columns: 48 } }, host: { type: 'simulator' } });
    const printer = devices.printer;
    if (printer === null) throw new Error('no printer');
    expect(printer.name).toBe(`escpos:tcp:${twin.host}:${twin.port}`);
    await printAndSettle(printer, JOB);
    twin.dropConnections();
    await until(() => printer.state() === 'disconnected');
    await until(() => printer.state() === 'connected');
    await printAndSettle(printer, JOB);
    expect(twin.printer.receipts()).toEqual([
      ['MERCI', 'Total 9,90 €'],
      ['MERCI', 'Total 9,90 €'],
    ]);
  });
});

describe('pos diag devices', () => {
  const deps: DiagDeps = {
    listSerial: () => Promise.resolve([]),
    loadHid: () => Promise.reject(new Error('no HID in this test')),
    listPcsc: () => Promise.resolve({ status: 'no-service' }),
    openSerial: openSerialTransport,
    now: () => performance.now(),
  };

  it('asks a configured printer DLE EOT 1 and reports its answer; a missing one as a failure', async () => {
    const twin = await listenEscposTwin();
    open.twin = twin;
    const printer = { type: 'escpos', transport: 'tcp', host: twin.host, port: twin.port };
    const report = await collectDeviceReport(parseConfig({ devices: { reader: { type: 'virtual' }, printer }, host: { type: 'simulator' } }), deps);
    expect(report.configured.find((c) => c.device === 'printer')).toMatchObject({ device: 'printer', type: 'escpos', ok: true, check: 'status', answer: 'DLE EOT 1: on-line' });
    expect(formatDeviceReport(report)).toMatch(/printer\s+escpos\s+ok \(status, [\d.]+ ms\) — DLE EOT 1: on-line/);

    twin.printer.paperOut(true);
    const offline = await collectDeviceReport(parseConfig({ devices: { reader: { type: 'virtual' }, printer }, host: { type: 'simulator' } }), deps);
    expect(offline.configured.find((c) => c.device === 'printer')?.answer).toBe('DLE EOT 1: off-line');

    await twin.close();
    delete open.twin;
    const gone = await collectDeviceReport(parseConfig({ devices: { reader: { type: 'virtual' }, printer }, host: { type: 'simulator' } }), deps);
    expect(gone.configured.find((c) => c.device === 'printer')).toMatchObject({ ok: false, error: { code: 'DEVICE_OPEN_FAILED' } });
  });

  it('a printer that is not configured is said as such', async () => {
    const report = await collectDeviceReport(parseConfig({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } }), deps);
    expect(report.configured.find((c) => c.device === 'printer')).toEqual({ device: 'printer', type: 'none', ok: true, check: 'none', answer: 'no printer configured' });
  });
});
