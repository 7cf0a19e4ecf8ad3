/**
 * The ViVOpay driver over the in-memory pair against a scripted reader, with
 * fake timers: resends, retries, typed errors, disconnects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { VivopayFramer } from '../../../drivers/vivopay/framer.js';
import { createVivopayReader, type VivopayReader } from '../../../drivers/vivopay/vivopay-reader.js';
import { encodeResponse } from '../../../hw-mocks/vivopay/command-framer.js';
import { encode } from '../../../src/emv/index.js';
import { flushMicrotasks, REQUEST, track } from '../reader-harness.js';
import { rejection } from '../../pos-error.js';

/** Commands the scripted reader received, as `cmd-sub` hex. */
let received: string[];
let device: MemoryTransport;
let reader: VivopayReader;

beforeEach(() => {
  vi.useFakeTimers();
  const [host, dev] = createMemoryTransportPair({ host: 'mem:driver', device: 'mem:vivopay' });
  device = dev;
  received = [];
  const commands = new VivopayFramer({ maxFrameBytes: 1024, interByteTimeoutMs: 100, onTimeout: () => undefined, crcOrder: 'lsb-first' });
  device.onData((chunk) => {
    for (const e of commands.push(chunk)) if (e.type === 'frame') received.push(`${e.frame.command.toString(16)}-${e.frame.status.toString(16)}`);
  });
  reader = createVivopayReader(host);
});

afterEach(async () => {
  await reader.close();
  vi.useRealTimers();
});

async function answer(bytes: Buffer): Promise<void> {
  await device.write(bytes);
  await flushMicrotasks();
}

describe('VivopayReader link', () => {
  it('a corrupt answer → resend → the good answer is read', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    const bad = encodeResponse(0x18, 0x00);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    await answer(bad);
    expect(received).toEqual(['18-1', '18-1']);
    await answer(encodeResponse(0x18, 0x00));
    await expect(ping).resolves.toBeUndefined();
  });

  it('three CRC-error statuses from the reader → DEVICE_LINK_FAILED; the port stays open', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    for (let i = 0; i < 3; i++) await answer(encodeResponse(0x18, 0x04));
    const err = await rejection(ping);
    expect(err.code).toBe('DEVICE_LINK_FAILED');
    expect(err.details).toEqual({ device: 'vivopay', command: 'ping', attempts: 3, why: 'crc-status' });
    expect(received).toHaveLength(3);
    expect(reader.state()).toBe('connected');
  });

  it('no answer → resend at each answer timeout → DEVICE_NO_ANSWER after the retries', async () => {
    const ping = reader.ping();
    const state = track(ping);
    await flushMicrotasks();
    vi.advanceTimersByTime(1000);
    await flushMicrotasks();
    expect(received).toEqual(['18-1', '18-1']);
    vi.advanceTimersByTime(1000);
    await flushMicrotasks();
    expect(state.settled).toBe(false);
    vi.advanceTimersByTime(1000);
    const err = await rejection(ping);
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.kind).toBe('timeout');
    expect(err.details).toEqual({ device: 'vivopay', command: 'ping', attempts: 3, timeoutMs: 1000 });
  });

  it('garbage between frames and an answer split byte by byte still settle the right command', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    await answer(Buffer.from('noise\x00\xff', 'latin1'));
    for (const b of encodeResponse(0x18, 0x00)) await answer(Buffer.from([b]));
    await expect(ping).resolves.toBeUndefined();
  });

  it('an error status is DEVICE_STATUS_ERROR naming command and status', async () => {
    const config = reader.getConfiguration();
    await flushMicrotasks();
    await answer(encodeResponse(0x03, 0x0b));
    const err = await rejection(config);
    expect(err.code).toBe('DEVICE_STATUS_ERROR');
    expect(err.details).toEqual({ device: 'vivopay', command: 'getConfiguration', status: 0x0b });
  });

  it('the device closed mid-frame rejects the armed read with kind disconnected', async () => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await answer(encodeResponse(0x60, 0x00, Buffer.alloc(20)).subarray(0, 17));
    device.unplug();
    const err = await rejection(read);
    expect(err.kind).toBe('disconnected');
    expect(reader.state()).toBe('disconnected');
  });

  it('no card in time (status 08) is CHIP_NO_CARD; a chip failure without fallback is CHIP_READ_FAILED', async () => {
    let read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await answer(encodeResponse(0x60, 0x08));
    expect((await rejection(read)).code).toBe('CHIP_NO_CARD');
    read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await answer(encodeResponse(0x60, 0x0a, encode([{ tag: 'DFEE26', value: Buffer.from([0x02]) }])));
    const err = await rejection(read);
    expect(err.code).toBe('CHIP_READ_FAILED');
    expect(err.details).toEqual({ device: 'vivopay', reason: 'chip-unreadable' });
  });

  it('a chip answer without 57 or without an ARQC is CHIP_DATA_INVALID naming the tag', async () => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await answer(encodeResponse(0x60, 0x00, encode([{ tag: 'DFEE25', value: Buffer.from([0x05]) }, { tag: '9F26', value: Buffer.alloc(8) }])));
    const err = await rejection(read);
    expect(err.code).toBe('CHIP_DATA_INVALID');
    expect(err.details).toEqual({ tag: '57' });
  });

  it('completeChip with no chip read waiting is CHIP_NO_TRANSACTION; a second read while one is armed is busy', async () => {
    const err = await rejection(reader.completeChip({ approved: true, responseCode: '00', issuerTlv: Buffer.alloc(0) }, new AbortController().signal));
    expect(err.code).toBe('CHIP_NO_TRANSACTION');
    expect(err.kind).toBe('state');
    const first = reader.readCard(REQUEST, new AbortController().signal);
    expect((await rejection(reader.readCard(REQUEST, new AbortController().signal))).kind).toBe('busy');
    await reader.close();
    expect((await rejection(first)).kind).toBe('cancelled');
  });

  it('the start command carries fallback, the card timeout and 9F02/9C/5F2A', async () => {
    const frames: Buffer[] = [];
    device.onData((c) => frames.push(c));
    void reader.readCard(REQUEST, new AbortController().signal).catch(() => undefined);
    await flushMicrotasks();
    const frame = Buffer.concat(frames);
    // [header 10][60][10][len 2] then [01][003C][0000] then 9F02 06 000000001000, 9C 01 00, 5F2A 02 0978
    expect(frame.subarray(14, frame.length - 2).toString('hex').toUpperCase()).toBe('01003C00009F02060000000010009C01005F2A020978');
  });
});
