/**
 * What every packet framer of ours does around its own byte scan (STYLE.md
 * "Byte-level code"): `push(chunk)` returns the events that chunk completes,
 * in order; the inter-byte timer runs while a partial frame is held; silence
 * drops it (zeroed) and reports `DEVICE_READ_TIMEOUT` through `onTimeout`.
 * A subclass brings the scan, what counts as pending, and how to drop.
 */
import type { PosError } from '../../src/util/errors.js';
import { InterByteTimer, partialFrameTimeout } from './inter-byte-timer.js';

export interface PacketFramerOptions {
  /** Longest frame accepted; what it counts is the protocol's. */
  readonly maxFrameBytes: number;
  readonly interByteTimeoutMs: number;
  readonly onTimeout: (error: PosError) => void;
}

export abstract class PacketFramer<E> {
  protected readonly options: PacketFramerOptions;
  readonly #unit: 'packet' | 'frame';
  readonly #timer: InterByteTimer;
  #events: E[] = [];
  #disposed = false;

  protected constructor(options: PacketFramerOptions, unit: 'packet' | 'frame') {
    this.options = options;
    this.#unit = unit;
    this.#timer = new InterByteTimer(options.interByteTimeoutMs, () => this.#onSilence());
  }

  /** Bytes of a partial frame waiting for the rest; 0 when none is held. */
  abstract get pendingBytes(): number;

  push(chunk: Uint8Array): E[] {
    if (this.#disposed) return [];
    this.#events = [];
    this.scan(chunk);
    this.#timer.restart(this.pendingBytes > 0);
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /** Drops a partial frame (zeroed) and any pending timeout. */
  reset(): void {
    this.#timer.clear();
    this.drop();
  }

  dispose(): void {
    this.reset();
    this.#disposed = true;
  }

  /** Adds an event to those the current `push` returns. */
  protected emit(event: E): void {
    this.#events.push(event);
  }

  protected abstract scan(chunk: Uint8Array): void;

  /** Forgets the partial frame, its bytes zeroed. */
  protected abstract drop(): void;

  #onSilence(): void {
    const pendingBytes = this.pendingBytes;
    this.drop();
    this.options.onTimeout(partialFrameTimeout(this.#unit, pendingBytes, this.options.interByteTimeoutMs));
  }
}
