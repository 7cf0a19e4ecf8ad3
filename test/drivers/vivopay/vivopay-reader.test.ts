/**
 * The NEO 2 driver over the in-memory pair against a scripted reader, with
 * fake timers: the contact flow frame by frame (60-10, 60-11 with the
 * reader's 61-02, 60-12), the reader's statuses and result codes as typed
 * errors, the link's resends, 63 acceptance, a lost answer recovered with
 * 60-13, cancel, disconnects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { VivopayFramer, type VivopayFrame } from '../../../drivers/vivopay/framer.js';
import { createVivopayReader, type VivopayReader } from '../../../drivers/vivopay/vivopay-reader.js';
import { encodeReaderCommand, encodeResponse } from '../../../hw-mocks/vivopay/command-framer.js';
import { msrDataBlock } from '../../../hw-mocks/vivopay/msr-data.js';
import { displayData, pinControlData } from '../../../hw-mocks/vivopay/reader-callbacks.js';
import { encode, type TlvInput } from '../../../src/emv/index.js';
import type { CardRead, ReadRequest } from '../../../src/devices/card-reader.js';
import { deckCard, flushMicrotasks, REQUEST, track } from '../reader-harness.js';
import { rejection } from '../../pos-error.js';
import type { ChipCard } from '../../../src/card/types.js';
import { PosError } from '../../../src/util/errors.js';

/** Frames the scripted reader received: commands and the driver's answers to its 61-xx. */
let received: VivopayFrame[];
let device: MemoryTransport;
let reader: VivopayReader;

beforeEach(() => {
  vi.useFakeTimers();
  const [host, dev] = createMemoryTransportPair({ host: 'mem:driver', device: 'mem:vivopay' });
  device = dev;
  received = [];
  const frames = new VivopayFramer({ maxFrameBytes: 1024, interByteTimeoutMs: 100, onTimeout: () => undefined, crcOrder: 'either' });
  device.onData((chunk) => {
    for (const e of frames.push(chunk)) if (e.type === 'frame') received.push(e.frame);
  });
  reader = createVivopayReader(host);
});

afterEach(async () => {
  await reader.close();
  vi.useRealTimers();
});

const VISA_T2 = Buffer.from('4111111111111111D30121011234567890', 'hex');

async function send(bytes: Buffer): Promise<void> {
  await device.write(bytes);
  await flushMicrotasks();
}

