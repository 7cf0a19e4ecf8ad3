/**
 * The virtual NEO 2's kernel runs on what was loaded into its flash: after
 * the terminal's configuration is synced into a factory-fresh store, the
 * kernel configuration read back from it is the terminal's own (terminal
 * data, AIDs with action codes, floor limits and random selection, CA keys).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { configureReader, readerConfigurationOf } from '../../../drivers/vivopay/configuration/index.js';
import { configurationCommandsOf, createConfigurationStore } from '../../../hw-mocks/vivopay/configuration-store.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { storedKernelConfig } from '../../../hw-mocks/vivopay/stored-reader-kernel.js';
import { chipKernelOf } from '../../../src/app/chip-kernel.js';
import { simulationCapks } from '../../../src/app/simulation/contact-slot-twin.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log/logger.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the virtual NEO 2 kernel configuration, read from its flash', () => {
  it('is the terminal’s own once the terminal’s configuration was loaded', async () => {
    const config = parseConfig({
      devices: { reader: { type: 'virtual', model: 'chip' } },
      host: { type: 'simulator' },
      emv: { aids: [{ aid: 'A0000000031010', applicationVersion: '0096', tac: { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' }, floorLimit: 2500, randomSelection: { threshold: 1000, targetPercent: 10, maxTargetPercent: 40 } }] },
    });
    const kernel = chipKernelOf(config, { extraCapks: simulationCapks() }).config;
    const store = createConfigurationStore();
    const [host, device] = createMemoryTransportPair();
    const twin = createVirtualVivopay(device, { configuration: configurationCommandsOf(store) });
    closers.push(() => twin.close());

    expect(storedKernelConfig(store).aids).toEqual([]);
    await configureReader(host, readerConfigurationOf(kernel, config.emv.aids), silentLogger);
    const stored = storedKernelConfig(store);

    expect(stored.terminal).toEqual(kernel.terminal);
    expect(stored.aids).toEqual(kernel.aids);
    expect(stored.aids[0]).toMatchObject({ floorLimitMinor: 2500, randomSelection: { thresholdMinor: 1000, targetPercent: 10, maxTargetPercent: 40 } });
    const keyOf = (k: { rid: Buffer; index: number; modulus: Buffer; exponent: Buffer; checksum: Buffer }) => ({ rid: k.rid, index: k.index, modulus: k.modulus, exponent: k.exponent, checksum: k.checksum });
    expect(stored.capks.length).toBeGreaterThan(0);
    expect(stored.capks.map(keyOf)).toEqual(kernel.capks.map(keyOf));
  });
});
