import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSerialMsrReader, type SerialMsrReader } from '../../drivers/msr-serial/msr-serial-reader.js';
import { createMemoryTransportPair, type MemoryTransport } from '../../drivers/transport/memory-transport.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { createVirtualSerialMsr, swipeLine, type VirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import type { Logger } from '../../src/log/logger.js';
import { REQUEST, captureLog, deckCard, flushMicrotasks, readSwiped, track } from './reader-harness.js';
import { rejection } from '../pos-error.js';

const CR = '\r';
const VISA = deckCard('visa-ok');
const VISA_PAN = VISA.pan;

interface Rig {
  reader: SerialMsrReader;
  msr: VirtualSerialMsr;
  host: MemoryTransport;
  device: MemoryTransport;
}

let rigs: Rig[] = [];
function rig(options: { logger?: Logger; maxLineBytes?: number; interByteTimeoutMs?: number; chunkBytes?: number } = {}): Rig {
  const [host, device] = createMemoryTransportPair();
  const { chunkBytes, ...driverOptions } = options;
  const r = { reader: createSerialMsrReader(host, driverOptions), msr: createVirtualSerialMsr(device, chunkBytes === undefined ? {} : { chunkBytes }), host, device };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const r of rigs) await r.reader.close();
  rigs = [];
});