/** What the reader was sent, as `cmd-sub` (commands) or `cmd:status` (answers to its 61-xx). */
function log(): string[] {
  return received.map((f) => (f.crcOrder === 'lsb-first' ? `${hex(f.command)}-${hex(f.status)}` : `${hex(f.command)}:${hex(f.status)}`));
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

/** A 60-1x answer: [result code][TLV…]. */
function contact(status: number, result: number, tlv: readonly TlvInput[] = []): Buffer {
  return encodeResponse(0x60, status, Buffer.concat([Buffer.from([result >> 8, result & 0xff]), encode(tlv)]));
}

const ACCEPTED = encodeResponse(0x60, 0x63);
const APPLICATION = [
  { tag: '57', value: VISA_T2 },
  { tag: '5A', value: Buffer.from('4111111111111111', 'hex') },
  { tag: '84', value: Buffer.from('A0000000031010', 'hex') },
  { tag: '9F39', value: Buffer.from([0x05]) },
];
const ONLINE = [
  ...APPLICATION,
  { tag: '82', value: Buffer.from('1800', 'hex') },
  { tag: '95', value: Buffer.from('8000008000', 'hex') },
  { tag: '9B', value: Buffer.from('E800', 'hex') },
  { tag: '9F26', value: Buffer.from('1122334455667788', 'hex') },
  { tag: '9F27', value: Buffer.from([0x80]) },
  { tag: '9F36', value: Buffer.from('0042', 'hex') },
  { tag: '9F34', value: Buffer.from('420300', 'hex') },
  { tag: 'DFEE51', value: Buffer.alloc(10) },
];

/** Arms a read and answers 60-10 with the chip's application data. */
async function chipStarted(request: ReadRequest = REQUEST): Promise<{ read: Promise<CardRead> }> {
  const read = reader.readCard(request, new AbortController().signal);
  await flushMicrotasks();
  await send(ACCEPTED);
  await send(contact(0x00, 0x0010, APPLICATION));
  return { read };
}

describe('VivopayReader, the contact flow (guide 8.4.2)', () => {
  it('60-10 carries fallback, TimeOut1, TimeOut2 and the Transaction Data List, CRC low byte first', async () => {
    void reader.readCard(REQUEST, new AbortController().signal).catch(() => undefined);
    await flushMicrotasks();
    expect(log()).toEqual(['60-10']);
    expect(received[0]!.data.toString('hex').toUpperCase()).toBe('01003C001E9F02060000000010009C01005F2A0209789F0306000000000000');
  });

  it('online: 60-10 → 0010, 60-11 with the reader’s 61-02 PIN entry → 0004; 60-12 → TC approves', async () => {
    let entered: () => void = () => undefined;
    const enterOnlinePin = vi.fn((card: ChipCard) => {
      expect(card.pan.revealText()).toBe('4111111111111111');
      return new Promise<void>((resolve) => (entered = resolve));
    });
    const { read } = await chipStarted({ ...REQUEST, enterOnlinePin });
    expect(log()).toEqual(['60-10', '60-11']);
    await send(ACCEPTED);
    await send(encodeReaderCommand(0x61, 0x02, pinControlData()));
    // The engine's PIN dialog runs during 60-11 (8.4.2): the reader hears nothing until the PIN is in.
    expect(enterOnlinePin).toHaveBeenCalledOnce();
    expect(log()).toEqual(['60-10', '60-11']);
    entered();
    await flushMicrotasks();
    expect(log()).toEqual(['60-10', '60-11', '61:00']);
    expect(received[2]!.data.toString('hex')).toBe('0100000000'); // entered, on the terminal's own PIN pad: no KSN, no block
    await send(contact(0x00, 0x0004, ONLINE));
    const got = await read;
    expect(got.pinRequired).toBeUndefined();
    expect(got).toMatchObject({ entryMode: 'chip', firstDecision: 'online', onlinePinEntered: true, emv: { aid: 'A0000000031010', cryptogramType: 'ARQC', cvmResults: '420300' } });
    expect(got.card.pan.revealText()).toBe('4111111111111111');
    const dataForHost = got.chip!.tlv.reveal().toString('hex').toUpperCase();
    expect(dataForHost).toContain('9F26081122334455667788');
    expect(dataForHost).not.toContain('DFEE51');

    const done = reader.completeChip({ approved: true, responseCode: '00', issuerTlv: encode([{ tag: '91', value: Buffer.from('0102030405060708', 'hex') }]) }, new AbortController().signal);
    await flushMicrotasks();
    expect(log().at(-1)).toBe('60-12');
    expect(received.at(-1)!.data.toString('hex').toUpperCase()).toBe('8A023030' + '91080102030405060708');
    await send(ACCEPTED);
    await send(contact(0x00, 0x0002, [{ tag: '9F27', value: Buffer.from([0x40]) }, { tag: '95', value: Buffer.alloc(5) }, { tag: '9B', value: Buffer.from('E800', 'hex') }, { tag: '84', value: Buffer.from('A0000000031010', 'hex') }]));
    expect(await done).toMatchObject({ decision: 'approved', emv: { tsi: 'E800' } });
  });

  it('offline outcomes of the first GENERATE AC: 0000 approved offline, 0001 declined offline; no completion follows', async () => {
    for (const [result, decision] of [[0x0000, 'approved-offline'], [0x0001, 'declined-offline']] as const) {
      const { read } = await chipStarted();
      await send(ACCEPTED);
      await send(contact(0x00, result, [...APPLICATION, { tag: '9F27', value: Buffer.from([result === 0 ? 0x40 : 0x00]) }]));
      expect(await read).toMatchObject({ firstDecision: decision });
      expect((await rejection(reader.completeChip({ approved: true, responseCode: '00', issuerTlv: Buffer.alloc(0) }, new AbortController().signal))).code).toBe('CHIP_NO_TRANSACTION');
    }
  });

  it('unable to go online: 60-12 goes empty, the reader’s kernel decides; an AAC declines', async () => {
    const { read } = await chipStarted();
    await send(ACCEPTED);
    await send(contact(0x00, 0x0004, ONLINE));
    await read;
    const done = reader.completeChip({ unableToGoOnline: true, approved: false, responseCode: '', issuerTlv: Buffer.alloc(0) }, new AbortController().signal);
    await flushMicrotasks();
    expect(received.at(-1)!.data).toHaveLength(0);
    await send(contact(0x00, 0x0003, [{ tag: '9F27', value: Buffer.from([0x00]) }, { tag: '8A', value: Buffer.from('Z3', 'latin1') }]));
    expect((await done).decision).toBe('declined');
  });

  it('a transaction the engine left open (no PIN given, no completion) is cancelled on the reader before the next 60-10', async () => {
    const { read } = await chipStarted();
    await send(contact(0x00, 0x0004, ONLINE));
    await read;
    void reader.readCard(REQUEST, new AbortController().signal).catch(() => undefined);
    await flushMicrotasks();
    expect(log().slice(2)).toEqual(['05-01']);
    await send(encodeResponse(0x05, 0x00));
    expect(log().slice(2)).toEqual(['05-01', '60-10']);
  });

  /** 60-11 accepted, then the reader's 61-02 for an online PIN, which `enterOnlinePin` answers. */
  async function pinAsked(enterOnlinePin: NonNullable<ReadRequest['enterOnlinePin']>): Promise<{ read: Promise<CardRead> }> {
    const started = await chipStarted({ ...REQUEST, enterOnlinePin });
    await send(ACCEPTED);
    await send(encodeReaderCommand(0x61, 0x02, pinControlData()));
    await flushMicrotasks();
    return started;
  }

  it('the cardholder cancels at the PIN pad: 61-02 answered cancel (00), the reader ends 60-11, and the read rejects with the PIN dialog’s error', async () => {
    const outcome = rejection((await pinAsked(() => Promise.reject(new PosError('PIN_ENTRY_CANCELLED', 'cancelled', {})))).read);
    expect(log().at(-1)).toBe('61:00');
    expect(received.at(-1)!.data.toString('hex')).toBe('00');
    await send(contact(0x0a, 0x0012, []));
    expect(await outcome).toMatchObject({ code: 'PIN_ENTRY_CANCELLED' });
  });

  it('a PIN pad that cannot take a PIN: 61-02 is answered Failed, the read goes on without one', async () => {
    const { read } = await pinAsked(() => Promise.reject(new PosError('PIN_PAD_ERROR', 'the pad refused', {})));
    expect(log().at(-1)).toBe('61:0A');
    await send(contact(0x00, 0x0004, ONLINE));
    expect(await read).not.toHaveProperty('onlinePinEntered');
  });

  it('the PIN pad went away mid-entry: 61-02 answered entered, and the read asks the engine for the PIN after it (pinRequired)', async () => {
    const { read } = await pinAsked(() => Promise.reject(new PosError('DEVICE_DISCONNECTED', 'gone', {})));
    expect(log().at(-1)).toBe('61:00');
    expect(received.at(-1)!.data.toString('hex')).toBe('0100000000');
    await send(contact(0x00, 0x0004, ONLINE));
    const got = await read;
    expect(got).toMatchObject({ pinRequired: true });
    expect(got).not.toHaveProperty('onlinePinEntered');
  });

  it('no PIN pad: 61-02 is answered Failed, so the reader’s CVM finds no PIN pad', async () => {
    const { read } = await chipStarted();
    await send(ACCEPTED);
    await send(encodeReaderCommand(0x61, 0x02, pinControlData()));
    expect(log().at(-1)).toBe('61:0A');
    await send(contact(0x00, 0x0004, ONLINE));
    expect(await read).not.toHaveProperty('pinRequired');
  });

  it('61-01 USE MAGSTRIPE tells the engine to ask for the stripe; the fallback swipe reads as fallback', async () => {
    const useStripe = vi.fn();
    const read = reader.readCard({ ...REQUEST, useStripe }, new AbortController().signal);
    await flushMicrotasks();
    await send(ACCEPTED);
    await send(encodeReaderCommand(0x61, 0x01, displayData(['USE MAGSTRIPE'])));
    expect(useStripe).toHaveBeenCalledOnce();
    expect(log()).toEqual(['60-10', '61:00']);
    await send(contact(0x00, 0x0011, [{ tag: 'DFEE23', value: msrDataBlock(deckCard('visa-ok')) }, { tag: '9F39', value: Buffer.from([0x80]) }]));
    expect((await read).entryMode).toBe('fallback');
  });

  it('a swipe ends at 60-10: a stripe-only card is a swipe, a chip card is CHIP_CARD_SWIPED', async () => {
    const card = deckCard('visa-ok');
    let read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await send(contact(0x00, 0x0011, [{ tag: 'DFEE23', value: msrDataBlock({ ...card, serviceCode: '101' }) }, { tag: '9F39', value: Buffer.from([0x90]) }]));
    expect(await read).toMatchObject({ entryMode: 'swipe', card: { serviceCode: '101' } });
    read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await send(contact(0x00, 0x0011, [{ tag: 'DFEE23', value: msrDataBlock({ ...card, serviceCode: '201' }) }, { tag: '9F39', value: Buffer.from([0x90]) }]));
    expect((await rejection(read)).details).toEqual({ device: 'vivopay', serviceCodeDigit1: 2 });
  });

  it.each([
    ['08 Timeout', 'CHIP_NO_CARD', encodeResponse(0x60, 0x08), { device: 'vivopay' }],
    ['0A, fallback situation without fallback', 'CHIP_READ_FAILED', contact(0x0a, 0x3004), { device: 'vivopay', reason: 'chip-unreadable' }],
    ['0A, card blocked', 'CHIP_READ_FAILED', contact(0x0a, 0x5023), { device: 'vivopay', reason: 'card-blocked' }],
    ['0A, card absent', 'EMV_CARD_REMOVED', contact(0x0a, 0x3005), { device: 'vivopay', command: 'startTransaction' }],
    ['0B Command not Allowed', 'DEVICE_STATUS_ERROR', encodeResponse(0x60, 0x0b), { device: 'vivopay', command: 'startTransaction', status: 0x0b, result: -1 }],
    ['00 with an unknown result', 'DEVICE_STATUS_ERROR', contact(0x00, 0x0099), { device: 'vivopay', command: 'startTransaction', status: 0, result: 0x99 }],
  ])('60-10 answered %s → %s', async (_name, code, answer, details) => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await send(answer);
    const err = await rejection(read);
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
  });

  it('a chip answer without 57, or an online request without an ARQC, is CHIP_DATA_INVALID naming the tag', async () => {
    let read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await send(contact(0x00, 0x0010, [{ tag: '84', value: Buffer.from('A0000000031010', 'hex') }]));
    expect((await rejection(read)).details).toEqual({ tag: '57' });
    ({ read } = await chipStarted());
    await send(contact(0x00, 0x0004, APPLICATION));
    expect((await rejection(read)).details).toEqual({ tag: '9F26' });
  });

  it('the card pulled during 60-12 is EMV_CARD_REMOVED', async () => {
    const { read } = await chipStarted();
    await send(contact(0x00, 0x0004, ONLINE));
    await read;
    const done = reader.completeChip({ approved: true, responseCode: '00', issuerTlv: Buffer.alloc(0) }, new AbortController().signal);
    await flushMicrotasks();
    await send(ACCEPTED);
    await send(contact(0x0a, 0x3005));
    expect((await rejection(done)).code).toBe('EMV_CARD_REMOVED');
  });

  it('abort: 05-01 goes out, the reader’s stale “cancelled” answer is dropped, the read rejects once 05 is answered', async () => {
    const ac = new AbortController();
    const read = reader.readCard(REQUEST, ac.signal);
    const state = track(read);
    await flushMicrotasks();
    await send(ACCEPTED);
    ac.abort();
    await flushMicrotasks();
    expect(log()).toEqual(['60-10', '05-01']);
    await send(contact(0x0a, 0x0012));
    expect(state.settled).toBe(false);
    await send(encodeResponse(0x05, 0x00));
    expect((await rejection(read)).code).toBe('DEVICE_READ_CANCELLED');
  });
});

