import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameOutgoingReport, splitIncomingReport } from '../../../drivers/transport/hid-report-codec.js';
import { libraryUnavailable, loadNodeHid, type NodeHidDeviceInfo, type NodeHidHandle, type NodeHidModule } from '../../../drivers/transport/hid-library.js';
import { openHidTransport } from '../../../drivers/transport/hid-node-transport.js';
import { createHidMemoryPair } from '../../../drivers/transport/hid-memory.js';
import { hidAsByteTransport } from '../../../drivers/transport/hid-byte-adapter.js';
import { nativePackageLoader } from '../../../drivers/transport/native-package.js';
import { PosError } from '../../../src/util/errors.js';
import { flushMicrotasks } from '../reader-harness.js';
import { rejection, thrown } from '../../pos-error.js';

describe('report framing (HID 1.11 §5.6, hidapi first byte = report ID)', () => {
  it.each([
    ['unnumbered device, short data, zero padded', 0, [0x41, 0x42], 4, [0x00, 0x41, 0x42, 0x00, 0x00]],
    ['numbered report 2, exact size', 2, [1, 2, 3], 3, [0x02, 1, 2, 3]],
    ['empty data is all padding', 5, [], 2, [0x05, 0x00, 0x00]],
  ])('%s', (_name, id, data, size, wire) => {
    expect([...frameOutgoingReport(id, Buffer.from(data), size)]).toEqual(wire);
  });

  it('data longer than the report size is HID_REPORT_TOO_LONG with both lengths', () => {
    const err = thrown(() => frameOutgoingReport(0, Buffer.alloc(9), 8));
    expect(err.code).toBe('HID_REPORT_TOO_LONG');
    expect(err.details).toEqual({ lengthBytes: 9, reportBytes: 8 });
  });

  it('a report ID that is not a byte is refused', () => {
    expect(thrown(() => frameOutgoingReport(256, Buffer.alloc(1), 8)).code).toBe('HID_REPORT_MALFORMED');
  });

  it('framing then splitting a numbered report gives back the ID and padded data (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 16 }), (id, data, extra) => {
        const wire = frameOutgoingReport(id, data, data.length + extra);
        const back = splitIncomingReport(wire, true);
        expect(back.reportId).toBe(id);
        expect([...back.data.subarray(0, data.length)]).toEqual([...data]);
        expect(back.data.subarray(data.length).every((b) => b === 0)).toBe(true);
      }),
    );
  });

  it('an unnumbered input report is all data with report ID 0', () => {
    const back = splitIncomingReport(Buffer.from([7, 8, 9]), false);
    expect(back).toEqual({ reportId: 0, data: Buffer.from([7, 8, 9]) });
  });
});

describe('lazy node-hid loading', () => {
  it('a binding that cannot load its hidraw library is HID_LIBRARY_UNAVAILABLE naming libudev1', async () => {
    const err = await rejection(loadNodeHid(() => Promise.reject(new Error('libudev.so.1: cannot open shared object file'))));
    expect(err.code).toBe('HID_LIBRARY_UNAVAILABLE');
    expect(err.kind).toBe('config');
    expect(err.details).toEqual({ package: 'libudev1', backend: 'hidraw' });
    expect(err.message).toContain('apt-get install libudev1');
  });

  it('a libusb load failure names libusb-1.0-0', () => {
    const err = libraryUnavailable(new Error('libusb-1.0.so.0: cannot open shared object file'));
    expect(err.details).toEqual({ package: 'libusb-1.0-0', backend: 'libusb' });
    expect(err.message).toContain('apt-get install libusb-1.0-0');
  });

  it('a module without HIDAsync (node-hid 2) is refused the same way', async () => {
    const err = await rejection(loadNodeHid(() => Promise.resolve({ devices: () => [] })));
    expect(err.code).toBe('HID_LIBRARY_UNAVAILABLE');
  });

  it('the installed node-hid loads and lists devices without throwing', async () => {
    const lib = await loadNodeHid().catch((e: unknown) => e);
    if (lib instanceof PosError) {
      expect(lib.code).toBe('HID_LIBRARY_UNAVAILABLE');
      return;
    }
    expect(Array.isArray(await (lib as NodeHidModule).devicesAsync())).toBe(true);
  });
});

