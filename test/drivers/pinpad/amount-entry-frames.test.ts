/**
 * Amount entry frame by frame: the driver against a pad played by hand, the
 * bytes built here from the PIN Pad 791 Programmer's Manual (UDN PM0103-U
 * Rev. 06): Z2 authenticated fixed prompt and its response (p. 210–212), Z42
 * Read key code (p. 222), Z43 Read key code response (p. 223); the LRC as
 * docs/protocols/verifone-pinpad.md gives it (XOR of every byte after STX
 * through ETX). Every answer of the pad's is treated as hostile.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair, type MemoryTransport } from '../../../drivers/transport/memory-transport.js';
import { createVerifonePinPad, type VerifonePinPad } from '../../../drivers/verifone-pinpad/verifone-pinpad.js';
import type { AmountEntryRequest } from '../../../src/devices/pin-pad.js';
import { PosError } from '../../../src/util/errors.js';
import { rejection } from '../../pos-error.js';
import { flushMicrotasks } from '../reader-harness.js';

const STX = 0x02;
const ETX = 0x03;
const EOT = 0x04;
const ACK = 0x06;
const SO = 0x0e;
const SI = 0x0f;
const GS = '\x1d';
const SUB = '\x1a';

/** `<STX>[message]<ETX>[LRC]`. */
function data(message: string): Buffer {
  return withLrc([STX, ...Buffer.from(message, 'latin1'), ETX]);
}

/** `<SI>[message]<SO>[LRC]`. */
function control(message: string): Buffer {
  return withLrc([SI, ...Buffer.from(message, 'latin1'), SO]);
}

function withLrc(bytes: number[]): Buffer {
  let lrc = 0;
  for (const b of bytes.slice(1)) lrc ^= b;
  return Buffer.from([...bytes, lrc]);
}

const TIP: AmountEntryRequest = { purpose: 'tip', maxMinor: 100_000, keyTimeoutMs: 30_000 };
const PROMPT = `Z2${GS}004${SUB}`;

