/**
 * The virtual NEO 2 is opened as a real one is: at start, a reader whose
 * tables differ from the terminal's config (a stale AID, a stale CA key, no
 * terminal data) is brought in line — and a second start, with the tables
 * now the same, writes nothing. The bench's NEO 2 comes as a used reader
 * (another terminal's tables), which the probe `pos diag devices` runs finds
 * differing before the start and matching after.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Attached } from '../../drivers/reconnect/resilient-devices.js';
import { CONFIGURATION_COMMANDS, describeInspection, inspectReader, readerConfigurationOf, type ReaderConfiguration } from '../../drivers/vivopay/configuration/index.js';
import { configurationCommandsOf, createConfigurationStore, type ConfigurationStore } from '../../hw-mocks/vivopay/configuration-store.js';
import { createVirtualVivopay } from '../../hw-mocks/vivopay/index.js';
import { storedContactlessKernel } from '../../hw-mocks/vivopay/stored-contactless-kernel.js';
import { USED_READER_VISA_TAP_LIMIT, usedReaderFlash } from '../../hw-mocks/vivopay/used-reader-flash.js';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { chipKernelOf } from '../../src/app/chip-kernel.js';
import { VirtualBench } from '../../src/app/simulation/virtual-bench.js';
import { parseConfig } from '../../src/config/load.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';

const config = parseConfig({ devices: { reader: { type: 'virtual', model: 'chip' } }, host: { type: 'simulator' } });
const kernel = chipKernelOf(config);
/** The commands that change the reader's flash (set, remove, delete), as `CC-SS`. */
const WRITES = Object.entries(CONFIGURATION_COMMANDS)
  .filter(([operation]) => /^(set|remove|delete)/.test(operation))
  .map(([, { command, subCommand }]) => [command, subCommand].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-'));
const writes = (received: Map<string, number>) => [...received.keys()].filter((command) => WRITES.includes(command.toUpperCase()));

/** `pos diag devices`' line for a NEO 2 holding `store`: versions and the comparison, nothing written. */
async function probe(store: ConfigurationStore, desired: ReaderConfiguration): Promise<string> {
  const [host, device] = createMemoryTransportPair();
  const twin = createVirtualVivopay(device, { configuration: configurationCommandsOf(store) });
  try {
    return describeInspection(await inspectReader(host, desired));
  } finally {
    await twin.close();
  }
}

let bench: VirtualBench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

describe('the virtual NEO 2 at start', () => {
  it('a reader whose configuration differs is updated; a second start changes nothing', async () => {
    const store = createConfigurationStore();
    // Stale flash: an AID the terminal does not name, a CA key it does not hold.
    store.aids.set('A0000000999090', { aid: Buffer.from('A0000000999090', 'hex'), tlvs: [] });
    store.capks.set('A000000099FE', { rid: Buffer.from('A000000099', 'hex'), index: 0xfe, hash: Buffer.alloc(20), exponentField: Buffer.from('00000003', 'hex'), modulus: Buffer.alloc(128, 0x5a) });
    bench = new VirtualBench({ logger: silentLogger, deck: () => { throw new Error('no cards in this test'); }, neo2Configuration: store });
    const reader = bench.reader('chip', () => kernel, config.emv.aids);

    const first: Attached<CardReader> = await reader.attach();
    expect([...store.aids.keys()]).toEqual(config.emv.aids.map((a) => a.aid.toUpperCase()));
    expect(store.capks.has('A000000099FE')).toBe(false);
    expect([...store.capks.keys()].sort()).toEqual(kernel.config.capks.map((k) => `${k.rid.toString('hex')}${k.index.toString(16).padStart(2, '0')}`.toUpperCase()).sort());
    expect(store.terminalData?.find((t) => t.tag === '9F1A')?.value).toEqual(kernel.config.terminal.countryCode);
    expect(writes(store.received).length).toBeGreaterThan(0);
    await first.device.close();
    await first.release?.();

    store.received.clear();
    const second = await reader.attach();
    expect(store.received.size).toBeGreaterThan(0); // it read the tables back
    expect(writes(store.received)).toEqual([]);
    await second.device.close();
    await second.release?.();
  });

  it('by default the bench’s NEO 2 is a used reader: the probe finds its tables differing, and after start they match, as `pos diag devices` reports', async () => {
    const desired = readerConfigurationOf(kernel.config, config.emv.aids);
    const used = usedReaderFlash();
    expect(await probe(used, desired)).toMatch(/^firmware .+, kernel .+, configuration differs: .*aid A0000000999090 remove/);
    bench = new VirtualBench({ logger: silentLogger, deck: () => { throw new Error('no cards in this test'); }, neo2Configuration: used });
    const attached = await bench.reader('chip', () => kernel, config.emv.aids).attach();
    await attached.device.close();
    await attached.release?.();
    expect(await probe(used, desired)).toMatch(/^firmware .+, kernel .+, configuration matches$/);
    expect(storedContactlessKernel(used, Buffer.from('A0000000031010', 'hex'))?.limits.transaction).toBe(config.emv.aids.find((a) => a.aid === 'A0000000031010')?.contactless.transactionLimit);
    expect(USED_READER_VISA_TAP_LIMIT).toBeLessThan(config.emv.aids[0]?.contactless.transactionLimit ?? 0);
  });

  it('a reader refusing the terminal data does not start', async () => {
    const store = createConfigurationStore();
    store.refusals.set('60-06', 0x62);
    bench = new VirtualBench({ logger: silentLogger, deck: () => { throw new Error('no cards in this test'); }, neo2Configuration: store });
    await expect(bench.reader('chip', () => kernel, config.emv.aids).attach()).rejects.toMatchObject({ code: 'READER_CONFIG_REFUSED' });
    expect(store.terminalData).toBeUndefined();
  });
});