describe('native package loader (node-hid and smartcard load through it)', () => {
  const unavailable = (cause: unknown): PosError => new PosError('HID_LIBRARY_UNAVAILABLE', 'cannot load', { package: 'test' }, { cause });

  it('imports once and keeps the module; a failed import is forgotten, so the next call imports again', async () => {
    const answers: (() => Promise<unknown>)[] = [() => Promise.reject(new Error('not built')), () => Promise.resolve({ default: { name: 'lib' } })];
    let imports = 0;
    const load = nativePackageLoader({
      importer: () => answers[imports++]!(),
      adapt: (exports) => exports as { name: string },
      unavailable,
    });
    const first = await rejection(load());
    expect(first.code).toBe('HID_LIBRARY_UNAVAILABLE');
    expect((first.cause as Error).message).toBe('not built');
    expect(await load()).toEqual({ name: 'lib' });
    expect(await load()).toEqual({ name: 'lib' });
    expect(imports).toBe(2);
  });

  it('an importer passed in is used every time and nothing is kept; exports without a default are adapted as they are', async () => {
    let imports = 0;
    const load = nativePackageLoader({
      importer: () => Promise.reject(new Error('the default importer must not run')),
      adapt: (exports) => exports,
      unavailable,
    });
    const importer = (): Promise<unknown> => Promise.resolve({ n: ++imports });
    expect(await load(importer)).toEqual({ n: 1 });
    expect(await load(importer)).toEqual({ n: 2 });
    expect((await rejection(load())).code).toBe('HID_LIBRARY_UNAVAILABLE');
  });
});

class FakeHandle extends EventEmitter implements NodeHidHandle {
  written: Buffer[] = [];
  features: Buffer[] = [];
  closed = 0;
  write(values: Buffer): Promise<number> {
    this.written.push(Buffer.from(values));
    return Promise.resolve(values.length);
  }
  getFeatureReport(reportId: number, reportLength: number): Promise<Buffer> {
    return Promise.resolve(Buffer.concat([Buffer.from([reportId]), Buffer.alloc(reportLength - 1, 0xaa)]));
  }
  sendFeatureReport(data: Buffer): Promise<number> {
    this.features.push(Buffer.from(data));
    return Promise.resolve(data.length);
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

function fakeLibrary(devices: NodeHidDeviceInfo[], handle: FakeHandle): NodeHidModule & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    devicesAsync: () => Promise.resolve(devices),
    openPath: (path) => {
      opened.push(path);
      return Promise.resolve(handle);
    },
  };
}

const MAGTEK: NodeHidDeviceInfo = { vendorId: 0x0801, productId: 0x0002, path: '/dev/hidraw3', interface: 0, usagePage: 0xff00, product: 'USB Swipe Reader' };

describe('node-hid transport (over a fake HIDAsync)', () => {
  it('opens the matching device by path and pads output and feature reports', async () => {
    const handle = new FakeHandle();
    const lib = fakeLibrary([{ vendorId: 0x1234, productId: 1, path: '/dev/hidraw0', interface: 0 }, MAGTEK], handle);
    const t = await openHidTransport({ vendorId: 0x0801, productId: 0x0002, outputReportBytes: 8, featureReportBytes: 24 }, lib);
    expect(lib.opened).toEqual(['/dev/hidraw3']);
    expect(t.description).toBe('hid:0801:0002');
    expect(t.identity).toMatchObject({ path: '/dev/hidraw3', product: 'USB Swipe Reader' });
    await t.write(0, Buffer.from([1, 2]));
    expect([...handle.written[0]!]).toEqual([0, 1, 2, 0, 0, 0, 0, 0, 0]);
    await t.sendFeatureReport(0, Buffer.from([0x00, 0x01]));
    expect(handle.features[0]!.length).toBe(25);
    expect([...(await t.getFeatureReport(0, 3))]).toEqual([0xaa, 0xaa, 0xaa]);
  });

  it('input reports arrive whole; an error event is the device going away', async () => {
    const handle = new FakeHandle();
    const t = await openHidTransport({ vendorId: 0x0801, productId: 0x0002 }, fakeLibrary([MAGTEK], handle));
    const got: Buffer[] = [];
    const ends: (PosError | undefined)[] = [];
    t.onReport((r) => got.push(r.data));
    t.onClose((e) => ends.push(e));
    handle.emit('data', Buffer.alloc(337, 1));
    handle.emit('error', new Error('could not read from HID device'));
    handle.emit('data', Buffer.alloc(337, 2));
    expect(got.map((b) => b.length)).toEqual([337]);
    expect(ends).toHaveLength(1);
    expect(ends[0]?.code).toBe('DEVICE_DISCONNECTED');
    expect(ends[0]?.details).toEqual({ path: 'hid:0801:0002' });
    expect((await rejection(t.write(0, Buffer.alloc(0)))).kind).toBe('disconnected');
  });

  it('close() ends with no error, once, and releases the handle', async () => {
    const handle = new FakeHandle();
    const t = await openHidTransport({ vendorId: 0x0801, productId: 0x0002 }, fakeLibrary([MAGTEK], handle));
    const ends: (PosError | undefined)[] = [];
    t.onClose((e) => ends.push(e));
    await t.close();
    await t.close();
    expect(ends).toEqual([undefined]);
    expect(handle.closed).toBe(1);
  });

  it('no matching device is HID_DEVICE_NOT_FOUND with the IDs', async () => {
    const err = await rejection(openHidTransport({ vendorId: 0x0801, productId: 0x0011 }, fakeLibrary([MAGTEK], new FakeHandle())));
    expect(err.code).toBe('HID_DEVICE_NOT_FOUND');
    expect(err.details).toEqual({ vendorId: 0x0801, productId: 0x0011 });
  });

  it('an open that fails (permissions) is DEVICE_OPEN_FAILED with the path', async () => {
    const lib: NodeHidModule = { devicesAsync: () => Promise.resolve([MAGTEK]), openPath: () => Promise.reject(new Error('cannot open device')) };
    const err = await rejection(openHidTransport({ vendorId: 0x0801, productId: 0x0002 }, lib));
    expect(err.code).toBe('DEVICE_OPEN_FAILED');
    expect(err.details).toEqual({ path: '/dev/hidraw3', reason: 'open' });
  });
});

