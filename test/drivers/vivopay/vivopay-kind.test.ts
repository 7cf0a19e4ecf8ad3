/**
 * The ViVOpay kind's open: before the card-reading driver takes the wire,
 * the reader's AIDs, CA keys, terminal data and contactless groups are
 * brought in line with the terminal's config — written when they differ,
 * untouched when they match — and a reader refusing them is not used.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceContext } from '../../../drivers/shared/device-kind.js';
import { createHidMemoryPair } from '../../../drivers/transport/hid-memory.js';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { CONFIGURATION_COMMANDS } from '../../../drivers/vivopay/configuration/index.js';
import { VIVOPAY_HID_REPORT_BYTES, type VivopayReader } from '../../../drivers/vivopay/index.js';
import { VIVOPAY_KIND } from '../../../drivers/vivopay/kind.js';
import { configurationCommandsOf, createConfigurationStore, type ConfigurationStore } from '../../../hw-mocks/vivopay/configuration-store.js';
import { createVirtualVivopay, type VirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { chipKernelOf } from '../../../src/app/chip-kernel.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ByteTransport } from '../../../src/devices/byte-transport.js';
import { silentLogger } from '../../../src/log/logger.js';
import { deviceContext } from '../device-context.js';
import { vivopayHidDeviceStream } from './hid-device-stream.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const config = parseConfig({ devices: { reader: { type: 'vivopay', transport: 'serial', path: '/dev/pos-neo2' } }, host: { type: 'simulator' } });
const reader = config.devices.reader;
if (reader.type !== 'vivopay') throw new Error('parsed as another type');

/** A context whose serial port is a virtual NEO 2 on `store` (its flash), recording the line each open asked for. */
function neo2Context(store: ConfigurationStore) {
  const lines: unknown[] = [];
  const hosts: ByteTransport[] = [];
  const kernel = chipKernelOf(config);
  const context: DeviceContext = {
    ...deviceContext(silentLogger),
    chipKernel: () => kernel,
    readerAids: config.emv.aids,
    openSerial: (options) => {
      lines.push(options);
      const [host, device] = createMemoryTransportPair();
      const twin = createVirtualVivopay(device, { configuration: configurationCommandsOf(store) });
      closers.push(() => twin.close());
      hosts.push(host);
      return Promise.resolve(host);
    },
  };
  return { context, lines, hosts };
}

