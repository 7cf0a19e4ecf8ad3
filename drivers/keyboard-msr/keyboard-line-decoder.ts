/**
 * Boot keyboard reports (HID 1.11 Appendix B.1) → characters (US layout,
 * `us-keyboard-layout.ts`) → swipe lines ended by ENTER, for magstripe readers
 * that emulate a keyboard.
 *
 * Rules (HID 1.11 §8.3 "Report Format for Array Items", Appendix C "Keyboard
 * Implementation"):
 * - A report lists the keys down now. A character is typed when its key
 *   appears that was not down in the previous report (press order = slot
 *   order); a key held across reports types once — repeat is the host's
 *   typematic business, and a reader presses again for a repeated character.
 * - Shift (either side) selects the shifted character; a key pressed with
 *   Ctrl, Alt or GUI types nothing.
 * - ErrorRollOver (0x01 in the key slots) means the report's keys are
 *   undefined: the report is ignored, the line being typed is discarded and
 *   reported (`HID_KEYBOARD_ROLLOVER`), and characters resume after ENTER.
 * - A usage outside the layout (F-keys, arrows) discards the line the same
 *   way (`HID_KEYBOARD_UNMAPPED`).
 *
 * Limits as for every framer: `maxLineBytes` (then discard to ENTER) and an
 * inter-key timeout (a partial line then silence is dropped).
 */
import { PosError } from '../../src/util/errors.js';
import { InterByteTimer, partialFrameTimeout } from '../shared/inter-byte-timer.js';
import {
  BOOT_REPORT_BYTES,
  KEY_SLOTS_OFFSET,
  MOD_NON_SHIFT,
  MOD_SHIFT,
  US_LAYOUT,
  USAGE_ENTER,
  USAGE_ERROR_ROLLOVER,
  USAGE_ERROR_UNDEFINED,
  USAGE_KEYPAD_ENTER,
  USAGE_NONE,
  USAGE_POST_FAIL,
  type KeyLayout,
} from './us-keyboard-layout.js';

/** Key slots in a boot report (bytes 2–7). */
const KEY_SLOTS = BOOT_REPORT_BYTES - KEY_SLOTS_OFFSET;

export type KeyboardEvent = { readonly type: 'line'; readonly line: Buffer } | { readonly type: 'error'; readonly error: PosError };

export interface KeyboardDecoderOptions {
  readonly maxLineBytes: number;
  readonly interKeyTimeoutMs: number;
  readonly onTimeout: (error: PosError) => void;
  readonly layout?: KeyLayout;
}

export class KeyboardLineDecoder {
  readonly #options: KeyboardDecoderOptions;
  readonly #layout: KeyLayout;
  readonly #line: Buffer;
  #length = 0;
  /**
   * The keys down in the previous report and in the one being read (usage
   * IDs, `#downCount` of them in `#previous`). The keys a swipe types are its
   * tracks, so they live in two fixed buffers zeroed as they are done with,
   * not in an array allocated per report and left to the garbage collector.
   */
  #previous = new Uint8Array(KEY_SLOTS);
  #current = new Uint8Array(KEY_SLOTS);
  #downCount = 0;
  #discarding = false;
  readonly #timer: InterByteTimer;

  constructor(options: KeyboardDecoderOptions) {
    this.#options = options;
    this.#timer = new InterByteTimer(options.interKeyTimeoutMs, () => this.#onSilence());
    this.#layout = options.layout ?? US_LAYOUT;
    this.#line = Buffer.alloc(options.maxLineBytes);
  }

  get pendingBytes(): number {
    return this.#length;
  }

