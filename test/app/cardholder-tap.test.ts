/**
 * The virtual cardholder's taps at the virtual NEO 2 (`entry: 'tap'` of
 * POST /v1/simulator/present): the contactless card of the named profile is
 * tapped, a phone told "see phone" is verified on and tapped again, and a
 * tap without its profile, or at a reader without contactless, is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { createVivopayReader, type VivopayReader } from '../../drivers/vivopay/vivopay-reader.js';
import { loadDeck } from '../../hw-mocks/cards/deck.js';
import { createVirtualVivopay, type VirtualVivopay } from '../../hw-mocks/vivopay/virtual-vivopay.js';
import { virtualCardholder, type ReaderTwin } from '../../src/app/simulation/cardholder.js';
import { rejection } from '../pos-error.js';

let reader: VivopayReader;
let twin: VirtualVivopay;
let readerTwin: ReaderTwin;

beforeEach(() => {
  const [host, device] = createMemoryTransportPair({ host: 'mem:terminal', device: 'mem:neo2' });
  twin = createVirtualVivopay(device);
  reader = createVivopayReader(host, { contactless: true, cardTimeoutS: 5 });
  readerTwin = { kind: 'chip', chip: twin };
});
afterEach(async () => {
  await reader.close();
  await twin.close();
});

const cardholder = () => virtualCardholder({ deck: () => loadDeck(), readerTwin: () => readerTwin, pinpadTwin: () => undefined, unplug: () => Promise.resolve() });

describe('the virtual cardholder taps', () => {
  it('entry tap: the profile’s contactless card is read as a contactless chip read', async () => {
    const read = reader.readCard({ amountMinor: 1234, currency: '978' }, new AbortController().signal);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    await cardholder().present({ card: 'visa-ok', entry: 'tap', profile: 'visa-contactless' });
    expect(await read).toMatchObject({ entryMode: 'contactless', firstDecision: 'online' });
  });

  it('a phone: "see phone", then verifyOnDevice and a second tap complete the read', async () => {
    const holder = cardholder();
    const read = reader.readCard({ amountMinor: 8000, currency: '978' }, new AbortController().signal);
    await expect.poll(() => twin.waitingForTap).toBe(true);
    await holder.present({ card: 'visa-ok', entry: 'tap', profile: 'visa-phone' });
    await expect.poll(() => twin.received.filter(([c, s]) => c === 0x02 && s === 0x40).length).toBe(2);
    await holder.present({ card: 'visa-ok', entry: 'tap', profile: 'visa-phone', verifyOnDevice: true });
    expect(await read).toMatchObject({ entryMode: 'contactless', emv: { cvmResults: '010002' } });
  });

  it('a tap without its profile, a card that cannot verify its holder asked to, or a tap at a stripe reader: ECR_BAD_REQUEST', async () => {
    expect(await rejection(cardholder().present({ card: 'visa-ok', entry: 'tap' }))).toMatchObject({ code: 'ECR_BAD_REQUEST', details: { fields: ['profile'] } });
    expect(await rejection(cardholder().present({ card: 'visa-ok', entry: 'tap', profile: 'mastercard-contactless', verifyOnDevice: true }))).toMatchObject({
      code: 'ECR_BAD_REQUEST',
      details: { fields: ['verifyOnDevice'] },
    });
    readerTwin = { kind: 'stripe', listening: () => true, swipe: () => Promise.resolve() };
    expect(await rejection(cardholder().present({ card: 'visa-ok', entry: 'tap', profile: 'visa-contactless' }))).toMatchObject({ code: 'ECR_BAD_REQUEST', details: { fields: ['entry'] } });
  });
});
