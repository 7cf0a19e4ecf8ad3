import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { crc16CcittFalse } from '../../../drivers/vivopay/crc16.js';
import { VivopayFramer, type VivopayFramerEvent } from '../../../drivers/vivopay/framer.js';
import { encodeCommandFrame, VIVOPAY_HEADER } from '../../../drivers/vivopay/protocol.js';
import { encodeResponse } from '../../../hw-mocks/vivopay/command-framer.js';
import type { PosError } from '../../../src/util/errors.js';
import { collectingTimeouts, cutInto, everySplit, fakeTimersInEachTest } from '../framer-splits.js';

/** NEO 2 Interface Developer's Guide 2.8.2, the serial form of the ping command: header, 18 01, length 0000, CRC B3 CD (low byte first). */
const GUIDE_PING = Buffer.from('56 69 56 4F 74 65 63 68 32 00 18 01 00 00 B3 CD'.replace(/ /g, ''), 'hex');

function framer(maxFrameBytes = 256, interByteTimeoutMs = 100): { f: VivopayFramer; timeouts: PosError[] } {
  return collectingTimeouts((onTimeout) => new VivopayFramer({ maxFrameBytes, interByteTimeoutMs, onTimeout }));
}

function shape(events: VivopayFramerEvent[]): unknown[] {
  return events.map((e) => (e.type === 'frame' ? { command: e.frame.command, status: e.frame.status, data: e.frame.data.toString('hex') } : { code: e.error.code, details: e.error.details }));
}

function feed(f: VivopayFramer, chunks: Uint8Array[]): unknown[] {
  return chunks.flatMap((c) => shape(f.push(c)));
}

const ANSWER = encodeResponse(0x60, 0x00, Buffer.from('9F2608A1A2A3A4A5A6A7A8', 'hex'));
const EXPECTED = { command: 0x60, status: 0x00, data: '9f2608a1a2a3a4a5a6a7a8' };

describe('ViVOpay CRC and frames', () => {
  it('CRC-16/CCITT-FALSE: check value of "123456789" is 0x29B1', () => {
    expect(crc16CcittFalse(Buffer.from('123456789', 'latin1'))).toBe(0x29b1);
  });

  it("a ping command matches the guide's sample byte for byte (CRC low byte first)", () => {
    expect(encodeCommandFrame(0x18, 0x01)).toEqual(GUIDE_PING);
  });

  it('the command framer of the twin (lsb-first) reads the guide sample', () => {
    const f = new VivopayFramer({ maxFrameBytes: 64, interByteTimeoutMs: 100, onTimeout: () => undefined, crcOrder: 'lsb-first' });
    expect(shape(f.push(GUIDE_PING))).toEqual([{ command: 0x18, status: 0x01, data: '' }]);
  });
});

