/**
 * The NEO 2 driver's taps (02-40, guide 8.5.2) against the virtual NEO 2
 * over an in-memory wire: an online request becomes a contactless ChipRead
 * (9F39 07, first decision online), a mag-stripe tap a contactless-magstripe
 * SwipeRead from its track 2, "insert card" the contact flow, "see phone" a
 * second Activate after the phone, a phone's CDCVM reported and no PIN asked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { createVivopayReader, type VivopayReader, type VivopayReaderOptions } from '../../../drivers/vivopay/vivopay-reader.js';
import { createVirtualVivopay, type VirtualVivopay, type VirtualVivopayOptions } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import type { ChipRead } from '../../../src/devices/card-reader.js';
import { decode, flatten } from '../../../src/emv/index.js';
import { rejection } from '../../pos-error.js';

let reader: VivopayReader;
let twin: VirtualVivopay;

function open(options: VirtualVivopayOptions = {}, readerOptions: VivopayReaderOptions = {}): void {
  const [host, device] = createMemoryTransportPair({ host: 'mem:terminal', device: 'mem:neo2' });
  twin = createVirtualVivopay(device, options);
  reader = createVivopayReader(host, { contactless: true, cardTimeoutS: 5, ...readerOptions });
}

/** A fresh driver and twin in place of the test's first pair. */
async function reopen(options: VirtualVivopayOptions, readerOptions: VivopayReaderOptions = {}): Promise<void> {
  await reader.close();
  await twin.close();
  open(options, readerOptions);
}

beforeEach(() => open());
afterEach(async () => {
  await reader.close();
  await twin.close();
});

const signal = (): AbortSignal => new AbortController().signal;

async function tapped(amountMinor: number, profile: string): Promise<Awaited<ReturnType<VivopayReader['readCard']>>> {
  const read = reader.readCard({ amountMinor, currency: '978' }, signal());
  await expect.poll(() => twin.waitingForTap).toBe(true);
  twin.tap(profile);
  return read;
}

