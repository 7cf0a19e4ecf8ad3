import { afterEach, describe, expect, it } from 'vitest';
import { MSR_SERIAL_KIND } from '../../drivers/msr-serial/kind.js';
import { swipeLine } from '../../hw-mocks/msr/virtual-serial-msr.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import { deviceContext } from './device-context.js';
import { MockBinding, captureMockBinding } from './mock-binding.js';
import { REQUEST, deckCard } from './reader-harness.js';
import { rejection } from '../pos-error.js';

const PATH = '/dev/ttyMSR0';
const VISA = deckCard('visa-ok');
const wire = (text: Buffer | string): Buffer => Buffer.concat([Buffer.from(text), Buffer.from('\r')]);

let readers: CardReader[] = [];
afterEach(async () => {
  for (const r of readers) await r.close();
  readers = [];
  MockBinding.reset();
});

/** The reader as its kind opens it for `reader: { type: 'msr-serial', path, baudRate: 9600 }`. */
async function open(maxReadSize?: number): Promise<{ reader: CardReader; mock: ReturnType<typeof captureMockBinding> }> {
  MockBinding.createPort(PATH, maxReadSize === undefined ? {} : { maxReadSize });
  const mock = captureMockBinding();
  const { device: reader } = await MSR_SERIAL_KIND.open({ path: PATH, baudRate: 9600 }, deviceContext(undefined, mock.binding));
  readers.push(reader);
  return { reader, mock };
}

describe('serial MSR driver over @serialport/binding-mock', () => {
  it('opens at 9600 8N1 and reads a swipe', async () => {
    const { reader, mock } = await open();
    expect(mock.port().openOptions).toMatchObject({ path: PATH, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    const read = reader.readCard(REQUEST, new AbortController().signal);
    mock.port().emitData(wire(swipeLine(VISA)));
    expect((await read).card.pan.revealText()).toBe(VISA.pan);
  });

  it('reads a swipe delivered in 3-byte reads (maxReadSize)', async () => {
    const { reader, mock } = await open(3);
    const read = reader.readCard(REQUEST, new AbortController().signal);
    mock.port().emitData(wire(swipeLine(VISA)));
    expect((await read).card.brand).toBe('visa');
  });

  it('a bad line rejects the read; the port stays open for the next swipe', async () => {
    const { reader, mock } = await open();
    const first = reader.readCard(REQUEST, new AbortController().signal);
    mock.port().emitData(wire(';E?')); // the reader could not read track 2
    expect((await rejection(first)).code).toBe('CARD_SWIPE_UNREADABLE');
    expect(mock.port().isOpen).toBe(true);
    const second = reader.readCard(REQUEST, new AbortController().signal);
    mock.port().emitData(wire(swipeLine(VISA)));
    expect((await second).card.pan.revealText()).toBe(VISA.pan);
  });

  it('the port failing mid-read (unplugged) rejects with kind disconnected', async () => {
    const { reader, mock } = await open();
    const read = reader.readCard(REQUEST, new AbortController().signal);
    mock.unplugOnNextRead();
    mock.port().emitData(Buffer.from('%B41'));
    const err = await rejection(read);
    expect(err.code).toBe('DEVICE_DISCONNECTED');
    expect(err.details).toEqual({ path: PATH });
    expect(reader.state()).toBe('disconnected');
  });

  it('opening a port that does not exist is DEVICE_OPEN_FAILED with the path', async () => {
    const err = await rejection(MSR_SERIAL_KIND.open({ path: '/dev/ttyNONE', baudRate: 9600 }, deviceContext(undefined, MockBinding)));
    expect(err.code).toBe('DEVICE_OPEN_FAILED');
    expect(err.details).toEqual({ path: '/dev/ttyNONE', reason: 'open' });
  });
});
