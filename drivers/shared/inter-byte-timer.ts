/**
 * The inter-byte timeout every framer has (STYLE.md "Byte-level code"): while
 * a partial frame is held, each chunk restarts the full interval; that long
 * with no byte calls `onSilence`, which drops the partial frame and reports
 * it. What counts as partial and what is dropped stay with each framer; only
 * the timer lives here, so that how it is re-armed is decided once.
 */
import { PosError } from '../../src/util/errors.js';

export class InterByteTimer {
  readonly #timeoutMs: number;
  readonly #onSilence: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, onSilence: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onSilence = onSilence;
  }

  /** Call after each chunk: runs the full interval from now while a partial frame is held, else stops. */
  restart(partialHeld: boolean): void {
    if (!partialHeld) {
      this.clear();
      return;
    }
    // Re-arm the running timer instead of a new Timeout per chunk (a keyboard
    // swipe is ~180 reports); refresh() restarts the full interval.
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#onSilence();
    }, this.#timeoutMs);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * `DEVICE_READ_TIMEOUT` for a partial frame dropped for silence: "Partial
 * {unit} of {n} bytes, then {silence} for {ms} ms", sizes only, never the bytes.
 */
export function partialFrameTimeout(unit: 'line' | 'packet' | 'frame', pendingBytes: number, timeoutMs: number, silence = 'silence'): PosError {
  return new PosError('DEVICE_READ_TIMEOUT', `Partial ${unit} of ${pendingBytes} bytes, then ${silence} for ${timeoutMs} ms`, { pendingBytes, timeoutMs });
}