describe('in-memory HID pair', () => {
  const options = { vendorId: 0x0801, productId: 0x0002, inputReportBytes: 8, outputReportBytes: 4, featureReportBytes: 4 };

  it('input reports reach the host later, whole and in order; output reports reach the device padded', async () => {
    const [host, device] = createHidMemoryPair(options);
    const got: number[][] = [];
    const out: number[][] = [];
    host.onReport((r) => got.push([r.reportId, ...r.data]));
    device.onOutputReport((r) => out.push([r.reportId, ...r.data]));
    const sent = [device.sendInputReport(0, Buffer.from([1, 2])), device.sendInputReport(0, Buffer.from([3]))];
    expect(got).toEqual([]); // never inside the call
    await Promise.all(sent);
    await host.write(1, Buffer.from([9]));
    await flushMicrotasks();
    expect(got).toEqual([[0, 1, 2], [0, 3]]);
    expect(out).toEqual([[1, 9, 0, 0, 0]]);
  });

  it('feature reports go through the device handler', async () => {
    const [host, device] = createHidMemoryPair(options);
    const set: number[][] = [];
    device.setFeatureHandler({ get: (id, len) => Buffer.alloc(len, id), set: (r) => set.push([...r.data]) });
    expect([...(await host.getFeatureReport(3, 2))]).toEqual([3, 3]);
    await host.sendFeatureReport(0, Buffer.from([5]));
    await flushMicrotasks();
    expect(set).toEqual([[5, 0, 0, 0]]);
  });

  it('a device report over the input size is refused', async () => {
    const [, device] = createHidMemoryPair(options);
    expect((await rejection(device.sendInputReport(0, Buffer.alloc(9)))).code).toBe('HID_REPORT_TOO_LONG');
  });

  it('unplug ends both ends with DEVICE_DISCONNECTED; host close ends the host cleanly', async () => {
    const [host, device] = createHidMemoryPair(options);
    const ends: string[] = [];
    host.onClose((e) => ends.push(`host:${e?.code ?? 'clean'}`));
    device.onClose((e) => ends.push(`device:${e?.code ?? 'clean'}`));
    host.unplug();
    await flushMicrotasks();
    expect(ends).toEqual(['host:DEVICE_DISCONNECTED', 'device:DEVICE_DISCONNECTED']);
    const [host2, device2] = createHidMemoryPair(options);
    const ends2: string[] = [];
    host2.onClose((e) => ends2.push(`host:${e?.code ?? 'clean'}`));
    device2.onClose((e) => ends2.push(`device:${e?.code ?? 'clean'}`));
    await host2.close();
    await flushMicrotasks();
    expect(ends2).toEqual(['host:clean', 'device:DEVICE_DISCONNECTED']);
  });
});

describe('HID byte-stream adapter', () => {
  it.each([
    ['report-id-length', [5, 6, 7], 2, [[2, 5, 6], [1, 7, 0]]],
    ['length-prefix', [5, 6, 7], 3, [[0, 2, 5, 6], [0, 1, 7, 0]]],
    ['whole-report', [5, 6, 7], 2, [[0, 5, 6], [0, 7, 0]]],
  ] as const)('%s: bytes are cut into reports and come back as the same bytes', async (framing, bytes, size, reports) => {
    const [host, device] = createHidMemoryPair({ vendorId: 1, productId: 2, inputReportBytes: 8, outputReportBytes: size });
    const stream = hidAsByteTransport(host, { framing, outputReportBytes: size });
    const seen: number[][] = [];
    device.onOutputReport((r) => seen.push([r.reportId, ...r.data]));
    await stream.write(Buffer.from(bytes));
    await flushMicrotasks();
    expect(seen).toEqual(reports);
    const received: number[] = [];
    stream.onData((c) => received.push(...c));
    for (const r of seen) await device.sendInputReport(r[0]!, Buffer.from(r.slice(1)));
    await flushMicrotasks();
    expect(received.slice(0, bytes.length)).toEqual(bytes);
    if (framing !== 'whole-report') expect(received).toEqual(bytes);
  });
});
