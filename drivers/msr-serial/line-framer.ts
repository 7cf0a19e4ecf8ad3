/**
 * Lines from an ASCII serial magstripe reader:
 *
 *   [track characters…][CR]        (CR LF, and LF alone, are tolerated)
 *
 * Split by `@serialport/parser-readline` at CR; LF is read as CR, so CR LF
 * yields an empty line, which is dropped. Two limits keep a misbehaving device
 * from holding memory or a read hostage: `maxLineBytes` (garbage without a
 * line end is discarded up to the next line end, reported once) and an
 * inter-byte timeout (a partial line then silence is discarded and reported).
 */
import { ReadlineParser, type ReadlineOptions } from '@serialport/parser-readline';
import { PosError } from '../../src/util/errors.js';
import { InterByteTimer, partialFrameTimeout } from '../shared/inter-byte-timer.js';

export const CR = 0x0d; // carriage return: end of a swipe line
export const LF = 0x0a; // line feed: some readers send it after CR, or alone

export type FramerEvent = { readonly type: 'line'; readonly line: Buffer } | { readonly type: 'error'; readonly error: PosError };

export interface LineFramerOptions {
  /** Longest line accepted, line end excluded. */
  readonly maxLineBytes: number;
  /** Silence after a partial line that discards it. */
  readonly interByteTimeoutMs: number;
  /** Called with `DEVICE_READ_TIMEOUT` when a partial line is dropped for silence. */
  readonly onTimeout: (error: PosError) => void;
}

const LINE_END = Buffer.from([CR]);

export class LineFramer {
  readonly #options: LineFramerOptions;
  readonly #parser: ReadlineParser;
  /** Events produced by the parser during the current `push` (it emits synchronously). */
  #events: FramerEvent[] = [];
  /** Bytes of the current, unterminated line held by the parser. */
  #pending = 0;
  /** After an overlong line: drop everything up to the next line end. */
  #discarding = false;
  readonly #timer: InterByteTimer;
  #disposed = false;

  constructor(options: LineFramerOptions) {
    this.#options = options;
    this.#timer = new InterByteTimer(options.interByteTimeoutMs, () => this.#onSilence());
    // No `encoding`: lines arrive as Buffers (views into the parser's buffer) that can be wiped;
    // the parser's own default would decode them into strings, which cannot.
    const parserOptions = { delimiter: LINE_END, encoding: undefined } as unknown as ReadlineOptions;
    this.#parser = new ReadlineParser(parserOptions);
    this.#parser.on('data', (line: Buffer) => this.#events.push({ type: 'line', line }));
  }

  /** Bytes of a partial line waiting for its line end. */
  get pendingBytes(): number {
    return this.#pending;
  }

  /** Feeds received bytes; returns the complete lines and errors they produced, in order. The caller wipes the lines. */
  push(chunk: Uint8Array): FramerEvent[] {
    if (this.#disposed) return [];
    this.#events = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === CR || b === LF) {
        this.#take(chunk.subarray(from, i), true);
        from = i + 1;
      }
    }
    this.#take(chunk.subarray(from), false);
    this.#timer.restart(this.#pending > 0 || this.#discarding);
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /** Discards a partial line (zeroed) and any pending timeout. */
  reset(): void {
    this.#timer.clear();
    this.#dropPartial();
    this.#discarding = false;
  }

  dispose(): void {
    this.reset();
    this.#disposed = true;
    this.#parser.destroy();
  }

  #take(segment: Uint8Array, terminated: boolean): void {
    if (this.#discarding) {
      if (terminated) this.#discarding = false;
      return;
    }
    if (this.#pending + segment.length > this.#options.maxLineBytes) {
      const received = this.#pending + segment.length;
      this.#dropPartial();
      this.#discarding = !terminated;
      this.#events.push({
        type: 'error',
        error: new PosError('DEVICE_LINE_TOO_LONG', `Line over ${this.#options.maxLineBytes} bytes discarded`, {
          maxLineBytes: this.#options.maxLineBytes,
          receivedBytes: received,
        }),
      });
      return;
    }
    if (segment.length > 0) {
      this.#parser.write(segment);
      this.#pending += segment.length;
    }
    // An empty line (CR LF's LF, stray CRs) is nothing to report.
    if (terminated && this.#pending > 0) {
      this.#parser.write(LINE_END);
      this.#pending = 0;
    }
  }

  #dropPartial(): void {
    this.#parser.buffer.fill(0);
    this.#parser.buffer = Buffer.alloc(0);
    this.#pending = 0;
  }

  #onSilence(): void {
    const pendingBytes = this.#pending;
    const wasDiscarding = this.#discarding;
    this.reset();
    // Garbage already reported as too long is not reported twice.
    if (!wasDiscarding) this.#options.onTimeout(partialFrameTimeout('line', pendingBytes, this.#options.interByteTimeoutMs));
  }
}
