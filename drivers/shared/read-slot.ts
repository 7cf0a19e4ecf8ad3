/**
 * The one-armed-read rule every card reader follows (`CardReader.readCard`):
 * one read at a time (a second is `DEVICE_BUSY`), an abort signal cancels it
 * (`DEVICE_READ_CANCELLED`), closing or losing the device rejects it. Shared
 * by the card readers whose read is one armed promise (serial, HID and
 * keyboard MSRs) so each driver holds only its protocol; ViVOpay's read is a
 * command exchange with its own cancel and keeps its own bookkeeping.
 */
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { PosError } from '../../src/util/errors.js';
import { deviceDisconnected, notConnected, readBusy, readCancelled } from './device-errors.js';

interface Armed<T> {
  resolve(value: T): void;
  reject(error: PosError): void;
  disarm(): void;
}

export class ReadSlot<T> {
  readonly #name: string;
  #armed: Armed<T> | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  get armed(): boolean {
    return this.#armed !== undefined;
  }

  /** Arms one read in the given device state; rejects at once when it cannot be armed. */
  arm(state: DeviceState, signal: AbortSignal): Promise<T> {
    const refused = notConnected(this.#name, state);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.#armed !== undefined) return Promise.reject(readBusy(this.#name));
    if (signal.aborted) return Promise.reject(this.cancelled('aborted'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => this.settle({ error: this.cancelled('aborted') });
      signal.addEventListener('abort', onAbort, { once: true });
      this.#armed = { resolve, reject, disarm: () => signal.removeEventListener('abort', onAbort) };
    });
  }

  /** Resolves or rejects the armed read; nothing when none is armed. */
  settle(outcome: { readonly value: T } | { readonly error: PosError }): void {
    const armed = this.#armed;
    if (armed === undefined) return;
    this.#armed = undefined;
    armed.disarm();
    if ('value' in outcome) armed.resolve(outcome.value);
    else armed.reject(outcome.error);
  }

  cancelled(reason: 'aborted' | 'closed'): PosError {
    return readCancelled(this.#name, reason);
  }

  disconnected(): PosError {
    return deviceDisconnected(this.#name);
  }
}