  /** Feeds one input report; returns the lines and errors it completes. The caller wipes the lines. */
  push(report: Uint8Array): KeyboardEvent[] {
    const events: KeyboardEvent[] = [];
    if (report.length !== BOOT_REPORT_BYTES) {
      events.push({
        type: 'error',
        error: new PosError('HID_REPORT_LENGTH', `A keyboard report of ${report.length} bytes is not a boot report`, {
          lengthBytes: report.length,
          expected: [BOOT_REPORT_BYTES],
        }),
      });
      return events;
    }
    const modifiers = report[0] as number;
    const keys = this.#current;
    let count = 0;
    let undefinedKeys = false;
    for (let i = KEY_SLOTS_OFFSET; i < BOOT_REPORT_BYTES; i++) {
      const k = report[i] as number;
      if (k === USAGE_NONE) continue;
      if (k === USAGE_ERROR_ROLLOVER || k === USAGE_POST_FAIL || k === USAGE_ERROR_UNDEFINED) undefinedKeys = true;
      keys[count++] = k;
    }
    if (undefinedKeys) {
      // The keys are undefined: keep the previous key state, drop the line.
      keys.fill(0);
      this.#fail(events, new PosError('HID_KEYBOARD_ROLLOVER', 'The reader reported ErrorRollOver; the line was discarded', { pendingBytes: this.#length }));
      this.#timer.restart(this.#length > 0 || this.#discarding);
      return events;
    }
    for (let j = 0; j < count; j++) {
      const usage = keys[j] as number;
      if (!this.#wasDown(usage)) this.#key(usage, modifiers, events);
    }
    // This report's keys become the previous ones; the old previous ones are zeroed for the next report.
    this.#current = this.#previous;
    this.#current.fill(0);
    this.#previous = keys;
    this.#downCount = count;
    this.#timer.restart(this.#length > 0 || this.#discarding);
    return events;
  }

  /** Drops a partial line (zeroed), key state and timer. */
  reset(): void {
    this.#timer.clear();
    this.#line.fill(0, 0, this.#length);
    this.#length = 0;
    this.#discarding = false;
    this.#previous.fill(0);
    this.#current.fill(0);
    this.#downCount = 0;
  }

  dispose(): void {
    this.reset();
    this.#line.fill(0);
  }

  #wasDown(usage: number): boolean {
    for (let j = 0; j < this.#downCount; j++) if (this.#previous[j] === usage) return true;
    return false;
  }

  #key(usage: number, modifiers: number, events: KeyboardEvent[]): void {
    if (usage === USAGE_ENTER || usage === USAGE_KEYPAD_ENTER) {
      if (!this.#discarding && this.#length > 0) events.push({ type: 'line', line: Buffer.from(this.#line.subarray(0, this.#length)) });
      this.#line.fill(0, 0, this.#length);
      this.#length = 0;
      this.#discarding = false;
      return;
    }
    if ((modifiers & MOD_NON_SHIFT) !== 0) return;
    const chars = this.#layout[usage];
    if (chars === undefined) {
      this.#fail(events, new PosError('HID_KEYBOARD_UNMAPPED', `Key usage 0x${usage.toString(16)} is not in the layout; the line was discarded`, { usage }));
      return;
    }
    if (this.#discarding) return;
    if (this.#length >= this.#options.maxLineBytes) {
      this.#fail(
        events,
        new PosError('DEVICE_LINE_TOO_LONG', `Line over ${this.#options.maxLineBytes} bytes discarded`, {
          maxLineBytes: this.#options.maxLineBytes,
          receivedBytes: this.#length + 1,
        }),
      );
      return;
    }
    const ch = (modifiers & MOD_SHIFT) !== 0 ? chars[1] : chars[0];
    this.#line[this.#length++] = ch.charCodeAt(0);
  }

  /** Reports once per line, then ignores characters up to ENTER. */
  #fail(events: KeyboardEvent[], error: PosError): void {
    this.#line.fill(0, 0, this.#length);
    this.#length = 0;
    if (!this.#discarding) events.push({ type: 'error', error });
    this.#discarding = true;
  }

  #onSilence(): void {
    const pendingBytes = this.#length;
    const wasDiscarding = this.#discarding;
    this.reset();
    if (!wasDiscarding) this.#options.onTimeout(partialFrameTimeout('line', pendingBytes, this.#options.interKeyTimeoutMs, 'no key'));
  }
}
