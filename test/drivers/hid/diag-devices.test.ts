import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { NodeHidHandle, NodeHidModule } from '../../../drivers/transport/hid-library.js';
import { libraryUnavailable } from '../../../drivers/transport/hid-library.js';
import { libraryUnavailable as pcscLibraryUnavailable } from '../../../drivers/pcsc/smartcard-binding.js';
import type { PcscReaderListing } from '../../../drivers/pcsc/reader-list.js';
import { collectDeviceReport, formatDeviceReport, identify, type DiagDeps } from '../../../src/cli/actions/diag-devices.js';
import { parseConfig } from '../../../src/config/load.js';
import { SIMULATED_DEFAULT } from '../../../src/config/schema.js';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { VirtualVfd } from '../../../hw-mocks/display/virtual-vfd.js';
import { flushMicrotasks } from '../reader-harness.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { configureReader, readerConfigurationOf } from '../../../drivers/vivopay/configuration/index.js';
import { configurationCommandsOf, createConfigurationStore } from '../../../hw-mocks/vivopay/configuration-store.js';
import { chipKernelOf } from '../../../src/app/chip-kernel.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createVirtualPinPad, x924PinpadKeys } from '../../../hw-mocks/pinpad/index.js';

class MagtekHandle extends EventEmitter implements NodeHidHandle {
  requests: Buffer[] = [];
  write(values: Buffer): Promise<number> {
    return Promise.resolve(values.length);
  }
  sendFeatureReport(data: Buffer): Promise<number> {
    this.requests.push(Buffer.from(data));
    return Promise.resolve(data.length);
  }
  getFeatureReport(reportId: number, length: number): Promise<Buffer> {
    const r = Buffer.alloc(length);
    r[0] = reportId;
    Buffer.from([0x00, 0x08, ...Buffer.from('21042840', 'latin1')]).copy(r, 1); // success, 8 bytes of software ID
    return Promise.resolve(r);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const SERIAL = [
  { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI' },
  { path: '/dev/ttyS0' },
];

function deps(overrides: Partial<DiagDeps> = {}): DiagDeps {
  let t = 0;
  return {
    listSerial: () => Promise.resolve(SERIAL),
    loadHid: () => Promise.reject(libraryUnavailable(new Error('libudev.so.1: cannot open shared object file'))),
    listPcsc: () => Promise.resolve({ status: 'no-service' }),
    openSerial: () => Promise.reject(new Error('not in this test')),
    now: () => (t += 2.5),
    ...overrides,
  };
}

describe('pos diag devices', () => {
  it('identifies by IDs only, most specific row first', () => {
    expect(identify(0x0801, 0x0002)).toEqual({ kind: 'card-reader', name: 'MagTek USB HID swipe reader', match: 'vendor+product' });
    expect(identify(0x0801, 0x7777)).toEqual({ kind: 'card-reader', name: 'MagTek device', match: 'vendor' });
    expect(identify(0x1234, 0x0001)).toBeUndefined();
    expect(identify(undefined, undefined)).toBeUndefined();
  });

  it('when node-hid cannot load, says so with the package and still lists serial ports', async () => {
    const report = await collectDeviceReport(parseConfig(SIMULATED_DEFAULT), deps());
    expect(report.hid).toEqual({ error: { code: 'HID_LIBRARY_UNAVAILABLE', message: expect.stringContaining('apt-get install libudev1') } });
    expect(report.serial).toEqual([
      { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI', known: { kind: 'usb-serial-adapter', name: 'FTDI FT232R USB-serial', match: 'vendor+product' } },
      { path: '/dev/ttyS0' },
    ]);
    const text = formatDeviceReport(report);
    expect(text).toContain('HID devices:\n  unavailable: HID_LIBRARY_UNAVAILABLE');
    expect(text).toContain('/dev/ttyUSB0  0403:6001  [usb-serial-adapter: FTDI FT232R USB-serial]');
  });

  it('lists HID devices, marks the configured MagTek and pings it with GET_PROPERTY SOFTWARE_ID', async () => {
    const handle = new MagtekHandle();
    const lib: NodeHidModule = {
      devicesAsync: () =>
        Promise.resolve([
          { vendorId: 0x0801, productId: 0x0002, path: '/dev/hidraw1', interface: 0, usagePage: 0xff00, product: 'USB Swipe Reader' },
          { vendorId: 0x046d, productId: 0xc31c, path: '/dev/hidraw0', interface: 0 },
        ]),
      openPath: () => Promise.resolve(handle),
    };
    const config = parseConfig({ devices: { reader: { type: 'magtek-hid', productId: 2 } }, host: { type: 'simulator' } });
    const report = await collectDeviceReport(config, deps({ loadHid: () => Promise.resolve(lib) }));
    expect(report.hid).toEqual([
      { path: '/dev/hidraw1', vendorId: '0801', productId: '0002', product: 'USB Swipe Reader', usagePage: 'ff00', known: { kind: 'card-reader', name: 'MagTek USB HID swipe reader', match: 'vendor+product' }, configuredAs: 'reader (magtek-hid)' },
      { path: '/dev/hidraw0', vendorId: '046d', productId: 'c31c' },
    ]);
    expect(report.configured[0]).toEqual({ device: 'reader', type: 'magtek-hid', ok: true, check: 'ping', rttMs: 2.5, answer: 'software ID 21042840' });
    expect([...handle.requests[0]!.subarray(0, 4)]).toEqual([0x00, 0x00, 0x01, 0x00]); // report ID 0, GET_PROPERTY, length 1, SOFTWARE_ID
  });

  it('a configured VFD gets a self-test write a person can read on the display', async () => {
    const [host, dev] = createMemoryTransportPair();
    const vfd = new VirtualVfd('epson');
    dev.onData((c) => vfd.push(c));
    const config = parseConfig({ devices: { reader: { type: 'virtual' }, display: { type: 'vfd-serial', path: '/dev/ttyVFD', emulation: 'epson' } }, host: { type: 'simulator' } });
    const report = await collectDeviceReport(config, deps({ openSerial: () => Promise.resolve(host) }));
    await flushMicrotasks();
    expect(report.configured.find((c) => c.device === 'display')).toMatchObject({ device: 'display', type: 'vfd-serial', ok: true, check: 'self-test-write' });
    expect(vfd.lines()).toEqual(['POS DIAG  0123456789', 'ABCDEFGHIJ  éü£ ok  ']);
  });

  it('a configured reader that is absent is reported with its code, not thrown', async () => {
    const lib: NodeHidModule = { devicesAsync: () => Promise.resolve([]), openPath: () => Promise.reject(new Error('x')) };
    const config = parseConfig({ devices: { reader: { type: 'magtek-hid', productId: 2 } }, host: { type: 'simulator' } });
    const report = await collectDeviceReport(config, deps({ loadHid: () => Promise.resolve(lib) }));
    expect(report.configured[0]).toMatchObject({ ok: false, error: { code: 'HID_DEVICE_NOT_FOUND' } });
    expect(formatDeviceReport(report)).toContain('FAILED HID_DEVICE_NOT_FOUND');
  });

  it("a configured ViVOpay reader reports its versions and whether its configuration matches, and a VeriFone PIN pad acknowledges a status message", async () => {
    const [readerHost, readerDevice] = createMemoryTransportPair();
    const [padHost, padDevice] = createMemoryTransportPair();
    const twinReader = createVirtualVivopay(readerDevice);
    const twinPad = createVirtualPinPad(padDevice, x924PinpadKeys());
    const config = parseConfig({
      devices: {
        reader: { type: 'vivopay', transport: 'serial', path: '/dev/pos-reader' },
        pinpad: { type: 'verifone-serial', path: '/dev/pos-pinpad' },
      },
      host: { type: 'simulator' },
    });
    const opened: string[] = [];
    const report = await collectDeviceReport(
      config,
      deps({
        openSerial: (o) => {
          opened.push(o.path);
          return Promise.resolve(o.path === '/dev/pos-reader' ? readerHost : padHost);
        },
      }),
    );
    expect(opened).toEqual(['/dev/pos-reader', '/dev/pos-pinpad']);
    // A reader fresh from the factory holds none of the terminal's tables: the probe says so, and writes nothing.
    expect(report.configured.find((c) => c.device === 'reader')).toMatchObject({
      type: 'vivopay',
      ok: true,
      check: 'status',
      rttMs: expect.any(Number),
      answer: expect.stringMatching(/^firmware NEO2 Virtual v1\.00, kernel EMV Common L2 V1\.10\.037, configuration differs: terminal-data terminal add, aid A0000000031010 add, .* and \d+ more$/),
    });
    expect(report.configured.find((c) => c.device === 'pinpad')).toMatchObject({ type: 'verifone-serial', ok: true, check: 'status' });
    expect(twinPad.displayed).toContainEqual(['POS DIAG']);
    await twinReader.close();
    await twinPad.close();
  });

  it('a ViVOpay probe writes nothing; once the reader is configured from the same config, it says the configuration matches', async () => {
    // The reader's flash, kept across the opens (each probe closes its transport).
    const store = createConfigurationStore();
    const twins: { close(): Promise<void> }[] = [];
    const plugReader = () => {
      const [host, device] = createMemoryTransportPair();
      twins.push(createVirtualVivopay(device, { configuration: configurationCommandsOf(store) }));
      return host;
    };
    const config = parseConfig({ devices: { reader: { type: 'vivopay', transport: 'serial', path: '/dev/pos-reader' } }, host: { type: 'simulator' } });
    const probeAnswer = async () => (await collectDeviceReport(config, deps({ openSerial: () => Promise.resolve(plugReader()) }))).configured[0]?.answer;
    expect(await probeAnswer()).toMatch(/configuration differs: terminal-data terminal add/);
    expect(await probeAnswer()).toMatch(/configuration differs: terminal-data terminal add/);
    await configureReader(plugReader(), readerConfigurationOf(chipKernelOf(config).config, config.emv.aids), silentLogger);
    const report = await collectDeviceReport(config, deps({ openSerial: () => Promise.resolve(plugReader()) }));
    expect(formatDeviceReport(report)).toContain('— firmware NEO2 Virtual v1.00, kernel EMV Common L2 V1.10.037, configuration matches');
    for (const twin of twins) await twin.close();
  });

  it('a PIN pad that does not answer is reported with its code, not thrown', async () => {
    const [padHost] = createMemoryTransportPair();
    const config = parseConfig({ devices: { reader: { type: 'virtual' }, pinpad: { type: 'verifone-serial', path: '/dev/pos-pinpad' } }, host: { type: 'simulator' } });
    // The pad's answer timeouts and retries run on fake time: the same path, without 6 s of waiting.
    vi.useFakeTimers();
    try {
      const reporting = collectDeviceReport(config, deps({ openSerial: () => Promise.resolve(padHost) }));
      await vi.runAllTimersAsync();
      const report = await reporting;
      expect(report.configured.find((c) => c.device === 'pinpad')).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^DEVICE_/) } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists the PC/SC readers pcscd sees, with the card in each and its ATR', async () => {
    const listPcsc = (): Promise<PcscReaderListing> =>
      Promise.resolve({
        status: 'ok',
        readers: [
          { name: 'Generic CCID Reader 00 00', card: 'present', atr: '3B600000' },
          { name: 'Virtual PCD 00 00', card: 'empty' },
          { name: 'Virtual PCD 00 01', card: 'mute', atr: '3B00' },
        ],
      });
    const report = await collectDeviceReport(parseConfig(SIMULATED_DEFAULT), deps({ listPcsc }));
    expect(report.pcsc).toEqual(await listPcsc());
    expect(formatDeviceReport(report)).toContain(
      'PC/SC readers:\n  Generic CCID Reader 00 00  card in  ATR 3B600000\n  Virtual PCD 00 00  no card\n  Virtual PCD 00 01  card in, not answering its reset  ATR 3B00\n',
    );
  });

  it('says pcscd is not running as such, not as a failure of a device', async () => {
    const report = await collectDeviceReport(parseConfig(SIMULATED_DEFAULT), deps());
    expect(report.pcsc).toEqual({ status: 'no-service' });
    expect(formatDeviceReport(report)).toContain('PC/SC readers:\n  pcscd is not running: start it');
  });

  it('when the smartcard addon cannot load, says which package to install and lists the rest', async () => {
    const report = await collectDeviceReport(parseConfig(SIMULATED_DEFAULT), deps({ listPcsc: () => Promise.reject(pcscLibraryUnavailable(new Error('cannot find module'))) }));
    expect(report.pcsc).toEqual({ error: { code: 'PCSC_LIBRARY_UNAVAILABLE', message: expect.stringContaining('apt-get install libpcsclite-dev') } });
    expect(formatDeviceReport(report)).toContain('PC/SC readers:\n  unavailable: PCSC_LIBRARY_UNAVAILABLE');
    expect(report.serial).toHaveLength(2);
  });
});