describe('amount entry, frame by frame against the manual', () => {
  let pad: MemoryTransport;
  let driver: VerifonePinPad;
  /** Bytes the driver wrote, chunk by chunk. */
  let wrote: Buffer[];

  beforeEach(() => {
    vi.useFakeTimers();
    const [host, dev] = createMemoryTransportPair({ host: 'mem:driver', device: 'mem:pinpad' });
    pad = dev;
    wrote = [];
    pad.onData((c) => wrote.push(Buffer.from(c)));
    driver = createVerifonePinPad(host, { ackTimeoutMs: 500, answerMarginMs: 1000, tipPrompt: 4 });
  });

  afterEach(async () => {
    await driver.close();
    vi.useRealTimers();
  });

  async function padSends(bytes: Uint8Array | number[]): Promise<void> {
    await pad.write(Buffer.from(bytes));
    await flushMicrotasks();
  }

  /** The pad's side of "show the prompt and the digits": ACK, status 0, EOT after the driver's ACK, ACK. */
  async function promptAccepted(digits: string): Promise<void> {
    expect(wrote.at(-1)).toEqual(data(PROMPT));
    await padSends([ACK]);
    await padSends(data('Z20'));
    // The driver ACKs the response and shows the digits under the prompt at once.
    expect(wrote.slice(-2)).toEqual([Buffer.from([ACK]), data(`Z2${digits}`)]);
    await padSends([EOT]);
    await padSends([ACK]);
  }

  it('Z2 <GS>004<SUB> → Z2 0 → Z42 30 → Z43 7 → redraw Z2 7 → Z42 → Z43 # resolves 7', async () => {
    const pending = driver.enterAmount(TIP, new AbortController().signal);
    await flushMicrotasks();
    // STX 'Z' '2' GS '0' '0' '4' SUB ETX, LRC 5A^32^1D^30^30^34^1A^03 = 58.
    expect(wrote[0]).toEqual(Buffer.from([0x02, 0x5a, 0x32, 0x1d, 0x30, 0x30, 0x34, 0x1a, 0x03, 0x58]));
    await promptAccepted('0');
    expect(wrote.at(-1)).toEqual(data('Z4230'));
    await padSends([ACK]);
    await padSends(data('Z437'));
    expect(wrote.at(-2)).toEqual(Buffer.from([ACK]));
    await padSends([EOT]);
    await promptAccepted('7');
    expect(wrote.at(-1)).toEqual(data('Z4230'));
    await padSends([ACK]);
    await padSends(data('Z43#'));
    await expect(pending).resolves.toBe(7);
    expect(wrote.at(-1)).toEqual(Buffer.from([ACK]));
  });

  it.each([
    { keyTimeoutMs: 500, field: '1' },
    { keyTimeoutMs: 1000, field: '1' },
    { keyTimeoutMs: 30_001, field: '31' },
    { keyTimeoutMs: 255_000, field: '255' },
    { keyTimeoutMs: 1_000_000, field: '255' },
  ])('Z42 [timeout] is whole seconds from 1 to 255: $keyTimeoutMs ms → "$field"', async ({ keyTimeoutMs, field }) => {
    const pending = rejection(driver.enterAmount({ ...TIP, keyTimeoutMs }, new AbortController().signal));
    await flushMicrotasks();
    await promptAccepted('0');
    expect(wrote.at(-1)).toEqual(data(`Z42${field}`));
    await padSends([ACK]);
    await padSends(data('Z43*'));
    expect((await pending).code).toBe('AMOUNT_ENTRY_CANCELLED');
  });

  it('a pad silent after Z42: 72 past the key timeout and the margin, then AMOUNT_ENTRY_TIMEOUT (by driver)', async () => {
    const failed = rejection(driver.enterAmount({ ...TIP, keyTimeoutMs: 2000 }, new AbortController().signal));
    await flushMicrotasks();
    await promptAccepted('0');
    await padSends([ACK]);
    await vi.advanceTimersByTimeAsync(2999);
    expect(wrote.at(-1)).toEqual(data('Z422'));
    await vi.advanceTimersByTimeAsync(1);
    const err = await failed;
    expect(err).toMatchObject({ code: 'AMOUNT_ENTRY_TIMEOUT', kind: 'timeout', details: { by: 'driver', timeoutMs: 3000 } });
    expect(wrote.at(-1)).toEqual(control('72'));
  });

  it('prompt ID not supported (status 1): PIN_PAD_PROMPT_REFUSED, a configuration fault', async () => {
    const failed = rejection(driver.enterAmount(TIP, new AbortController().signal));
    await flushMicrotasks();
    await padSends([ACK]);
    await padSends(data('Z21'));
    const err = await failed;
    expect(err).toMatchObject({ code: 'PIN_PAD_PROMPT_REFUSED', kind: 'config', details: { promptId: 4 } });
    expect(wrote.some((w) => w.equals(data('Z42' + '30')))).toBe(false);
  });

  it.each([
    { answer: 'Z43X', what: 'a key code the manual does not have' },
    { answer: 'Z4312', what: 'two key codes' },
    { answer: 'Z43', what: 'no key code' },
    { answer: 'Z43\x00', what: 'a NUL' },
  ])('Z43 with $what: DEVICE_UNEXPECTED_FRAME, and 72 so the pad stops', async ({ answer }) => {
    const failed = rejection(driver.enterAmount(TIP, new AbortController().signal));
    await flushMicrotasks();
    await promptAccepted('0');
    await padSends([ACK]);
    await padSends(data(answer));
    const err = await failed;
    expect(err).toMatchObject({ code: 'DEVICE_UNEXPECTED_FRAME', kind: 'protocol', details: { command: 'Z42' } });
    expect(wrote.at(-1)).toEqual(control('72'));
  });

  it.each(['Z27', 'Z2', 'Z200'])('a Z2 status %j that is neither 0 nor 1: DEVICE_UNEXPECTED_FRAME', async (answer) => {
    const failed = rejection(driver.enterAmount(TIP, new AbortController().signal));
    await flushMicrotasks();
    await padSends([ACK]);
    await padSends(data(answer));
    expect(await failed).toMatchObject({ code: 'DEVICE_UNEXPECTED_FRAME', details: { command: 'Z2' } });
  });

  it('EOT instead of Z43 (the pad stopped, p. 222): DEVICE_STATUS_ERROR', async () => {
    const failed = rejection(driver.enterAmount(TIP, new AbortController().signal));
    await flushMicrotasks();
    await promptAccepted('0');
    await padSends([ACK]);
    await padSends([EOT]);
    expect(await failed).toMatchObject({ code: 'DEVICE_STATUS_ERROR', details: { command: 'Z42', status: 'EOT' } });
    expect(wrote.at(-1)).toEqual(control('72'));
  });

  it('a packet that answers nothing pending is dropped (ACKed); the key read goes on', async () => {
    const pending = driver.enterAmount(TIP, new AbortController().signal);
    await flushMicrotasks();
    await promptAccepted('0');
    await padSends([ACK]);
    await padSends(data('715'));
    expect(wrote.at(-1)).toEqual(Buffer.from([ACK]));
    await padSends([EOT]);
    await padSends(data('Z43#'));
    await expect(pending).resolves.toBe(0);
  });
});

