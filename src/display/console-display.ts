/**
 * A display with no hardware: each screen becomes a few lines of text on a
 * stream (stdout for `pos run`, stderr or a buffer for the demo and tests).
 */
import type { Writable } from 'node:stream';
import type { DeviceState } from '../devices/card-reader.js';
import type { Display, Screen } from '../devices/display.js';
import { formatAmount } from '../util/iso4217.js';

/** The lines a customer would read for a screen: prompt, then amount, then reason. */
export function renderScreenLines(screen: Screen): string[] {
  const lines = [screen.prompt];
  if (screen.amount) lines.push(formatAmount(screen.amount.minor, screen.amount.currency));
  if (screen.reason) lines.push(screen.reason);
  return lines;
}

export class ConsoleDisplay implements Display {
  readonly name = 'console';
  readonly #out: Writable;
  #closed = false;

  constructor(out: Writable) {
    this.#out = out;
  }

  show(screen: Screen): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#out.write(`[display] ${renderScreenLines(screen).join(' | ')}\n`);
    return Promise.resolve();
  }

  /** A stream cannot be unplugged: connected until closed. */
  state(): DeviceState {
    return this.#closed ? 'closed' : 'connected';
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** Keeps every screen shown, for tests and for the demo's quiet mode. */
export class RecordingDisplay implements Display {
  readonly name = 'recording';
  readonly shown: Screen[] = [];
  #closed = false;

  show(screen: Screen): Promise<void> {
    this.shown.push(screen);
    return Promise.resolve();
  }

  state(): DeviceState {
    return this.#closed ? 'closed' : 'connected';
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
