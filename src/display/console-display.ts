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

/** A display with no device behind it: it cannot be unplugged, so it is connected until closed. */
abstract class DevicelessDisplay implements Display {
  abstract readonly name: string;
  #closed = false;

  protected get closed(): boolean {
    return this.#closed;
  }

  abstract show(screen: Screen): Promise<void>;

  state(): DeviceState {
    return this.#closed ? 'closed' : 'connected';
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

export class ConsoleDisplay extends DevicelessDisplay {
  readonly name = 'console';
  readonly #out: Writable;

  constructor(out: Writable) {
    super();
    this.#out = out;
  }

  show(screen: Screen): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.#out.write(`[display] ${renderScreenLines(screen).join(' | ')}\n`);
    return Promise.resolve();
  }
}

/** Keeps every screen shown, for tests and for the demo's quiet mode. */
export class RecordingDisplay extends DevicelessDisplay {
  readonly name = 'recording';
  readonly shown: Screen[] = [];

  show(screen: Screen): Promise<void> {
    this.shown.push(screen);
    return Promise.resolve();
  }
}
