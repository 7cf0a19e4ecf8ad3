/**
 * The virtual NEO 2's kernel runs on what was loaded into its flash: after
 * the terminal's configuration is synced into a factory-fresh store, the
 * kernel configuration read back from it is the terminal's own (terminal
 * data, AIDs with action codes, floor limits and random selection, CA keys);
 * and its contactless kernel taps on the loaded groups' limits and the
 * contactless CA keys (D0-03): under the loaded floor limit a card with fDDA
 * approves offline, over it the same card asks online.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { configureReader, readerConfigurationOf } from '../../../drivers/vivopay/configuration/index.js';
import { configurationCommandsOf, createConfigurationStore } from '../../../hw-mocks/vivopay/configuration-store.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { storedContactlessKernel } from '../../../hw-mocks/vivopay/stored-contactless-kernel.js';
import { storedKernelConfig } from '../../../hw-mocks/vivopay/stored-reader-kernel.js';
import { chipKernelOf } from '../../../src/app/chip-kernel.js';
import { simulationCapks, simulationCas } from '../../../src/app/simulation/contact-slot-twin.js';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createVivopayReader } from '../../../drivers/vivopay/vivopay-reader.js';
import type { ChipRead } from '../../../src/devices/card-reader.js';

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

describe('the virtual NEO 2 contactless kernel, read from its flash', () => {
  const VISA = 'A0000000031010';
  const MASTERCARD = 'A0000000041010';
  const tac = { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' };
  const config = parseConfig({
    devices: { reader: { type: 'virtual', model: 'chip' } },
    host: { type: 'simulator' },
    emv: {
      aids: [
        { aid: VISA, applicationVersion: '0096', tac, contactless: { transactionLimit: 20_000, cvmRequiredLimit: 7_000, floorLimit: 1_500 } },
        { aid: MASTERCARD, applicationVersion: '0002', tac, floorLimit: 300, contactless: { transactionLimit: 9_000, cvmRequiredLimit: 4_000 } },
      ],
    },
  });

  async function loaded() {
    const kernel = chipKernelOf(config, { extraCapks: simulationCapks() }).config;
    const store = createConfigurationStore();
    const [host, device] = createMemoryTransportPair();
    const configurator = createVirtualVivopay(device, { configuration: configurationCommandsOf(store) });
    await configureReader(host, readerConfigurationOf(kernel, config.emv.aids), silentLogger);
    await configurator.close();
    return { store, kernel };
  }

  it('each AID’s group limits (a Mastercard group’s DF812x, an AID without its own floor limit the contact one) and the D0 keys', async () => {
    const { store, kernel } = await loaded();
    expect(storedContactlessKernel(store, Buffer.from(VISA, 'hex'))?.limits).toEqual({ transaction: 20_000, cvm: 7_000, floor: 1_500 });
    expect(storedContactlessKernel(store, Buffer.from(MASTERCARD, 'hex'))?.limits).toEqual({ transaction: 9_000, cvm: 4_000, floor: 300 });
    const keys = storedContactlessKernel(store, Buffer.from(VISA, 'hex'))?.capks.map((k) => `${k.rid.toString('hex')}${k.index}`).sort();
    expect(keys).toEqual(kernel.capks.map((k) => `${k.rid.toString('hex')}${k.index}`).sort());
    expect(storedContactlessKernel(store, Buffer.from('A0000000999090', 'hex'))).toBeUndefined();
  });

  it.each([
    [1_500, 'approved-offline'],
    [1_501, 'online'],
  ] as const)('a tap of %i with an fDDA card: %s, by the floor limit the terminal loaded', async (amountMinor, decision) => {
    const { store } = await loaded();
    const [host, device] = createMemoryTransportPair();
    const twin = createVirtualVivopay(device, { contactless: { ca: simulationCas() }, contactlessKernel: (aid) => storedContactlessKernel(store, aid) });
    const reader = createVivopayReader(host, { contactless: true, cardTimeoutS: 5 });
    closers.push(() => reader.close(), () => twin.close());
    const read = reader.readCard({ amountMinor, currency: '978' }, new AbortController().signal);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.tap('visa-contactless-offline');
    expect(((await read) as ChipRead).firstDecision).toBe(decision);
  });

  it('without the CA keys loaded, the same card under the floor limit is declined offline (fDDA cannot be checked)', async () => {
    const { store } = await loaded();
    store.contactlessCapks.clear();
    const [host, device] = createMemoryTransportPair();
    const twin = createVirtualVivopay(device, { contactless: { ca: simulationCas() }, contactlessKernel: (aid) => storedContactlessKernel(store, aid) });
    const reader = createVivopayReader(host, { contactless: true, cardTimeoutS: 5 });
    closers.push(() => reader.close(), () => twin.close());
    const read = reader.readCard({ amountMinor: 1_000, currency: '978' }, new AbortController().signal);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.tap('visa-contactless-offline');
    expect(((await read) as ChipRead).firstDecision).toBe('declined-offline');
  });
});
