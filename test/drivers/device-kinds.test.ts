/**
 * The device kinds (`drivers/<family>/kind.ts`) and their tables
 * (`src/app/device-kinds.ts`): what `pos run` opens and `pos diag devices`
 * probes is one module a kind, on the kind's own line settings, under the
 * config type the schema gives it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAGTEK_HID_KIND } from '../../drivers/magtek-hid/kind.js';
import { MSR_SERIAL_KIND } from '../../drivers/msr-serial/kind.js';
import type { DeviceKind } from '../../drivers/shared/device-kind.js';
import { DISPLAY_KINDS, kindOf, PINPAD_KINDS, READER_KINDS, type KindTable, type WiredReaderConfig } from '../../src/app/device-kinds.js';
import { parseConfig } from '../../src/config/load.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import { deviceContext } from './device-context.js';
import { captureMockBinding, MockBinding } from './mock-binding.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  MockBinding.reset();
});

function configWith(devices: Record<string, unknown>) {
  return parseConfig({ devices: { reader: { type: 'virtual' }, ...devices }, host: { type: 'simulator' } }).devices;
}

describe('device kinds', () => {
  // Each serial kind opens its port at the line its devices ship with, whatever opens it (pos run, pos diag devices); the ViVOpay's, which configures the reader as it opens, is in test/drivers/vivopay/vivopay-kind.test.ts.
  it.each([
    ['reader msr-serial', () => configReader({ type: 'msr-serial', path: '/dev/pos-kind' }), { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }],
  ])('%s opens its port at the line its devices ship with', async (_name, kindAndConfig, line) => {
    const { kind, config } = kindAndConfig();
    MockBinding.createPort('/dev/pos-kind');
    const mock = captureMockBinding();
    const attached = await kind.open(config, deviceContext(undefined, mock.binding));
    closers.push(() => attached.device.close());
    expect(mock.port().openOptions).toMatchObject({ path: '/dev/pos-kind', ...line });
    expect(kind.target(config)).toBe('/dev/pos-kind');
  });

  it('a VeriFone pad opens at 1200 7E1 by default, and at what its config says otherwise', async () => {
    for (const [pinpad, line] of [
      [{ type: 'verifone-serial', path: '/dev/pos-kind' }, { baudRate: 1200, dataBits: 7, parity: 'even', stopBits: 1 }],
      [{ type: 'verifone-serial', path: '/dev/pos-kind', baudRate: 9600, dataBits: 8, parity: 'none' }, { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }],
    ] as const) {
      const config = configWith({ pinpad }).pinpad;
      if (config.type !== 'verifone-serial') throw new Error('parsed as another type');
      MockBinding.createPort('/dev/pos-kind');
      const mock = captureMockBinding();
      const attached = await kindOf(PINPAD_KINDS, config).open(config, deviceContext(undefined, mock.binding));
      expect(mock.port().openOptions).toMatchObject({ path: '/dev/pos-kind', ...line });
      await attached.device.close();
      MockBinding.reset();
    }
  });

  it('a VFD opens at 9600 8N1 and is reset as it attaches', async () => {
    const config = configWith({ display: { type: 'vfd-serial', path: '/dev/pos-kind' } }).display;
    if (config.type !== 'vfd-serial') throw new Error('parsed as another type');
    MockBinding.createPort('/dev/pos-kind');
    const mock = captureMockBinding();
    const attached = await kindOf(DISPLAY_KINDS, config).open(config, deviceContext(undefined, mock.binding));
    closers.push(() => attached.device.close());
    expect(mock.port().openOptions).toMatchObject({ path: '/dev/pos-kind', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(mock.port().lastWrite?.[0]).toBe(0x1b); // ESC: the CD5220 initialize sequence went out on attach
    expect(attached.device.state()).toBe('connected');
  });

  it('a serial reader is probed by opening its port and closing it', async () => {
    const { config, kind } = configReader({ type: 'msr-serial', path: '/dev/pos-kind' });
    MockBinding.createPort('/dev/pos-kind');
    const mock = captureMockBinding();
    expect(await kind.probe(config, deviceContext(undefined, mock.binding))).toEqual({ check: 'open' });
    expect(mock.port().isOpen).toBe(false);
  });

  it("a MagTek reader's config defaults name a device its kind knows by ID, and its target is that ID", () => {
    const reader = configReader({ type: 'magtek-hid' }).config;
    if (reader.type !== 'magtek-hid') throw new Error('parsed as another type');
    expect(MAGTEK_HID_KIND.usbIds).toContainEqual(expect.objectContaining({ vendorId: reader.vendorId, productId: reader.productId }));
    expect(MAGTEK_HID_KIND.target(reader)).toBe('hid:0801:0002');
  });

  it('a HID kind reaches node-hid only through its context', async () => {
    const reader = configReader({ type: 'keyboard-msr-hid', vendorId: 0x0c2e, productId: 0x0200 }).config;
    const asked: unknown[] = [];
    const refusal = new Error('no HID here');
    const context = { ...deviceContext(), openHid: (options: unknown) => (asked.push(options), Promise.reject(refusal)) };
    await expect(kindOf(READER_KINDS, reader).open(reader, context)).rejects.toBe(refusal);
    expect(asked).toEqual([{ vendorId: 0x0c2e, productId: 0x0200, usagePage: 0x01 }]);
  });

  it('the tables are keyed by the schema: a wired type without its kind, or a kind reading a field its type lacks, does not compile', () => {
    // @ts-expect-error keyboard-msr-hid and vivopay have no kind
    const missing: KindTable<WiredReaderConfig, CardReader> = { 'msr-serial': MSR_SERIAL_KIND, 'magtek-hid': MAGTEK_HID_KIND };
    const wrongField: DeviceKind<{ readonly path: string; readonly speed: number }, CardReader> = {
      role: 'reader',
      usbIds: [],
      target: (c) => `${c.path}@${c.speed}`,
      open: () => Promise.reject(new Error('never opened')),
      probe: () => Promise.reject(new Error('never probed')),
    };
    // @ts-expect-error msr-serial configs have no `speed`
    const misfit: KindTable<WiredReaderConfig, CardReader> = { ...READER_KINDS, 'msr-serial': wrongField };
    expect(Object.keys(missing)).toHaveLength(2);
    expect(Object.keys(misfit)).toEqual(Object.keys(READER_KINDS));
  });
});

/** A reader config as the schema parses it, and the kind the table gives it. */
function configReader(reader: Record<string, unknown>) {
  const config = configWith({ reader }).reader;
  if (config.type === 'virtual') throw new Error('parsed as virtual');
  return { config, kind: kindOf(READER_KINDS, config) };
}