describe('VivopayReader link', () => {
  it('a corrupt answer → resend → the good answer is read', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    const bad = encodeResponse(0x18, 0x00);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    await send(bad);
    expect(log()).toEqual(['18-01', '18-01']);
    await send(encodeResponse(0x18, 0x00));
    await expect(ping).resolves.toBeUndefined();
  });

  it('three CRC-error statuses from the reader → DEVICE_LINK_FAILED; the port stays open', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    for (let i = 0; i < 3; i++) await send(encodeResponse(0x18, 0x04));
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
    expect(log()).toEqual(['18-01', '18-01']);
    vi.advanceTimersByTime(1000);
    await flushMicrotasks();
    expect(state.settled).toBe(false);
    vi.advanceTimersByTime(1000);
    const err = await rejection(ping);
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.kind).toBe('timeout');
    expect(err.details).toEqual({ device: 'vivopay', command: 'ping', attempts: 3, timeoutMs: 1000 });
  });

  it('63 accepts a contact command: no resend while the cardholder takes their time, then its own timeout', async () => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    const state = track(read);
    await flushMicrotasks();
    await send(ACCEPTED);
    vi.advanceTimersByTime(60_000);
    await flushMicrotasks();
    expect(log()).toEqual(['60-10']);
    expect(state.settled).toBe(false);
    vi.advanceTimersByTime(10_000);
    const err = await rejection(read);
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.details).toMatchObject({ command: 'startTransaction', timeoutMs: 70_000 });
  });

  it('an accepted command’s answer lost on the line is asked for again with 60-13, not run twice', async () => {
    const { read } = await chipStarted();
    await send(ACCEPTED);
    const lost = contact(0x00, 0x0004, ONLINE);
    lost[lost.length - 1] = lost[lost.length - 1]! ^ 0x55;
    await send(lost);
    expect(log()).toEqual(['60-10', '60-11', '60-13']);
    await send(contact(0x00, 0x0004, ONLINE));
    expect(await read).toMatchObject({ firstDecision: 'online' });
  });

  it('garbage between frames and an answer split byte by byte still settle the right command', async () => {
    const ping = reader.ping();
    await flushMicrotasks();
    await send(Buffer.from('noise\x00\xff', 'latin1'));
    for (const b of encodeResponse(0x18, 0x00)) await send(Buffer.from([b]));
    await expect(ping).resolves.toBeUndefined();
  });

  it('exchange: any other command (the configuration’s) comes back with its status and data', async () => {
    const answer = reader.exchange({ command: 0x60, subCommand: 0x07 });
    await flushMicrotasks();
    expect(log()).toEqual(['60-07']);
    await send(encodeResponse(0x60, 0x60));
    expect(await answer).toMatchObject({ command: 0x60, status: 0x60 });
  });

  it('a corrupt 61-xx from the reader is answered CRC error, so the reader sends it again', async () => {
    const bad = encodeReaderCommand(0x61, 0x01, displayData(['PROCESSING']));
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 0x01;
    await send(bad);
    expect(log()).toEqual(['61:04']);
  });

  it('the device closed mid-frame rejects the armed read with kind disconnected', async () => {
    const read = reader.readCard(REQUEST, new AbortController().signal);
    await flushMicrotasks();
    await send(contact(0x00, 0x0010, APPLICATION).subarray(0, 17));
    device.unplug();
    const err = await rejection(read);
    expect(err.kind).toBe('disconnected');
    expect(reader.state()).toBe('disconnected');
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
});
