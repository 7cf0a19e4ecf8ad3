import { afterEach, describe, expect, it } from 'vitest';
import { openSerialTransport } from '../../drivers/transport/serial-transport.js';
import { PosError } from '../../src/util/errors.js';
import { MockBinding, captureMockBinding } from './mock-binding.js';
import { rejection } from '../pos-error.js';

const PATH = '/dev/ttyMOCK0';

describe('serial transport over @serialport/binding-mock', () => {
  afterEach(() => {
    MockBinding.reset();
  });

  it('DEVICE_OPEN_FAILED names the path when the port does not exist', async () => {
    const err = await rejection(openSerialTransport({ path: PATH, baudRate: 9600 }, MockBinding));
    expect(err.code).toBe('DEVICE_OPEN_FAILED');
    expect(err.kind).toBe('io');
    expect(err.details).toEqual({ path: PATH, reason: 'open' });
  });

  it('DEVICE_OPEN_FAILED when the options are refused (no path)', async () => {
    const err = await rejection(openSerialTransport({ path: '', baudRate: 9600 }, MockBinding));
    expect(err.code).toBe('DEVICE_OPEN_FAILED');
    expect(err.details).toEqual({ path: '', reason: 'options' });
  });

  it('delivers received bytes, writes bytes out, and ends with no error on close()', async () => {
    MockBinding.createPort(PATH, { record: true });
    const mock = captureMockBinding();
    const t = await openSerialTransport({ path: PATH, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, mock.binding);
    expect(t.description).toBe(PATH);
    const received: Buffer[] = [];
    t.onData((c) => received.push(c));
    const ends: unknown[] = [];
    t.onClose((e) => ends.push(e));
    mock.port().emitData(Buffer.from('abc\r'));
    await expect.poll(() => Buffer.concat(received).toString()).toBe('abc\r');
    await t.write(Buffer.from([0x02, 0x03]));
    expect(mock.port().recording).toEqual(Buffer.from([0x02, 0x03]));
    await t.close();
    await t.close();
    expect(ends).toEqual([undefined]);
    const err = await rejection(t.write(Buffer.from([1])));
    expect(err.code).toBe('DEVICE_CLOSED');
    expect(err.kind).toBe('disconnected');
  });

  it('a failing read (device unplugged) ends the transport with DEVICE_DISCONNECTED, kind disconnected', async () => {
    MockBinding.createPort(PATH);
    const mock = captureMockBinding();
    const t = await openSerialTransport({ path: PATH, baudRate: 9600 }, mock.binding);
    const ended = new Promise<PosError | undefined>((resolve) => t.onClose(resolve));
    mock.unplugOnNextRead();
    mock.port().emitData(Buffer.from('x')); // completes the read in flight; the next one fails
    const err = await ended;
    expect(err?.code).toBe('DEVICE_DISCONNECTED');
    expect(err?.kind).toBe('disconnected');
    expect(err?.details).toEqual({ path: PATH });
  });
});
