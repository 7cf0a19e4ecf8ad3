/**
 * Lines from an ASCII serial magstripe reader:
 *
 *   [track characters…][CR]        (CR LF, and LF alone, are tolerated)
 *
 * LF is read as CR, so CR LF yields an empty line, which is dropped. The line
 * being received is assembled in one buffer of `maxLineBytes`, allocated once
 * and zeroed as soon as its line is handed on or dropped: a swipe line is card
 * data, so it is never turned into a string nor left in a copy nobody wipes
 * (a readline-style parser concatenates a new Buffer per chunk and decodes
 * lines to strings). Two limits keep a misbehaving device from holding memory
 * or a read hostage: `maxLineBytes` (garbage without a line end is discarded
 * up to the next line end, reported once) and an inter-byte timeout (a
 * partial line then silence is discarded and reported).
 */
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

export class LineFramer {
  readonly #options: LineFramerOptions;
  /** The line being received: `#line[0, #length)`; the rest is zero. */
  readonly #line: Buffer;
  #length = 0;
  /** After an overlong line: drop everything up to the next line end. */
  #discarding = false;
  readonly #timer: InterByteTimer;
  #disposed = false;

  constructor(options: LineFramerOptions) {
    this.#options = options;
    this.#line = Buffer.alloc(options.maxLineBytes);
    this.#timer = new InterByteTimer(options.interByteTimeoutMs, () => this.#onSilence());
  }

  /** Bytes of a partial line waiting for its line end. */
  get pendingBytes(): number {
    return this.#length;
  }

  /**
   * Feeds received bytes; returns the complete lines and errors they
   * produced, in order. Each line is a fresh Buffer the caller owns and
   * wipes; `chunk` is only read (the caller wipes it too).
   */
  push(chunk: Uint8Array): FramerEvent[] {
    if (this.#disposed) return [];
    const events: FramerEvent[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === CR || b === LF) {
        this.#take(chunk, from, i, true, events);
        from = i + 1;
      }
    }
    this.#take(chunk, from, chunk.length, false, events);
    this.#timer.restart(this.#length > 0 || this.#discarding);
    return events;
  }

  /** Discards a partial line (zeroed) and any pending timeout. */
  reset(): void {
    this.#timer.clear();
    this.#drop();
    this.#discarding = false;
  }

  dispose(): void {
    this.reset();
    this.#disposed = true;
  }

  /** Takes `chunk[from, to)`, which ends at a line end when `terminated`. */
  #take(chunk: Uint8Array, from: number, to: number, terminated: boolean, events: FramerEvent[]): void {
    if (this.#discarding) {
      if (terminated) this.#discarding = false;
      return;
    }
    const received = this.#length + (to - from);
    if (received > this.#options.maxLineBytes) {
      this.#drop();
      this.#discarding = !terminated;
      events.push({
        type: 'error',
        error: new PosError('DEVICE_LINE_TOO_LONG', `Line over ${this.#options.maxLineBytes} bytes discarded`, {
          maxLineBytes: this.#options.maxLineBytes,
          receivedBytes: received,
        }),
      });
      return;
    }
    this.#line.set(chunk.subarray(from, to), this.#length);
    this.#length = received;
    // An empty line (CR LF's LF, stray CRs) is nothing to report.
    if (terminated && this.#length > 0) {
      const line = Buffer.alloc(this.#length);
      this.#line.copy(line, 0, 0, this.#length);
      this.#drop();
      events.push({ type: 'line', line });
    }
  }

  #drop(): void {
    this.#line.fill(0, 0, this.#length);
    this.#length = 0;
  }

  #onSilence(): void {
    const pendingBytes = this.#length;
    const wasDiscarding = this.#discarding;
    this.reset();
    // Garbage already reported as too long is not reported twice.
    if (!wasDiscarding) this.#options.onTimeout(partialFrameTimeout('line', pendingBytes, this.#options.interByteTimeoutMs));
  }
}
