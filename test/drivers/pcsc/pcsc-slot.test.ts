import { afterEach, describe, expect, it } from 'vitest';
import { openPcscSlot, type CardSession, type PcscSlot, type SlotStatus } from '../../../drivers/pcsc/pcsc-slot.js';
import { silentLogger } from '../../../src/log/logger.js';
import { FakeCard, FakePcsc, type CardAnswer } from './fake-pcsc.js';
import { reaches } from './slot-states.js';

const READER = 'Generic CCID Reader 00 00';
const OTHER = 'Contactless Reader 01 00';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SELECT_PSE = hex('00A404000E315041592E5359532E444446303100');
const FCI = '6F1A840E315041592E5359532E4444463031A5088801025F2D02656E';

/** A T=0 card: SELECT answers 61xx and the FCI comes by GET RESPONSE; anything else 9000. */
function t0Card(): FakeCard {
  return new FakeCard((command): CardAnswer => {
    if (command[1] === 0xa4) return hex('611C');
    if (command[1] === 0xc0) return hex(`${FCI}9000`);
    return hex('9000');
  });
}

let slots: PcscSlot[] = [];
afterEach(async () => {
  await Promise.all(slots.map((s) => s.close()));
  slots = [];
});

async function open(pcsc: FakePcsc, pattern = /CCID/): Promise<PcscSlot> {
  const slot = await openPcscSlot({ readerPattern: pattern, logger: silentLogger, binding: pcsc, rescanMs: 20, removalSettleMs: 80 });
  slots.push(slot);
  return slot;
}

/** A slot over `pcsc` with the reader attached, and `card` in it when one is given. */
async function readerWith(card?: FakeCard, pcsc = new FakePcsc()): Promise<{ pcsc: FakePcsc; slot: PcscSlot }> {
  pcsc.attach(READER);
  if (card !== undefined) pcsc.insert(READER, card);
  return { pcsc, slot: await open(pcsc) };
}

/** A slot over `pcsc` with `card` in its reader, and the session connected to it. */
async function connected(card: FakeCard, pcsc = new FakePcsc()): Promise<{ pcsc: FakePcsc; slot: PcscSlot; session: CardSession }> {
  const { slot } = await readerWith(card, pcsc);
  return { pcsc, slot, session: await slot.waitForCard() };
}

describe('PC/SC slot: the reader', () => {
  it('takes the first reader whose name matches, and reports each state in order', async () => {
    const pcsc = new FakePcsc();
    pcsc.attach(OTHER);
    const slot = await open(pcsc);
    const show = (s: SlotStatus): string => `${s.state}${s.reader === undefined ? '' : ` ${s.reader}`}`;
    await reaches(slot, 'no-reader');
    const seen: string[] = [show(slot.state())];
    slot.onReaderChange((s) => seen.push(show(s)));
    pcsc.attach(READER);
    await reaches(slot, 'empty');
    pcsc.insert(READER, t0Card());
    await reaches(slot, 'card-present');
    expect(slot.state()).toEqual({ state: 'card-present', reader: READER });
    expect(seen).toEqual(['no-reader', `empty ${READER}`, `card-present ${READER}`]);
  });

  it('a pattern with the g flag matches every time (no lastIndex carried between readers)', async () => {
    const pcsc = new FakePcsc();
    pcsc.attach(READER);
    const slot = await open(pcsc, /CCID/g);
    await reaches(slot, 'empty');
    expect(slot.state().reader).toBe(READER);
  });

  it('a reader unplugged and plugged back is found again, and a card in it is served', async () => {
    const { pcsc, slot, session } = await connected(t0Card());
    pcsc.detach(READER);
    expect(await session.removed).toBe('reader-removed');
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'PCSC_READER_REMOVED', details: { reader: READER } });
    await reaches(slot, 'no-reader');
    pcsc.attach(READER);
    await reaches(slot, 'empty');
    pcsc.insert(READER, t0Card());
    const again = await slot.waitForCard();
    expect((await again.transmit(SELECT_PSE)).toString('hex').toUpperCase()).toBe(`${FCI}9000`);
  });

  it('pcscd stopped: state no-service, sessions end; started again: the reader is back on new contexts', async () => {
    const { pcsc, slot, session } = await connected(t0Card());
    const opened = pcsc.contextsOpened;
    pcsc.stop();
    expect(await session.removed).toBe('service-stopped');
    await reaches(slot, 'no-service');
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'PCSC_SERVICE_UNAVAILABLE' });
    pcsc.start();
    await reaches(slot, 'card-present');
    expect(pcsc.contextsOpened).toBe(opened + 2);
    const again = await slot.waitForCard();
    expect(again.atr).toEqual(t0Card().atr);
  });

  it('starts with pcscd down and finds the reader once it runs', async () => {
    const pcsc = new FakePcsc();
    pcsc.running = false;
    const { slot } = await readerWith(undefined, pcsc);
    await reaches(slot, 'no-service');
    pcsc.start();
    await reaches(slot, 'empty');
  });

  it('close ends the watcher and releases both contexts', async () => {
    const { pcsc, slot } = await readerWith();
    await reaches(slot, 'empty');
    expect(pcsc.contextsOpen).toBe(2);
    await slot.close();
    expect(slot.state()).toEqual({ state: 'closed' });
    await new Promise((r) => setTimeout(r, 5));
    expect(pcsc.contextsOpen).toBe(0);
  });
});