describe('serial MSR driver over an in-memory pair', () => {
  it('a swipe of visa-ok resolves the armed read with the card, entry mode swipe', async () => {
    const { reader, msr } = rig();
    const { entryMode, card } = await readSwiped(reader, msr, VISA);
    expect(entryMode).toBe('swipe');
    expect(card.pan.revealText()).toBe(VISA_PAN);
    expect(card.brand).toBe('visa');
    expect(card.expiry).toEqual({ year: 2030, month: 12 });
    expect(card.serviceCode).toBe('101');
    expect(card.cardholderName?.revealText()).toBe('TEST/CARD ONE');
    expect(reader.state()).toBe('connected');
  });

  it('reads the same card whatever the split: at every offset of the line', async () => {
    const wire = Buffer.concat([swipeLine(VISA), Buffer.from(CR)]);
    for (let at = 0; at <= wire.length; at++) {
      const { reader, msr } = rig();
      const read = reader.readCard(REQUEST, new AbortController().signal);
      await msr.writeRaw(wire.subarray(0, at));
      await flushMicrotasks();
      await msr.writeRaw(wire.subarray(at));
      expect((await read).card.pan.revealText()).toBe(VISA_PAN);
      await reader.close();
    }
  });

  it('reads the same card fed one byte at a time, with CR LF line ends', async () => {
    const { reader, msr } = rig({ chunkBytes: 1 });
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await msr.writeRaw(Buffer.concat([swipeLine(VISA), Buffer.from('\r\n')]));
    expect((await read).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('garbage then a good line: the garbage rejects the read with a card error, the port stays open, the next swipe reads', async () => {
    const { reader, msr } = rig();
    const first = reader.readCard(REQUEST, new AbortController().signal);
    await msr.writeLine(Buffer.from([0xff, 0x00, 0x41, 0x42]));
    const err = await rejection(first);
    expect(err.code).toBe('CARD_SWIPE_UNREADABLE');
    expect(err.details).toEqual({ offset: 0, rule: 'outside-track' });
    expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('an overlong line without CR rejects with DEVICE_LINE_TOO_LONG and is discarded up to the next CR', async () => {
    const { reader, msr } = rig({ maxLineBytes: 128 });
    const first = reader.readCard(REQUEST, new AbortController().signal);
    await msr.writeRaw(Buffer.alloc(200, 0x55));
    const err = await rejection(first);
    expect(err.code).toBe('DEVICE_LINE_TOO_LONG');
    expect(err.kind).toBe('protocol');
    expect(err.details).toEqual({ maxLineBytes: 128, receivedBytes: 200 });
    await msr.writeRaw(Buffer.from(`${'U'.repeat(500)}${CR}`));
    expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('a partial line then silence rejects with DEVICE_READ_TIMEOUT after the inter-byte timeout; the next swipe reads whole', async () => {
    vi.useFakeTimers();
    const { reader, msr } = rig({ interByteTimeoutMs: 300 });
    const first = reader.readCard(REQUEST, new AbortController().signal);
    const state = track(first);
    await msr.writeRaw(swipeLine(VISA).subarray(0, 30));
    await flushMicrotasks();
    vi.advanceTimersByTime(299);
    await flushMicrotasks();
    expect(state.settled).toBe(false);
    vi.advanceTimersByTime(1);
    const err = await rejection(first);
    expect(err.code).toBe('DEVICE_READ_TIMEOUT');
    expect(err.kind).toBe('timeout');
    expect(err.details).toEqual({ pendingBytes: 30, timeoutMs: 300 });
    expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('the device going away mid-read rejects with kind disconnected, and state() says so', async () => {
    const { reader, host } = rig();
    const read = reader.readCard(REQUEST, new AbortController().signal);
    host.unplug();
    const err = await rejection(read);
    expect(err.code).toBe('DEVICE_DISCONNECTED');
    expect(err.kind).toBe('disconnected');
    expect(reader.state()).toBe('disconnected');
    expect((await rejection(reader.readCard(REQUEST, new AbortController().signal))).kind).toBe('disconnected');
  });

  it('the device end closing is the device going away', async () => {
    const { reader, msr } = rig();
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await msr.close();
    expect((await rejection(read)).code).toBe('DEVICE_DISCONNECTED');
    expect(reader.state()).toBe('disconnected');
  });

  it('abort rejects with kind cancelled and disarms: a later swipe is dropped, the next read gets the next swipe', async () => {
    const { reader, msr } = rig();
    const controller = new AbortController();
    const read = reader.readCard(REQUEST, controller.signal);
    controller.abort();
    const err = await rejection(read);
    expect(err.code).toBe('DEVICE_READ_CANCELLED');
    expect(err.kind).toBe('cancelled');
    expect(err.details).toEqual({ device: 'msr-serial', reason: 'aborted' });
    await msr.swipe(deckCard('mc-low-funds'));
    await flushMicrotasks();
    expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('an already-aborted signal rejects at once with kind cancelled', async () => {
    const { reader } = rig();
    expect((await rejection(reader.readCard(REQUEST, AbortSignal.abort()))).kind).toBe('cancelled');
  });

  it('a second read while one is armed rejects with kind busy; the first still reads', async () => {
    const { reader, msr } = rig();
    const first = reader.readCard(REQUEST, new AbortController().signal);
    const err = await rejection(reader.readCard(REQUEST, new AbortController().signal));
    expect(err.code).toBe('DEVICE_BUSY');
    expect(err.kind).toBe('busy');
    await msr.swipe(VISA);
    expect((await first).card.pan.revealText()).toBe(VISA_PAN);
  });

  it('close() cancels an armed read, is idempotent, closes the transport, and later reads reject', async () => {
    const { reader, device } = rig();
    const deviceEnded = new Promise((resolve) => device.onClose(resolve));
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await Promise.all([reader.close(), reader.close()]);
    const err = await rejection(read);
    expect(err.kind).toBe('cancelled');
    expect(err.details).toEqual({ device: 'msr-serial', reason: 'closed' });
    expect(reader.state()).toBe('closed');
    expect(await deviceEnded).toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect((await rejection(reader.readCard(REQUEST, new AbortController().signal))).code).toBe('DEVICE_CLOSED');
  });

  it.each([
    ['mc-damaged', 'CARD_SWIPE_UNREADABLE', { offset: 0, rule: 'outside-track' }],
    ['visa-bad-luhn', 'CARD_PAN_LUHN', { track: 2, length: 16 }],
  ])('deck card %s rejects with %s, nothing sensitive in the error', async (id, code, details) => {
    const { reader, msr } = rig();
    const card = deckCard(id);
    const err = await rejection(readSwiped(reader, msr, card));
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
    const printed = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
    expect(printed).not.toContain(card.pan);
    expect(printed).not.toContain(card.pan.slice(6, 12));
    expect(reader.state()).toBe('connected');
  });

  it('a swipe while nothing is armed is dropped and logged masked at debug; the debug log never holds a PAN or a name', async () => {
    const log = captureLog();
    const { reader, msr } = rig({ logger: log.logger });
    await msr.swipe(deckCard('mc-low-funds'));
    await flushMicrotasks();
    expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
    await rejection(readSwiped(reader, msr, deckCard('visa-bad-luhn')));
    const text = log.text();
    expect(text).toContain('swipe while no read is armed');
    expect(text).toContain('411111******1111');
    for (const secret of [VISA_PAN, '5555555555554444', '4111111111111112', 'TEST/CARD', '3012101']) expect(text).not.toContain(secret);
  });

  it('zeroes every chunk the port gave it once framed: a read swipe, a dropped swipe and garbage leave no track characters', async () => {
    const [host, device] = createMemoryTransportPair();
    const delivered: Buffer[] = [];
    const tapped: ByteTransport = {
      description: host.description,
      write: (bytes) => host.write(bytes),
      onData: (listener) =>
        host.onData((chunk) => {
          delivered.push(chunk);
          listener(chunk);
        }),
      onClose: (listener) => host.onClose(listener),
      close: () => host.close(),
    };
    const reader = createSerialMsrReader(tapped);
    const msr = createVirtualSerialMsr(device, { chunkBytes: 7 });
    try {
      expect((await readSwiped(reader, msr, VISA)).card.pan.revealText()).toBe(VISA_PAN);
      await msr.swipe(VISA);
      await msr.writeLine(Buffer.from('%B4111111111111111^NOT A CARD', 'latin1'));
      await flushMicrotasks();
      expect(delivered.length).toBeGreaterThan(20);
      for (const chunk of delivered) expect([...chunk]).toEqual(new Array<number>(chunk.length).fill(0));
    } finally {
      await reader.close();
    }
  });
});
