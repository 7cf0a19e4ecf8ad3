/**
 * `devices.printer` in the config and the ESC/POS kind that opens it: the
 * three transports with their defaults, what the schema refuses, the virtual
 * twin kept out of production, and the serial line the kind opens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ESCPOS_PRINTER_KIND, type EscposConfig } from '../../../drivers/escpos-printer/kind.js';
import { kindOf, PRINTER_KINDS, type WiredPrinterConfig } from '../../../src/app/device-kinds.js';
import { parseConfig } from '../../../src/config/load.js';
import { simulatedParts } from '../../../src/config/simulation-guard.js';
import { deviceContext } from '../device-context.js';
import { captureMockBinding, MockBinding } from '../mock-binding.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  MockBinding.reset();
});

const withPrinter = (printer?: unknown) => parseConfig({ devices: { reader: { type: 'msr-serial', path: '/dev/pos-reader' }, ...(printer === undefined ? {} : { printer }) }, host: { type: 'simulator' } });

function wired(printer: unknown): EscposConfig {
  const config = withPrinter(printer).devices.printer;
  if (config.type !== 'escpos') throw new Error('not an escpos printer');
  return config;
}

describe('devices.printer', () => {
  it('is none when not written', () => {
    expect(withPrinter().devices.printer).toEqual({ type: 'none' });
  });

  it.each([
    ['serial, 9600 baud by default', { type: 'escpos', transport: 'serial', path: '/dev/ttyUSB1' }, { type: 'escpos', transport: 'serial', path: '/dev/ttyUSB1', baudRate: 9600, columns: 42, codePage: 'pc858' }],
    ['usb-lp, a USB printer-class device', { type: 'escpos', transport: 'usb-lp', path: '/dev/usb/lp0', columns: 48 }, { type: 'escpos', transport: 'usb-lp', path: '/dev/usb/lp0', columns: 48, codePage: 'pc858' }],
    ['tcp, port 9100 by default', { type: 'escpos', transport: 'tcp', host: 'printer.local', codePage: 'wpc1252', columns: 32 }, { type: 'escpos', transport: 'tcp', host: 'printer.local', port: 9100, columns: 32, codePage: 'wpc1252' }],
    ['virtual, 42 columns by default', { type: 'virtual' }, { type: 'virtual', columns: 42 }],
  ])('%s', (_name, raw, parsed) => {
    expect(withPrinter(raw).devices.printer).toEqual(parsed);
  });

  it.each([
    ['a width that is not 32, 42 or 48', { type: 'escpos', transport: 'tcp', host: 'p', columns: 40 }],
    ['a code page it has no table for', { type: 'escpos', transport: 'tcp', host: 'p', codePage: 'pc866' }],
    ['an unknown transport', { type: 'escpos', transport: 'bluetooth', path: '/dev/rfcomm0' }],
    ['a field of another transport', { type: 'escpos', transport: 'usb-lp', path: '/dev/usb/lp0', port: 9100 }],
    ['no transport', { type: 'escpos', path: '/dev/usb/lp0' }],
  ])('refuses %s (CONFIG_INVALID)', (_name, raw) => {
    expect(() => withPrinter(raw)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('counts a virtual printer as simulation, which production refuses', () => {
    expect(simulatedParts(withPrinter({ type: 'virtual' }))).toEqual(['devices.printer', 'host']);
    expect(simulatedParts(withPrinter({ type: 'escpos', transport: 'tcp', host: 'p' }))).toEqual(['host']);
  });
});

describe('the ESC/POS printer kind', () => {
  it('is the kind of every escpos config, named by its path or address', () => {
    const tcp = wired({ type: 'escpos', transport: 'tcp', host: '10.0.0.5', port: 9101 });
    expect(kindOf(PRINTER_KINDS, tcp as WiredPrinterConfig)).toBe(ESCPOS_PRINTER_KIND);
    expect(ESCPOS_PRINTER_KIND.target(tcp)).toBe('tcp:10.0.0.5:9101');
    expect(ESCPOS_PRINTER_KIND.target(wired({ type: 'escpos', transport: 'usb-lp', path: '/dev/usb/lp0' }))).toBe('/dev/usb/lp0');
    expect(ESCPOS_PRINTER_KIND.role).toBe('printer');
  });

  it('opens a serial printer at 9600 8N1 (its configured speed) with the configured width', async () => {
    MockBinding.createPort('/dev/pos-printer');
    const mock = captureMockBinding();
    const attached = await ESCPOS_PRINTER_KIND.open(wired({ type: 'escpos', transport: 'serial', path: '/dev/pos-printer', columns: 48 }), deviceContext(undefined, mock.binding));
    closers.push(() => attached.device.close());
    expect(mock.port().openOptions).toMatchObject({ path: '/dev/pos-printer', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(attached.device.columns).toBe(48);
    expect(attached.device.name).toBe('escpos:/dev/pos-printer');
  });

  it('fails to open a usb-lp path that is not there with DEVICE_OPEN_FAILED', async () => {
    await expect(ESCPOS_PRINTER_KIND.open(wired({ type: 'escpos', transport: 'usb-lp', path: '/nonexistent/lp0' }), deviceContext())).rejects.toMatchObject({ code: 'DEVICE_OPEN_FAILED', details: { path: '/nonexistent/lp0' } });
  });
});
