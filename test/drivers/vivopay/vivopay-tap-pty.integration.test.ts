/**
 * A tap (02-40 Activate Transaction, guide 8.5.2) over a real pty pair made
 * by socat: the NEO 2 driver armed for contactless against the virtual NEO 2,
 * the frames split across reads as a UART delivers them.
 */
import { describe, expect, it } from 'vitest';
import { createVivopayReader } from '../../../drivers/vivopay/index.js';
import { VIVOPAY_DEFAULT_SERIAL } from '../../../drivers/vivopay/kind.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import type { ChipRead } from '../../../src/devices/card-reader.js';
import { decode, flatten } from '../../../src/emv/index.js';
import { hasSocat, ptyRig } from '../pty-harness.js';

describe.skipIf(!hasSocat)('NEO 2 taps over a socat pty pair', () => {
  const rig = ptyRig({
    twin: (deviceEnd) => createVirtualVivopay(deviceEnd, { chunkBytes: 24 }),
    driver: async (path, logger) => createVivopayReader(await openSerialTransport({ ...VIVOPAY_DEFAULT_SERIAL, path }), { logger, contactless: true, cardTimeoutS: 5 }),
  });

  it('a tap online: 02-40 on the wire, a contactless ChipRead with 9F39 07 and the card’s ARQC', async () => {
    const reading = rig.driver.readCard({ amountMinor: 1250, currency: '978' }, new AbortController().signal);
    await expect.poll(() => rig.twin.waitingForTap).toBe(true);
    rig.twin.tap('visa-contactless');
    const read = (await reading) as ChipRead;
    expect(read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online' });
    const tags = flatten(decode(read.chip.tlv.reveal()));
    expect(Buffer.from(tags.get('9F39') ?? []).toString('hex')).toBe('07');
    expect(Buffer.from(tags.get('9F27') ?? []).toString('hex')).toBe('80');
    expect(rig.twin.received.some(([command, sub]) => command === 0x02 && sub === 0x40)).toBe(true);
  });

  it('a refund tap says 9C 20 to the reader', async () => {
    const reading = rig.driver.readCard({ amountMinor: 500, currency: '978', purpose: 'refund' }, new AbortController().signal);
    await expect.poll(() => rig.twin.waitingForTap).toBe(true);
    rig.twin.tap('visa-contactless');
    const read = (await reading) as ChipRead;
    expect(Buffer.from(flatten(decode(read.chip.tlv.reveal())).get('9C') ?? []).toString('hex')).toBe('20');
  });
});
