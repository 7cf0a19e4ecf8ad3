import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameMessage, LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { thrown, thrownOrNone } from '../pos-error.js';

const hex = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex'));

/** Two frames as the wire carries them: [00 03]['abc'] [00 00] [00 05]['hello']. */
const STREAM = Buffer.from([0x00, 0x03, 0x61, 0x62, 0x63, 0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]);
const EXPECTED = ['616263', '', '68656c6c6f'];

function feed(framer: LengthPrefixFramer, chunks: Uint8Array[]): string[] {
  return chunks.flatMap((c) => hex(framer.push(c)));
}

describe('LengthPrefixFramer', () => {
  it('splits a stream delivered whole', () => {
    expect(feed(new LengthPrefixFramer(), [STREAM])).toEqual(EXPECTED);
  });

  it.each(Array.from({ length: STREAM.length + 1 }, (_, i) => [i]))('gives the same frames split at offset %i', (at) => {
    expect(feed(new LengthPrefixFramer(), [STREAM.subarray(0, at), STREAM.subarray(at)])).toEqual(EXPECTED);
  });

  it('gives the same frames fed one byte at a time, and holds the partial frame meanwhile', () => {
    const framer = new LengthPrefixFramer();
    const out: string[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      out.push(...hex(framer.push(STREAM.subarray(i, i + 1))));
      if (i === 3) expect(framer.buffered).toBe(4);
    }
    expect(out).toEqual(EXPECTED);
    expect(framer.buffered).toBe(0);
  });

  it.each([
    ['one above the limit', 0x00, 0x11, 16, 17],
    ['the largest header', 0xff, 0xff, 8192, 0xffff],
  ])('refuses a header announcing %s before allocating, and stays failed', (_what, hi, lo, maxFrameBytes, length) => {
    const framer = new LengthPrefixFramer({ maxFrameBytes });
    expect(framer.push(Buffer.from([0x00, 0x01, 0x41]))).toHaveLength(1);
    const err = thrown(() => framer.push(Buffer.from([hi, lo, 0x41])));
    expect(err).toMatchObject({ code: 'HOST_FRAME_TOO_LARGE', details: { length, maxFrameBytes, offset: 0 } });
    expect(thrown(() => framer.push(Buffer.from([0x00]))).code).toBe('HOST_FRAME_TOO_LARGE');
    framer.reset();
    expect(hex(framer.push(Buffer.from([0x00, 0x01, 0x42])))).toEqual(['42']);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    expect(new LengthPrefixFramer({ maxFrameBytes: 3 }).push(frameMessage(Buffer.from('abc')))).toHaveLength(1);
  });

  it('frames a message with a big-endian header and refuses one too long', () => {
    expect(frameMessage(Buffer.alloc(0x0102, 0x41)).subarray(0, 3).toString('hex')).toBe('010241');
    expect(thrown(() => frameMessage(Buffer.alloc(0x10000)))).toMatchObject({ code: 'HOST_FRAME_TOO_LARGE', details: { length: 0x10000, maxFrameBytes: 0xffff } });
  });

  it('recovers any messages from their frames, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => frameMessage(m)));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of [...points, stream.length]) {
            chunks.push(stream.subarray(last, p));
            last = p;
          }
          expect(feed(new LengthPrefixFramer(), chunks)).toEqual(messages.map((m) => Buffer.from(m).toString('hex')));
        },
      ),
    );
  });

  it('turns random bytes into frames or HOST_FRAME_TOO_LARGE, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 512 }), (bytes, maxFrameBytes) => {
        const error = thrownOrNone(() => {
          for (const f of new LengthPrefixFramer({ maxFrameBytes }).push(bytes)) expect(f.length).toBeLessThanOrEqual(maxFrameBytes);
        });
        if (error !== undefined) expect(error.code).toBe('HOST_FRAME_TOO_LARGE');
      }),
    );
  });
});
