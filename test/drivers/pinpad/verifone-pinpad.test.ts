/** The PIN pad driver over the in-memory pair against a scripted pad, with fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { ACK, EOT, NAK, encodePacket } from '../../../drivers/verifone-pinpad/protocol.js';
import { createVerifonePinPad, type VerifonePinPad } from '../../../drivers/verifone-pinpad/verifone-pinpad.js';
import { Sensitive } from '../../../src/util/sensitive.js';
import { flushMicrotasks, track } from '../reader-harness.js';
import { rejection } from '../../pos-error.js';

let pad: MemoryTransport;
let driver: VerifonePinPad;
/** Bytes the driver wrote, chunk by chunk. */
let wrote: Buffer[];
const PAN = '4111111111111111';
const request = { pan: Sensitive.pan(PAN), amountMinor: 100, currency: '978', timeoutMs: 5000 };

beforeEach(() => {
  vi.useFakeTimers();
  const [host, dev] = createMemoryTransportPair({ host: 'mem:driver', device: 'mem:pinpad' });
  pad = dev;
  wrote = [];
  pad.onData((c) => wrote.push(Buffer.from(c)));
  driver = createVerifonePinPad(host, { ackTimeoutMs: 500, answerMarginMs: 1000 });
});

afterEach(async () => {
  await driver.close();
  vi.useRealTimers();
});

async function padSends(bytes: Uint8Array | number[]): Promise<void> {
  await pad.write(Buffer.from(bytes));
  await flushMicrotasks();
}

describe('VerifonePinPad link', () => {
  it('Z60 goes out as <STX>Z60.<PAN><FS>DUKPT ENCRYPTION<ETX>{LRC}; 73 is parsed into KSN and PIN block; the driver ACKs', async () => {
    const pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    expect(wrote[0]).toEqual(encodePacket('data', Buffer.from(`Z60.${PAN}\x1cDUKPT ENCRYPTION`, 'latin1')));
    await padSends([ACK]);
    await padSends(encodePacket('data', Buffer.from('73.000009876543210E000011122334455667788', 'latin1')));
    const result = await pending;
    expect(result.ksn.toString('hex').toUpperCase()).toBe('FFFF9876543210E00001');
    expect(result.pinBlock.reveal().toString('hex')).toBe('1122334455667788');
    expect(wrote.at(-1)).toEqual(Buffer.from([ACK]));
  });

  it('NAK → resend → ACK; three NAKs → EOT → DEVICE_LINK_FAILED', async () => {
    let shown = driver.showMessage(['HELLO']);
    await flushMicrotasks();
    await padSends([NAK]);
    expect(wrote).toHaveLength(2);
    expect(wrote[1]).toEqual(wrote[0]);
    await padSends([ACK]);
    await expect(shown).resolves.toBeUndefined();

    wrote = [];
    shown = driver.showMessage(['AGAIN']);
    await flushMicrotasks();
    for (let i = 0; i < 3; i++) await padSends([NAK]);
    const err = await rejection(shown);
    expect(err.code).toBe('DEVICE_LINK_FAILED');
    expect(wrote.at(-1)).toEqual(Buffer.from([EOT]));
    expect(driver.state()).toBe('connected');
  });

  it('no ACK → resend after each ACK timeout → DEVICE_NO_ANSWER', async () => {
    const shown = driver.showMessage(['X']);
    const state = track(shown);
    await flushMicrotasks();
    vi.advanceTimersByTime(500);
    await flushMicrotasks();
    vi.advanceTimersByTime(500);
    await flushMicrotasks();
    expect(wrote).toHaveLength(3);
    expect(state.settled).toBe(false);
    vi.advanceTimersByTime(500);
    const err = await rejection(shown);
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.details).toMatchObject({ command: 'Z2', attempts: 3 });
  });

  it('a bad LRC from the pad is NAKed, its resend read; after three bad ones the pad EOT fails the PIN request', async () => {
    let pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    const good = encodePacket('data', Buffer.from('715', 'latin1'));
    const bad = Buffer.from(good);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    await padSends(bad);
    expect(wrote.at(-1)).toEqual(Buffer.from([NAK]));
    await padSends(good);
    expect((await rejection(pending)).code).toBe('PIN_ENTRY_CANCELLED');
    await padSends([EOT]);

    pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    for (let i = 0; i < 3; i++) await padSends(bad);
    await padSends([EOT]);
    const err = await rejection(pending);
    expect(err.code).toBe('DEVICE_LINK_FAILED');
  });

  it('the pad closed mid-packet rejects the PIN request with kind disconnected', async () => {
    const pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    await padSends(encodePacket('data', Buffer.from('73.00000', 'latin1')).subarray(0, 4));
    pad.unplug();
    expect((await rejection(pending)).kind).toBe('disconnected');
    expect(driver.state()).toBe('disconnected');
  });

  it('no PIN within the request timeout: PIN_ENTRY_TIMEOUT and a 72 cancel to the pad', async () => {
    const pending = driver.requestPin({ ...request, timeoutMs: 2000 }, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    vi.advanceTimersByTime(3000);
    const err = await rejection(pending);
    expect(err.code).toBe('PIN_ENTRY_TIMEOUT');
    await flushMicrotasks();
    expect(wrote.at(-1)).toEqual(encodePacket('control', Buffer.from('72', 'latin1')));
  });

  it('a pad error code is PIN_PAD_ERROR with its meaning; a 73 with no PIN is cancelled', async () => {
    let pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    await padSends(encodePacket('data', Buffer.from('711', 'latin1')));
    const err = await rejection(pending);
    expect(err.code).toBe('PIN_PAD_ERROR');
    expect(err.details).toEqual({ device: 'verifone-pinpad', code: 'no-key' });
    pending = driver.requestPin(request, new AbortController().signal);
    await flushMicrotasks();
    await padSends([ACK]);
    await padSends(encodePacket('data', Buffer.from('73.00000', 'latin1')));
    expect((await rejection(pending)).code).toBe('PIN_ENTRY_CANCELLED');
  });
});