/** The commands that change the reader's flash (set, remove, delete), as `CC-SS`. */
const WRITES = Object.entries(CONFIGURATION_COMMANDS)
  .filter(([operation]) => /^(set|remove|delete)/.test(operation))
  .map(([, { command, subCommand }]) => [command, subCommand].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-'));
const writes = (store: ConfigurationStore) => [...store.received.keys()].filter((command) => WRITES.includes(command.toUpperCase()));

describe('the ViVOpay kind', () => {
  it('opens at 115200 8N1 and, at a reader whose configuration differs, writes the terminal’s; a second open writes nothing', async () => {
    const store = createConfigurationStore();
    const { context, lines } = neo2Context(store);
    const first = await VIVOPAY_KIND.open(reader, context);
    closers.push(() => first.device.close());
    expect(lines[0]).toMatchObject({ path: '/dev/pos-neo2', baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 });
    expect([...store.aids.keys()]).toEqual(config.emv.aids.map((a) => a.aid.toUpperCase()));
    expect(store.terminalData).toBeDefined();
    expect(writes(store).length).toBeGreaterThan(0);
    await first.device.close();

    store.received.clear();
    const second = await VIVOPAY_KIND.open(reader, context);
    closers.push(() => second.device.close());
    expect(store.received.size).toBeGreaterThan(0); // it read the tables back
    expect(writes(store)).toEqual([]);
  });

  it('replaces a stale AID set: an AID the config no longer names is deleted, and the probe then says it matches', async () => {
    const store = createConfigurationStore();
    const { context } = neo2Context(store);
    const opened = await VIVOPAY_KIND.open(reader, context);
    await opened.device.close();
    const stale = Buffer.from('A0000000999090', 'hex');
    store.aids.set('A0000000999090', { aid: stale, tlvs: [] });
    expect((await VIVOPAY_KIND.probe(reader, context)).answer).toMatch(/configuration differs: aid A0000000999090 remove$/);
    const again = await VIVOPAY_KIND.open(reader, context);
    closers.push(() => again.device.close());
    expect(store.aids.has('A0000000999090')).toBe(false);
    expect((await VIVOPAY_KIND.probe(reader, context)).answer).toMatch(/configuration matches$/);
  });

  it('over HID, the reader is configured through the same report adapter the driver then reads', async () => {
    const store = createConfigurationStore();
    const [host, end] = createHidMemoryPair({ vendorId: 0x0acd, productId: 0x3310, inputReportBytes: VIVOPAY_HID_REPORT_BYTES, outputReportBytes: VIVOPAY_HID_REPORT_BYTES });
    const twin = createVirtualVivopay(vivopayHidDeviceStream(end), { configuration: configurationCommandsOf(store) });
    closers.push(() => twin.close());
    const hidReader = parseConfig({ devices: { reader: { type: 'vivopay', transport: 'hid', vendorId: 0x0acd, productId: 0x3310 } }, host: { type: 'simulator' } }).devices.reader;
    if (hidReader.type !== 'vivopay') throw new Error('parsed as another type');
    const { context } = neo2Context(store);
    const attached = await VIVOPAY_KIND.open(hidReader, { ...context, openHid: () => Promise.resolve(host) });
    closers.push(() => attached.device.close());
    expect([...store.aids.keys()]).toEqual(config.emv.aids.map((a) => a.aid.toUpperCase()));
    twin.received.length = 0;
    await (attached.device as VivopayReader).ping();
    expect(twin.received).toEqual([[0x18, 0x01]]);
  });

  it.each([
    [undefined, [0x60, 0x10]],
    [true, [0x02, 0x40]],
  ])('contactless %s: the opened driver starts a read with %j', async (contactless, first) => {
    const store = createConfigurationStore();
    const tapReader = parseConfig({ devices: { reader: { type: 'vivopay', transport: 'serial', path: '/dev/pos-neo2', ...(contactless === undefined ? {} : { contactless }) } }, host: { type: 'simulator' } }).devices.reader;
    if (tapReader.type !== 'vivopay') throw new Error('parsed as another type');
    expect(tapReader.contactless).toBe(contactless ?? false);
    const { context } = neo2Context(store);
    const twins: VirtualVivopay[] = [];
    const attached = await VIVOPAY_KIND.open(tapReader, {
      ...context,
      openSerial: () => {
        const [host, device] = createMemoryTransportPair();
        const twin = createVirtualVivopay(device, { configuration: configurationCommandsOf(store) });
        twins.push(twin);
        closers.push(() => twin.close());
        return Promise.resolve(host);
      },
    });
    closers.push(() => attached.device.close());
    const twin = twins[0];
    if (twin === undefined) throw new Error('no reader opened');
    twin.received.length = 0;
    const abort = new AbortController();
    const read = (attached.device as VivopayReader).readCard({ amountMinor: 100, currency: '978' }, abort.signal).catch(() => undefined);
    await expect.poll(() => twin.received[0]).toEqual(first);
    abort.abort();
    await read;
  });

  it('a reader that refuses its terminal data is not used: the open rejects and the port is closed', async () => {
    const store = createConfigurationStore();
    store.refusals.set('60-06', 0x62);
    const { context, hosts } = neo2Context(store);
    await expect(VIVOPAY_KIND.open(reader, context)).rejects.toMatchObject({ code: 'READER_CONFIG_REFUSED' });
    await expect(hosts[0]?.write(Buffer.from([0]))).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
  });
});
