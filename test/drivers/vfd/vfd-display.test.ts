/**
 * The VFD driver against the virtual display: over a real socat pty (both
 * command sets), over the in-memory pair, and over binding-mock for the
 * device going away mid-frame and coming back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { initializedVfd, VFD_DEFAULT_SERIAL } from '../../../drivers/vfd-display/kind.js';
import { createVfdDisplay } from '../../../drivers/vfd-display/vfd-display.js';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { createReconnector } from '../../../drivers/reconnect/reconnector.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { VirtualVfd, attachVirtualVfd, waitForLines } from '../../../hw-mocks/display/virtual-vfd.js';
import { openPtyEnd } from '../../../hw-mocks/pty-end.js';
import { createPtyPair } from '../../../hw-mocks/pty.js';
import type { ByteTransport } from '../../../src/devices/byte-transport.js';
import { screens } from '../../../src/display/screens.js';
import { MockBinding, captureMockBinding } from '../mock-binding.js';
import { flushMicrotasks } from '../reader-harness.js';
import { alive, hasSocat } from '../pty-harness.js';
import { rejection } from '../../pos-error.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  MockBinding.reset();
});

describe.skipIf(!hasSocat)('VFD display over a socat pty pair', () => {
  it.each(['cd5220', 'epson'] as const)('%s: the customer reads each screen exactly', async (emulation) => {
    const pair = await createPtyPair();
    cleanups.push(async () => {
      await pair.close();
      expect(alive(pair.pid)).toBe(false);
    });
    const device = attachVirtualVfd(openPtyEnd(pair.devicePath), emulation);
    cleanups.push(() => device.close());
    // As the kind attaches it (line defaults, reset on attach), at brightness 2.
    const transport = await openSerialTransport({ ...VFD_DEFAULT_SERIAL, path: pair.hostPath });
    const { device: display } = await initializedVfd(createVfdDisplay(transport, { emulation, brightness: 2 }), transport);
    cleanups.push(() => display.close());

    await display.show(screens.presentCard({ minor: 1234, currency: '978' }));
    await waitForLines(device.display, ['     SWIPE CARD     ', '     12.34 EUR      ']);
    expect(device.display.brightness).toBe(2);

    await display.show(screens.declined({ minor: 1234, currency: '978' }, 'INSUFFICIENT FUNDS'));
    await waitForLines(device.display, ['      DECLINED      ', ' INSUFFICIENT FUNDS ']);

    await display.selfTestWrite();
    await waitForLines(device.display, ['POS DIAG  0123456789', 'ABCDEFGHIJ  éü£ ok  ']);
    expect(device.display.unknownBytes).toBe(0);
  });
});

describe('VFD display over the in-memory pair', () => {
  it('shows, dims, and rejects after close', async () => {
    const [host, dev] = createMemoryTransportPair();
    const device = attachVirtualVfd(dev, 'epson');
    const display = createVfdDisplay(host, { emulation: 'epson' });
    await display.initialize();
    await display.show(screens.approved({ minor: 999, currency: '826' }, 'A1B2C3'));
    await display.setBrightness(1);
    await flushMicrotasks();
    expect(device.display.lines()).toEqual(['      APPROVED      ', '      9.99 GBP      ']);
    expect(device.display.brightness).toBe(1);
    expect(display.state()).toBe('connected');
    await display.close();
    expect(display.state()).toBe('closed');
    expect((await rejection(display.show(screens.idle()))).code).toBe('DEVICE_CLOSED');
  });

  it('reports disconnected once its wire is pulled', async () => {
    const [host] = createMemoryTransportPair();
    const display = createVfdDisplay(host, { emulation: 'cd5220' });
    expect(display.state()).toBe('connected');
    host.unplug();
    expect(display.state()).toBe('disconnected');
    expect((await rejection(display.show(screens.idle()))).kind).toBe('disconnected');
    await display.close();
    expect(display.state()).toBe('closed');
  });
});

describe('VFD display over binding-mock: gone mid-frame, reopened', () => {
  it('a write to a vanished port rejects with kind disconnected; the reconnector reopens and the next screen shows', async () => {
    const PATH = '/dev/ttyVFD0';
    MockBinding.createPort(PATH);
    const mock = captureMockBinding();
    const virtual = new VirtualVfd('cd5220');
    const reconnector = createReconnector<ByteTransport>({ target: PATH, initialDelayMs: 1, jitter: 0, open: () => openSerialTransport({ path: PATH, baudRate: 9600 }, mock.binding) });
    cleanups.push(() => reconnector.close());
    let connected: () => void = () => undefined;
    let disconnected: () => void = () => undefined;
    let wait = new Promise<void>((resolve) => (connected = resolve));
    const gone = new Promise<void>((resolve) => (disconnected = resolve));
    reconnector.onEvent((e) => {
      if (e.type === 'connected') connected();
      if (e.type === 'disconnected') disconnected();
    });
    reconnector.start();
    await wait;
    const first = createVfdDisplay(reconnector.current()!, { emulation: 'cd5220' });
    await first.show(screens.idle());
    virtual.push(mock.port().lastWrite ?? Buffer.alloc(0));
    expect(virtual.lines()[0]).toBe('      WELCOME       ');

    // Half a frame reaches the display, then the port goes away (EIO on the next read closes the stream).
    wait = new Promise<void>((resolve) => (connected = resolve));
    const frame = Buffer.from([0x1b, 0x6c, 0x01, 0x01, 0x41, 0x42]);
    virtual.push(frame.subarray(0, 3));
    mock.unplugOnNextRead();
    mock.port().emitData(Buffer.from([0x00]));
    await gone;
    expect(first.state()).toBe('disconnected');
    const err = await rejection(first.show(screens.processing({ minor: 100, currency: '978' })));
    expect(err.kind).toBe('disconnected');
    await wait;

    const second = createVfdDisplay(reconnector.current()!, { emulation: 'cd5220' });
    await second.initialize();
    virtual.push(mock.port().lastWrite ?? Buffer.alloc(0));
    await second.show(screens.processing({ minor: 100, currency: '978' }));
    virtual.push(mock.port().lastWrite ?? Buffer.alloc(0));
    expect(virtual.lines()).toEqual(['     PROCESSING     ', '      1.00 EUR      ']);
  });
});
