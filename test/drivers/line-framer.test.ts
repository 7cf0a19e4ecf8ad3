import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { LineFramer, type FramerEvent } from '../../drivers/msr-serial/line-framer.js';
import type { PosError } from '../../src/util/errors.js';
import { collectingTimeouts, fakeTimersInEachTest } from './framer-splits.js';

const CR = '\r';
const LF = '\n';
// A track 2 line as a serial MSR sends it: ; PAN = YYMM SSS discretionary ? CR
const LINE = ';4111111111111111=3012101000000000?';

function framer(maxLineBytes = 64, interByteTimeoutMs = 100): { f: LineFramer; timeouts: PosError[] } {
  return collectingTimeouts((onTimeout) => new LineFramer({ maxLineBytes, interByteTimeoutMs, onTimeout }));
}

/** Events as comparable values: lines as text, errors as code + details. */
function describeEvents(events: FramerEvent[]): unknown[] {
  return events.map((e) => (e.type === 'line' ? e.line.toString('latin1') : { code: e.error.code, details: e.error.details }));
}

function feed(f: LineFramer, chunks: (string | Uint8Array)[]): unknown[] {
  return chunks.flatMap((c) => describeEvents(f.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));
}

describe('LineFramer', () => {
  fakeTimersInEachTest();

  it.each([
    ['CR', `${LINE}${CR}`],
    ['CR LF', `${LINE}${CR}${LF}`],
    ['LF alone', `${LINE}${LF}`],
    ['stray CRs around it', `${CR}${CR}${LINE}${CR}${CR}`],
  ])('a line ended by %s gives one line', (_name, wire) => {
    const { f } = framer();
    expect(feed(f, [wire])).toEqual([LINE]);
    expect(f.pendingBytes).toBe(0);
  });

  it('two lines in one chunk give two lines, in order', () => {
    const { f } = framer();
    expect(feed(f, [`A1${CR}B2${CR}${LF}C3`])).toEqual(['A1', 'B2']);
    expect(f.pendingBytes).toBe(2);
    expect(feed(f, [CR])).toEqual(['C3']);
  });

  it('the same lines whatever the split: at every offset, and one byte at a time', () => {
    const wire = `${LINE}${CR}${LF}${LINE}${CR}`;
    for (let at = 0; at <= wire.length; at++) {
      const { f } = framer();
      expect(feed(f, [wire.slice(0, at), wire.slice(at)])).toEqual([LINE, LINE]);
    }
    const { f } = framer();
    expect(feed(f, [...wire])).toEqual([LINE, LINE]);
  });

  it('an overlong line without a line end is discarded and reported once; the next line reads', () => {
    const { f, timeouts } = framer(40);
    const garbage = 'X'.repeat(100);
    expect(feed(f, [garbage.slice(0, 30), garbage.slice(30)])).toEqual([{ code: 'DEVICE_LINE_TOO_LONG', details: { maxLineBytes: 40, receivedBytes: 100 } }]);
    expect(f.pendingBytes).toBe(0);
    expect(feed(f, ['more garbage', `${CR}${LINE}${CR}`])).toEqual([LINE]);
    vi.advanceTimersByTime(1000);
    expect(timeouts).toEqual([]);
  });

  it('a line exactly maxLineBytes long is accepted; one byte more is not', () => {
    const { f } = framer(LINE.length);
    expect(feed(f, [`${LINE}${CR}`])).toEqual([LINE]);
    expect(feed(f, [`${LINE}9${CR}`])).toEqual([{ code: 'DEVICE_LINE_TOO_LONG', details: { maxLineBytes: LINE.length, receivedBytes: LINE.length + 1 } }]);
    expect(feed(f, [`${LINE}${CR}`])).toEqual([LINE]);
  });

  it('garbage then a good line: the garbage is a line of its own, the good line follows', () => {
    const { f } = framer();
    expect(feed(f, [`\u00ff\u0000noise${CR}${LINE}${CR}`])).toEqual(['\u00ff\u0000noise', LINE]);
  });

  it('a partial line then silence past the inter-byte timeout is dropped with DEVICE_READ_TIMEOUT; the next line is whole', () => {
    const { f, timeouts } = framer(64, 100);
    expect(feed(f, [LINE.slice(0, 10)])).toEqual([]);
    vi.advanceTimersByTime(99);
    expect(feed(f, [LINE.slice(10, 20)])).toEqual([]);
    vi.advanceTimersByTime(99);
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(timeouts.map((e) => [e.code, e.details])).toEqual([['DEVICE_READ_TIMEOUT', { pendingBytes: 20, timeoutMs: 100 }]]);
    expect(f.pendingBytes).toBe(0);
    expect(feed(f, [`${LINE}${CR}`])).toEqual([LINE]);
  });

  it('no timeout when no partial line is waiting', () => {
    const { f, timeouts } = framer(64, 100);
    feed(f, [`${LINE}${CR}`]);
    vi.advanceTimersByTime(10_000);
    expect(timeouts).toEqual([]);
  });

  it('a line is a Buffer of its own: the chunk it came in can be zeroed at once, later bytes do not touch it', () => {
    const { f } = framer();
    const chunk = Buffer.from(`${LINE}${CR}NEXT`, 'latin1');
    const [event] = f.push(chunk);
    chunk.fill(0);
    feed(f, ['X'.repeat(30), CR]);
    expect(event?.type === 'line' ? event.line.toString('latin1') : event).toBe(LINE);
  });

  it('reset wipes a partial line', () => {
    const { f } = framer();
    feed(f, ['PARTIAL']);
    f.reset();
    expect(f.pendingBytes).toBe(0);
    expect(feed(f, [`END${CR}`])).toEqual(['END']);
  });

  it('random bytes, split anywhere, give the same lines as in one piece, and only lines or PosErrors', () => {
    const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => b.map((x) => (x % 7 === 0 ? 0x0d : x)));
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (wire, cuts) => {
        const whole = framer(40);
        const expected = describeEvents(whole.f.push(wire));
        const offsets = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const split = framer(40);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const o of [...offsets, wire.length]) {
          chunks.push(wire.subarray(prev, o));
          prev = o;
        }
        const got = chunks.flatMap((c) => describeEvents(split.f.push(c)));
        const oneByOne = framer(40);
        const bytewise = [...wire].flatMap((b) => describeEvents(oneByOne.f.push(Uint8Array.of(b))));
        // Overlong lines report how many bytes had arrived when the limit broke, which depends on chunking.
        const normalise = (events: unknown[]): unknown[] => events.map((e) => (typeof e === 'string' ? e : (e as { code: string }).code));
        expect(normalise(got)).toEqual(normalise(expected));
        expect(normalise(bytewise)).toEqual(normalise(expected));
        for (const e of expected) if (typeof e === 'string') expect(e.length).toBeLessThanOrEqual(40);
      }),
      { numRuns: 500 },
    );
  });
});
