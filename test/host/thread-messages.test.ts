/**
 * The batches between the simulator's issuer thread and its I/O thread:
 * bytes packed into one transferable buffer of their exact size, answers
 * split into head and bytes and put back together unchanged.
 */
import fc from 'fast-check';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../../hw-mocks/host/listeners.js';
import { answerFrom, answerHead, pack, unpack, type Packed } from '../../hw-mocks/host/thread-messages.js';

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const answer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ kind: fc.constant('reply' as const), message: bytes }),
  fc.record({ kind: fc.constant('reply' as const), message: bytes, delayMs: fc.integer({ min: 0, max: 5000 }) }),
  fc.record({ kind: fc.constant('raw' as const), bytes, thenClose: fc.boolean() }),
  fc.constant({ kind: 'silence' as const }),
  fc.constant({ kind: 'close' as const }),
);

describe('simulator thread messages', () => {
  it('packs any byte strings into one buffer of their total size and unpacks them unchanged', () => {
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 40 }), (parts) => {
        const packed = pack(parts);
        expect(packed.buffer.byteLength).toBe(parts.reduce((n, p) => n + p.length, 0));
        expect(unpack(packed)).toEqual(parts);
      }),
    );
  });

  it('splits any answer into head and bytes and puts it back together', () => {
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 20 }), (answers) => {
        const wire = answers.map(answerHead);
        const back = unpack(pack(wire.map((w) => w.bytes))).map((b, i) => answerFrom(wire[i]!.head, b));
        expect(back).toEqual(answers);
      }),
    );
  });

  it('sends a frame cut from a large buffer as its own bytes only, and the buffer is moved, not copied', async () => {
    const chunk = Buffer.alloc(65_536, 0x55);
    const frame = chunk.subarray(1000, 1300);
    const packed = pack([frame]);
    const { port1, port2 } = new MessageChannel();
    try {
      const received = new Promise<Packed>((resolve) => port2.once('message', resolve));
      port1.postMessage(packed, [packed.buffer]);
      expect(packed.buffer.byteLength).toBe(0); // transferred: detached on this side
      const got = await received;
      expect(got.buffer.byteLength).toBe(300);
      expect(unpack(got)[0]).toEqual(frame);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
