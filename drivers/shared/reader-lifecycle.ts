/**
 * The life of a card reader whose read is one armed promise (serial, MagTek
 * HID and keyboard MSRs): a `DeviceLink` whose pending work is the armed read
 * (`ReadSlot`). Each driver keeps only its
 * protocol: it feeds complete reads or read errors in here.
 */
import type { Logger } from 'pino';
import { parseSwipeLine } from '../../src/card/swipe-line.js';
import type { DeviceState, SwipeRead } from '../../src/devices/card-reader.js';
import { asPosError, type PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { DeviceLink } from './device-link.js';
import { ReadSlot } from './read-slot.js';

export class ReaderLifecycle<T> {
  readonly slot: ReadSlot<T>;
  readonly #log: Logger;
  readonly #link: DeviceLink;

  constructor(name: string, log: Logger, closeTransport: () => Promise<void>) {
    this.slot = new ReadSlot(name);
    this.#log = log;
    this.#link = new DeviceLink({ name, log, role: 'reader', closeTransport, failPending: (error) => this.slot.settle({ error }) });
  }

  /** What to undo when the reader closes or loses its device (unsubscribes, framer timers). */
  onDetach(...undo: (() => void)[]): void {
    this.#link.onDetach(...undo);
  }

  get state(): DeviceState {
    return this.#link.state;
  }

  arm(signal: AbortSignal): Promise<T> {
    return this.slot.arm(this.#link.state, signal);
  }

  /** Idempotent: an armed read rejects as cancelled, then the transport closes. */
  close(): Promise<void> {
    return this.#link.close();
  }

  /** The transport ended under us: `disconnected`, and an armed read rejects with the transport's error. */
  lost(error?: PosError): void {
    this.#link.lost(error);
  }

  /** A read went wrong (bad bytes, a bad card): the armed read rejects; the port stays open. */
  failRead(error: PosError): void {
    this.#log.debug({ code: error.code, details: error.details, armed: this.slot.armed }, 'read error');
    this.slot.settle({ error });
  }
}

/**
 * A complete ASCII swipe line (`%B…?;…?`) into the armed read: parsed with
 * `src/card`, or a read error. Takes ownership of `line` and wipes it; a line
 * with no read armed is dropped.
 */
export function settleSwipeLine(reader: ReaderLifecycle<SwipeRead>, line: Buffer, log: Logger, where: string): void {
  const raw = Sensitive.of('track', line);
  try {
    if (!reader.slot.armed) {
      log.debug({ lengthBytes: raw.length }, 'swipe while no read is armed: dropped');
      return;
    }
    let read: SwipeRead;
    try {
      read = { entryMode: 'swipe', card: parseSwipeLine(raw.reveal()) };
    } catch (err) {
      reader.failRead(asPosError(err, where));
      return;
    }
    log.debug({ pan: read.card.pan, brand: read.card.brand }, 'card swiped');
    reader.slot.settle({ value: read });
  } finally {
    raw.wipe();
  }
}