describe('the NEO 2 driver reads taps', () => {
  it('an online request: a contactless ChipRead, first decision online, 9F39 07 and the ARQC in its chip data', async () => {
    const read = (await tapped(1234, 'visa-contactless')) as ChipRead;
    expect(read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online' });
    expect(read.pinRequired).toBeUndefined();
    const tags = flatten(decode(read.chip.tlv.reveal()));
    expect(Buffer.from(tags.get('9F39') ?? []).toString('hex')).toBe('07');
    expect(tags.get('9F26')).toHaveLength(8);
    expect(read.card.brand).toBe('visa');
  });

  it('a Kernel 2 phone: its CVM results 01 00 02 (on-device CVM) reported, no PIN asked', async () => {
    const read = (await tapped(8000, 'mastercard-phone')) as ChipRead;
    expect(read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online', emv: { cvmResults: '010002' } });
    expect(read.pinRequired).toBeUndefined();
  });

  it('over the CVM limit, a card whose CVM is online PIN: pinRequired, as the contact flow reports it', async () => {
    const read = (await tapped(8000, 'visa-contactless-pin')) as ChipRead;
    expect(read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online', pinRequired: true });
  });

  it('a mag-stripe tap: a contactless-magstripe SwipeRead from its track 2', async () => {
    const read = await tapped(1234, 'mastercard-magstripe');
    expect(read.entryMode).toBe('contactless-magstripe');
    expect(read.card.brand).toBe('mastercard');
  });

  it('"insert card" over the transaction limit: the contact flow runs, and an inserted card is read through its chip', async () => {
    await reopen({ contactless: { limits: { transaction: 10000, cvm: 5000, floor: 0 } } });
    let insertCard = 0;
    const read = reader.readCard({ amountMinor: 20000, currency: '978', enterOnlinePin: () => Promise.resolve(), insertCard: () => insertCard++ }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.tap('visa-contactless');
    await expect.poll(() => twin.waitingForCard).toBe(true);
    expect(insertCard).toBe(1); // the engine is told before the 60-10 waits for the card
    twin.insert('visa-ok');
    expect(await read).toMatchObject({ entryMode: 'chip', firstDecision: 'online' });
  });

  it('"see phone": the driver taps again; after the holder verifies on the phone, an online request with consumer-device CVM and no PIN', async () => {
    const read = reader.readCard({ amountMinor: 8000, currency: '978' }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.tap('visa-phone');
    await expect.poll(() => twin.received.filter(([c, s]) => c === 0x02 && s === 0x40).length).toBe(2);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.verifyOnDevice('visa-phone');
    twin.tap('visa-phone');
    const got = (await read) as ChipRead;
    expect(got).toMatchObject({ entryMode: 'contactless', firstDecision: 'online', emv: { cvmResults: '010002' } });
    expect(got.pinRequired).toBeUndefined();
  });

  it('no tap in time: CHIP_NO_CARD', async () => {
    await reopen({}, { cardTimeoutS: 1 });
    expect(await rejection(reader.readCard({ amountMinor: 100, currency: '978' }, signal()))).toMatchObject({ code: 'CHIP_NO_CARD' });
  });

  it('the Activate’s answer comes garbled: the driver asks 03-40 (8.5.4), not a second 02-40, and reads the tap from it', async () => {
    const read = reader.readCard({ amountMinor: 1234, currency: '978' }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.corruptNextAnswers(1);
    twin.tap('visa-contactless');
    expect(await read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online' });
    expect(twin.received).toEqual([
      [0x02, 0x40],
      [0x03, 0x40],
    ]);
  });

  it('02-40 unanswered in time: 03-40 says there is no result, and the read fails DEVICE_NO_ANSWER', async () => {
    await reopen({}, { cardTimeoutS: 1, answerTimeoutScale: 0.05 });
    twin.muteNext(1);
    expect(await rejection(reader.readCard({ amountMinor: 100, currency: '978' }, signal()))).toMatchObject({ code: 'DEVICE_NO_ANSWER', details: { command: 'activateTransaction' } });
    expect(twin.received).toEqual([[0x03, 0x40]]);
  });

  it('03-40 giving the result the driver already took (the reader never saw this Activate) is not taken again', async () => {
    await reopen({}, { cardTimeoutS: 2, answerTimeoutScale: 0.05 });
    const first = reader.readCard({ amountMinor: 1234, currency: '978' }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.tap('visa-contactless');
    expect(await first).toMatchObject({ firstDecision: 'online' });
    twin.received.length = 0;
    twin.muteNext(1);
    expect(await rejection(reader.readCard({ amountMinor: 1234, currency: '978' }, signal()))).toMatchObject({ code: 'DEVICE_NO_ANSWER' });
    expect(twin.received).toEqual([[0x03, 0x40]]);
  });

  it('an abort mid-Activate cancels it on the reader (05-01) and rejects the read as cancelled', async () => {
    const controller = new AbortController();
    const read = reader.readCard({ amountMinor: 100, currency: '978' }, controller.signal);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    controller.abort();
    expect(await rejection(read)).toMatchObject({ code: 'DEVICE_READ_CANCELLED' });
    expect(twin.received.at(-1)).toEqual([0x05, 0x01]);
    expect(twin.waitingForTap).toBe(false);
  });
});

describe('the NEO 2 driver, armed for a tap, takes a swipe or an insert', () => {
  it('a swipe during the Activate: Attribution MSR with DFEE23 and 9F39 90 — a chip card is asked for its chip', async () => {
    const read = reader.readCard({ amountMinor: 1234, currency: '978' }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.swipe('visa-ok');
    expect(await rejection(read)).toMatchObject({ code: 'CHIP_CARD_SWIPED' });
  });

  it('a stripe-only swipe during the Activate is a swipe read', async () => {
    const read = reader.readCard({ amountMinor: 1234, currency: '978' }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.swipe('visa-ok', { chip: false });
    expect(await read).toMatchObject({ entryMode: 'swipe' });
  });

  it('a card seated before the read: the Activate hands over to the contact flow at once', async () => {
    twin.insert('visa-ok');
    const read = reader.readCard({ amountMinor: 1234, currency: '978', enterOnlinePin: () => Promise.resolve() }, signal());
    expect(await read).toMatchObject({ entryMode: 'chip', firstDecision: 'online' });
  });

  it('a card inserted during the Activate is read through its chip (the contact flow after the Activate)', async () => {
    const read = reader.readCard({ amountMinor: 1234, currency: '978', enterOnlinePin: () => Promise.resolve() }, signal());
    await expect.poll(() => twin.waitingForTap).toBe(true);
    twin.insert('visa-ok');
    expect(await read).toMatchObject({ entryMode: 'chip', firstDecision: 'online' });
  });
});