describe('VivopayFramer', () => {
  fakeTimersInEachTest();

  it('the same frames whatever the split: at every offset, and one byte at a time', () => {
    const wire = Buffer.concat([ANSWER, ANSWER]);
    for (const chunks of everySplit(wire)) expect(feed(framer().f, chunks)).toEqual([EXPECTED, EXPECTED]);
  });

  it('garbage before, between and after frames is dropped, including a partial header', () => {
    const { f } = framer();
    const noise = Buffer.from('00FF5669564F7465', 'hex'); // NUL, FF, "ViVOte" cut short
    expect(feed(f, [Buffer.concat([noise, ANSWER, Buffer.from('ViViVO', 'latin1'), ANSWER, noise])])).toEqual([EXPECTED, EXPECTED]);
  });

  it('a frame with a bad CRC is reported and the next frame reads; a header inside the bad frame is found', () => {
    const bad = Buffer.from(ANSWER);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    const { f } = framer();
    expect(feed(f, [Buffer.concat([bad, ANSWER])])).toEqual([{ code: 'DEVICE_FRAME_CRC', details: { command: 0x60, frameBytes: ANSWER.length } }, EXPECTED]);
    // A truncated frame (its length swallows the next header) is rejected, then the hidden frame is found.
    const cut = Buffer.concat([ANSWER.subarray(0, 14), ANSWER]);
    cut[13] = 0x20; // announces 32 data bytes
    const { f: g } = framer();
    const events = feed(g, [cut, Buffer.alloc(40)]);
    expect(events[0]).toMatchObject({ code: 'DEVICE_FRAME_CRC' });
    expect(events).toContainEqual(EXPECTED);
  });

  it('a length over maxFrameBytes is reported before its bytes are held', () => {
    const { f } = framer(64);
    const big = encodeResponse(0x03, 0x00, Buffer.alloc(100, 0x11));
    expect(feed(f, [big.subarray(0, 14)])).toEqual([{ code: 'DEVICE_FRAME_TOO_LONG', details: { maxFrameBytes: 64, announcedBytes: 116 } }]);
    expect(f.pendingBytes).toBe(0);
    expect(feed(f, [big.subarray(14), ANSWER])).toEqual([EXPECTED]);
  });

  it('a partial frame then silence is dropped and reported once; the next frame reads', () => {
    const { f, timeouts } = framer(256, 100);
    feed(f, [ANSWER.subarray(0, 20)]);
    vi.advanceTimersByTime(99);
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(timeouts.map((e) => [e.code, e.details])).toEqual([['DEVICE_READ_TIMEOUT', { pendingBytes: 20, timeoutMs: 100 }]]);
    expect(feed(f, [ANSWER])).toEqual([EXPECTED]);
    vi.advanceTimersByTime(1000);
    expect(timeouts).toHaveLength(1);
  });

  it('property: any frames, cut anywhere, with noise between, come out whole and in order', () => {
    const frameArb = fc.record({ command: fc.integer({ min: 0, max: 255 }), status: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 60 }) });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 20 }), fc.uint8Array({ maxLength: 9 }), (frames, cuts, noise) => {
        // Noise with no 'V' cannot start a header.
        const clean = Buffer.from(noise.filter((b) => b !== VIVOPAY_HEADER[0]));
        const wire = Buffer.concat(frames.flatMap((fr) => [clean, encodeResponse(fr.command, fr.status, fr.data)]));
        expect(feed(framer(256).f, cutInto(wire, cuts))).toEqual(frames.map((fr) => ({ command: fr.command, status: fr.status, data: Buffer.from(fr.data).toString('hex') })));
      }),
    );
  });

  it('property: random bytes give frames or typed errors, never a throw, and never hold more than maxFrameBytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), (chunks) => {
        const { f } = framer(128);
        for (const c of chunks) {
          for (const e of f.push(c)) expect(['frame', 'error']).toContain(e.type);
          expect(f.pendingBytes).toBeLessThanOrEqual(128);
        }
      }),
    );
  });
});

describe('VivopayFramer on a line carrying both roles (crcOrder either)', () => {
  const either = (): VivopayFramer => new VivopayFramer({ maxFrameBytes: 256, interByteTimeoutMs: 100, onTimeout: () => undefined, crcOrder: 'either' });

  it('a reader’s response and its 61-xx command, each read with the order its CRC checked in', () => {
    const events = either().push(Buffer.concat([encodeResponse(0x60, 0x63), encodeCommandFrame(0x61, 0x02, Buffer.from([0x01]))]));
    expect(events.map((e) => (e.type === 'frame' ? [e.frame.command, e.frame.status, e.frame.crcOrder] : e.error.code))).toEqual([
      [0x60, 0x63, 'msb-first'],
      [0x61, 0x02, 'lsb-first'],
    ]);
  });

  it('a frame whose two CRC bytes are equal checks both ways: both', () => {
    let data = 0;
    while (((): boolean => {
      const frame = encodeResponse(0x61, 0x00, Buffer.from([data >> 8, data & 0xff]));
      return frame[frame.length - 1] !== frame[frame.length - 2];
    })())
      data++;
    const [event] = either().push(encodeResponse(0x61, 0x00, Buffer.from([data >> 8, data & 0xff])));
    expect(event).toMatchObject({ type: 'frame', frame: { crcOrder: 'both' } });
  });

  it('property: random bytes give frames or typed errors in either mode too', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 10 }), (chunks) => {
        const f = either();
        for (const c of chunks) for (const e of f.push(c)) expect(['frame', 'error']).toContain(e.type);
        f.dispose();
      }),
    );
  });
});
