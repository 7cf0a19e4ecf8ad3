import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { VerifoneFramer, type VerifoneFramerEvent } from '../../../drivers/verifone-pinpad/framer.js';
import { ACK, EOT, NAK, encodePacket, lrc } from '../../../drivers/verifone-pinpad/protocol.js';
import type { PosError } from '../../../src/util/errors.js';
import { collectingTimeouts, cutInto, everySplit, fakeTimersInEachTest } from '../framer-splits.js';

// <STX>73.00000<KSN><PIN block><ETX>{LRC}, the shape of the MX800 guide's example
const BODY = '73.000009876543210E000011234567890ABCDEF';
const PACKET = encodePacket('data', Buffer.from(BODY, 'latin1'));
const CANCEL = encodePacket('control', Buffer.from('72', 'latin1'));

function framer(maxFrameBytes = 64, interByteTimeoutMs = 100): { f: VerifoneFramer; timeouts: PosError[] } {
  return collectingTimeouts((onTimeout) => new VerifoneFramer({ maxFrameBytes, interByteTimeoutMs, onTimeout }));
}

function shape(events: VerifoneFramerEvent[]): unknown[] {
  return events.map((e) => (e.type === 'packet' ? `${e.frame}:${e.body.toString('latin1')}` : e.type === 'error' ? { code: e.error.code, details: e.error.details } : e.type));
}

function feed(f: VerifoneFramer, chunks: Uint8Array[]): unknown[] {
  return chunks.flatMap((c) => shape(f.push(c)));
}

describe('VeriFone packets', () => {
  it('the LRC is the XOR of everything after STX/SI through ETX/SO', () => {
    // SI '7' '2' SO: 0x37 ^ 0x32 ^ 0x0E = 0x0B
    expect([...CANCEL]).toEqual([0x0f, 0x37, 0x32, 0x0e, 0x0b]);
    expect(lrc(PACKET, 1, PACKET.length - 1)).toBe(PACKET[PACKET.length - 1]);
  });
});

describe('VerifoneFramer', () => {
  fakeTimersInEachTest();

  it('link bytes and packets, whatever the split: at every offset and byte by byte', () => {
    const wire = Buffer.concat([Buffer.from([ACK]), PACKET, Buffer.from([NAK]), CANCEL, Buffer.from([EOT])]);
    const expected = ['ack', `data:${BODY}`, 'nak', 'control:72', 'eot'];
    for (const chunks of everySplit(wire)) expect(feed(framer().f, chunks)).toEqual(expected);
  });

  it('a bad LRC is DEVICE_FRAME_LRC; the next packet reads; garbage outside packets is dropped', () => {
    const bad = Buffer.from(PACKET);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    const { f } = framer();
    expect(feed(f, [Buffer.concat([Buffer.from('zz\x7f', 'latin1'), bad, Buffer.from('noise', 'latin1'), PACKET])])).toEqual([
      { code: 'DEVICE_FRAME_LRC', details: { frame: 'data', bodyBytes: BODY.length } },
      `data:${BODY}`,
    ]);
  });

  it('a body over maxFrameBytes is reported and skipped to its end; a packet restarted mid-body wins', () => {
    const { f } = framer(16);
    expect(feed(f, [PACKET, CANCEL])).toEqual([{ code: 'DEVICE_FRAME_TOO_LONG', details: { maxFrameBytes: 16 } }, 'control:72']);
    const { f: g } = framer();
    expect(feed(g, [Buffer.concat([PACKET.subarray(0, 10), PACKET])])).toEqual([`data:${BODY}`]);
  });

  it('a partial packet then silence is dropped and reported', () => {
    const { f, timeouts } = framer(64, 100);
    feed(f, [PACKET.subarray(0, 5)]);
    vi.advanceTimersByTime(100);
    expect(timeouts.map((e) => [e.code, e.details])).toEqual([['DEVICE_READ_TIMEOUT', { pendingBytes: 5, timeoutMs: 100 }]]);
    expect(feed(f, [PACKET])).toEqual([`data:${BODY}`]);
  });

  it('property: packets of printable text, cut anywhere, come out whole and in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.stringMatching(/^[ -~]{0,40}$/)), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 20 }),
        (packets, cuts) => {
          const wire = Buffer.concat(packets.map(([data, body]) => encodePacket(data ? 'data' : 'control', Buffer.from(body, 'latin1'))));
          expect(feed(framer(64).f, cutInto(wire, cuts))).toEqual(packets.map(([data, body]) => `${data ? 'data' : 'control'}:${body}`));
        },
      ),
    );
  });

  it('property: random bytes give link events, packets or typed errors, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 10 }), (chunks) => {
        const { f } = framer(32);
        for (const c of chunks) {
          for (const e of f.push(c)) expect(['ack', 'nak', 'eot', 'packet', 'error']).toContain(e.type);
          expect(f.pendingBytes).toBeLessThanOrEqual(33);
        }
      }),
    );
  });
});