describe('amount entry against a pad that answers anything', () => {
  /** Plays the pad: accepts the prompt, ACKs the rest, and answers each Z42 with the next of `answers` ('#' after). */
  function hostilePad(pad: MemoryTransport, answers: string[]): void {
    let rx = Buffer.alloc(0);
    const send = (b: Buffer): void => void pad.write(b).catch(() => undefined);
    pad.onData((chunk) => {
      rx = Buffer.concat([rx, chunk]);
      for (;;) {
        const first = rx[0];
        if (first === undefined) return;
        if (first !== STX && first !== SI) {
          rx = rx.subarray(1);
          if (first === ACK) send(Buffer.from([EOT]));
          continue;
        }
        const end = rx.indexOf(first === STX ? ETX : SO);
        if (end < 0 || end + 1 >= rx.length) return;
        const message = rx.subarray(1, end).toString('latin1');
        rx = rx.subarray(end + 2);
        send(Buffer.from([ACK]));
        if (message.startsWith(`Z2${GS}`)) send(data('Z20'));
        else if (message.startsWith('Z42')) send(data(`Z43${answers.shift() ?? '#'}`));
      }
    });
  }

  it('property: any Z43 tail gives an amount built of digits, at most maxMinor, or a PosError', async () => {
    const tail = fc.oneof(fc.constantFrom('0', '7', '9', '#', '/', '*', '?', 'A'), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.array(tail, { maxLength: 12 }), fc.integer({ min: 0, max: 999 }), async (answers, maxMinor) => {
        const [host, dev] = createMemoryTransportPair();
        hostilePad(dev, [...answers]);
        const driver = createVerifonePinPad(host, { ackTimeoutMs: 500, answerMarginMs: 1000, tipPrompt: 4 });
        try {
          const outcome = await driver.enterAmount({ ...TIP, maxMinor }, new AbortController().signal).catch((err: unknown) => err);
          if (typeof outcome === 'number') {
            expect(Number.isSafeInteger(outcome) && outcome >= 0 && outcome <= maxMinor).toBe(true);
            // The amount's digits are keys the pad sent, in their order.
            const keyed = answers.filter((a) => /^[0-9]$/.test(a));
            const shown = outcome === 0 ? '' : String(outcome);
            let matched = 0;
            for (const k of keyed) if (k === shown[matched]) matched++;
            expect(matched).toBe(shown.length);
          } else {
            expect(outcome).toBeInstanceOf(PosError);
          }
        } finally {
          await driver.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