describe('PC/SC slot: waiting for a card', () => {
  it('resolves with the card inserted: ATR and protocol as connected', async () => {
    const { pcsc, slot } = await readerWith();
    const waiting = slot.waitForCard();
    await reaches(slot, 'empty');
    const card = new FakeCard(() => hex('9000'), { atr: '3B8E800180318066B1840C016E0183009000', protocol: 'T=1' });
    pcsc.insert(READER, card);
    const session = await waiting;
    expect(session).toMatchObject({ reader: READER, protocol: 'T=1' });
    expect(session.atr.toString('hex').toUpperCase()).toBe('3B8E800180318066B1840C016E0183009000');
    expect(card.held).toBe(true);
  });

  it('resolves at once with a card already in the reader', async () => {
    const { slot } = await readerWith(t0Card());
    await expect(slot.waitForCard()).resolves.toMatchObject({ reader: READER, protocol: 'T=0' });
  });

  it('is cancelled by its signal, one at a time, and refused while a session is connected', async () => {
    const { pcsc, slot } = await readerWith();
    const abort = new AbortController();
    const first = slot.waitForCard(abort.signal);
    await expect(slot.waitForCard()).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    abort.abort();
    await expect(first).rejects.toMatchObject({ code: 'DEVICE_READ_CANCELLED', details: { reason: 'aborted' } });
    await expect(slot.waitForCard(AbortSignal.abort())).rejects.toMatchObject({ code: 'DEVICE_READ_CANCELLED' });

    pcsc.insert(READER, t0Card());
    const session = await slot.waitForCard();
    await expect(slot.waitForCard()).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    session.disconnect();
    await expect(slot.waitForCard()).resolves.toMatchObject({ reader: READER });
  });

  it('close rejects the pending wait; after close, DEVICE_CLOSED', async () => {
    const { slot } = await readerWith();
    const waiting = slot.waitForCard();
    await slot.close();
    await expect(waiting).rejects.toMatchObject({ code: 'DEVICE_READ_CANCELLED', details: { reason: 'closed' } });
    await expect(slot.waitForCard()).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
  });

  it('a card another program holds: PCSC_CARD_IN_USE; a mute card: PCSC_CONNECT_FAILED naming the failure', async () => {
    const held = t0Card();
    held.held = true;
    const { pcsc, slot } = await readerWith(held);
    await expect(slot.waitForCard()).rejects.toMatchObject({ code: 'PCSC_CARD_IN_USE', kind: 'busy', details: { reader: READER } });
    pcsc.remove(READER);
    pcsc.insert(READER, new FakeCard(() => hex('9000'), { connectFailure: 'unresponsive', mute: true }));
    await expect(slot.waitForCard()).rejects.toMatchObject({ code: 'PCSC_CONNECT_FAILED', details: { reader: READER, failure: 'unresponsive' } });
  });

  it('a card pulled as it was connected is not handed out; the next one is', async () => {
    const { pcsc, slot } = await readerWith();
    const waiting = slot.waitForCard();
    await reaches(slot, 'empty');
    pcsc.insert(READER, new FakeCard(() => hex('9000'), { connectFailure: 'removed' }));
    await reaches(slot, 'card-present');
    pcsc.remove(READER);
    await reaches(slot, 'empty');
    const second = t0Card();
    pcsc.insert(READER, second);
    const session = await waiting;
    await session.transmit(SELECT_PSE);
    expect(second.received[0]).toBe(SELECT_PSE.toString('hex').toUpperCase());
  });
});

describe('PC/SC slot: exchanges', () => {
  it("resolves T=0's 61xx with GET RESPONSE: the kernel sees the whole answer", async () => {
    const card = t0Card();
    const { session } = await connected(card);
    expect((await session.transmit(SELECT_PSE)).toString('hex').toUpperCase()).toBe(`${FCI}9000`);
    expect(card.received).toEqual([SELECT_PSE.toString('hex').toUpperCase(), '00C000001C']);
  });

  it('one exchange at a time', async () => {
    const { session } = await connected(new FakeCard(() => 'hang'));
    const first = session.transmit(SELECT_PSE);
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    first.catch(() => undefined);
  });

  it('a card pulled mid-exchange rejects with EMV_CARD_REMOVED and `removed` says card-removed', async () => {
    const { pcsc, session } = await connected(new FakeCard(() => 'hang'));
    const exchange = session.transmit(SELECT_PSE);
    pcsc.remove(READER);
    await expect(exchange).rejects.toMatchObject({ code: 'EMV_CARD_REMOVED', kind: 'disconnected', details: { reader: READER } });
    expect(await session.removed).toBe('card-removed');
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'EMV_CARD_REMOVED' });
  });

  it('an empty answer (vpcd when its card went) is EMV_CARD_REMOVED once pcscd sees the slot empty', async () => {
    const pcsc = new FakePcsc();
    const card = new FakeCard(() => {
      setTimeout(() => pcsc.remove(READER), 10);
      return Buffer.alloc(0);
    });
    const { session } = await connected(card, pcsc);
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'EMV_CARD_REMOVED' });
  });

  it('an answer without a status word while the card stays: PCSC_RESPONSE_INVALID after the settle time', async () => {
    const { session } = await connected(new FakeCard(() => hex('90')));
    const started = performance.now();
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'PCSC_RESPONSE_INVALID', kind: 'protocol', details: { reader: READER, length: 1 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
  });

  it('a failure PC/SC names as a communication error while the card stays: PCSC_TRANSMIT_FAILED', async () => {
    const { session } = await connected(new FakeCard(() => ({ fail: 'comm' })));
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'PCSC_TRANSMIT_FAILED', kind: 'io', details: { reader: READER, failure: 'comm' } });
  });

  it('disconnect leaves the card to pcscd by default; exchanges after it are DEVICE_CLOSED; `removed` still tells when the card leaves', async () => {
    const card = t0Card();
    const { pcsc, session } = await connected(card);
    session.disconnect();
    session.disconnect('reset');
    expect(card.dispositions).toEqual(['leave']);
    await expect(session.transmit(SELECT_PSE)).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    let removed: string | undefined;
    void session.removed.then((r) => (removed = r));
    await new Promise((r) => setTimeout(r, 30));
    expect(removed).toBeUndefined();
    pcsc.remove(READER);
    expect(await session.removed).toBe('card-removed');
  });

  it('close during an exchange: DEVICE_CLOSED at once; the card context is released only once the reader has answered', async () => {
    const { pcsc, slot, session } = await connected(new FakeCard(() => 'hang'));
    const exchange = session.transmit(SELECT_PSE);
    await slot.close();
    await expect(exchange).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    expect(await session.removed).toBe('slot-closed');
    expect(pcsc.contextsOpen).toBe(1); // SCardReleaseContext under a transmit in flight would block this thread
    pcsc.remove(READER);
    await new Promise((r) => setTimeout(r, 5));
    expect(pcsc.contextsOpen).toBe(0);
  });

  it('a card pulled and another inserted between two looks ends the first session', async () => {
    const { pcsc, slot, session } = await connected(t0Card());
    session.disconnect();
    const reader = pcsc.readers.get(READER);
    if (reader === undefined) throw new Error('no reader');
    // Both events land before the watcher looks again: the state still reads PRESENT, with another event count.
    reader.card = t0Card();
    reader.events += 2;
    pcsc.notify();
    expect(await session.removed).toBe('card-removed');
    await expect(slot.waitForCard()).resolves.toMatchObject({ reader: READER });
  });
});
