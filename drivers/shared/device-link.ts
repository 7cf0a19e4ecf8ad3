/**
 * A driver's hold on its device: the state it reports, closing once, and the
 * transport going away under it. Whatever the driver has pending (an armed
 * read, command exchanges) is failed through `failPending` — with a
 * cancellation on close, with the transport's error on loss — so every driver
 * ends its work the same way when the wire does.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { PosError } from '../../src/util/errors.js';
import { deviceDisconnected, notConnected, readCancelled } from './device-errors.js';

export interface DeviceLinkOptions {
  readonly name: string;
  readonly log: Logger;
  /** What the log calls the device when it goes away: `reader`, `PIN pad`. */
  readonly role: string;
  readonly closeTransport: () => Promise<void>;
  readonly failPending: (error: PosError) => void;
}

export class DeviceLink {
  readonly #o: DeviceLinkOptions;
  readonly #detachers: (() => void)[] = [];
  #state: DeviceState = 'connected';
  #closing: Promise<void> | undefined;

  constructor(options: DeviceLinkOptions) {
    this.#o = options;
  }

  /**
   * The link of a framed driver on `transport`: closing closes the transport,
   * its chunks go to `onData`, its end is `lost`, and `dispose` (the framer's
   * inter-byte timer) runs when the link detaches.
   */
  static over(transport: ByteTransport, options: Omit<DeviceLinkOptions, 'closeTransport'>, onData: (chunk: Buffer) => void, dispose: () => void): DeviceLink {
    const link = new DeviceLink({ ...options, closeTransport: () => transport.close() });
    link.onDetach(
      transport.onData(onData),
      transport.onClose((error) => link.lost(error)),
      dispose,
    );
    return link;
  }

  /** What to undo when the link closes or is lost (unsubscribes, framer timers). */
  onDetach(...undo: (() => void)[]): void {
    this.#detachers.push(...undo);
  }

  get state(): DeviceState {
    return this.#state;
  }

  /** Throws `DEVICE_CLOSED` / `DEVICE_DISCONNECTED` unless the device is connected. */
  checkUsable(): void {
    const refused = notConnected(this.#o.name, this.#state);
    if (refused !== undefined) throw refused;
  }

  /** Idempotent: pending work is cancelled, then the transport closes. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#state = 'closed';
    this.#o.failPending(readCancelled(this.#o.name, 'closed'));
    this.#detach();
    this.#closing = this.#o.closeTransport();
    return this.#closing;
  }

  /** The transport ended under us: `disconnected`, and pending work fails with the transport's error. */
  lost(error?: PosError): void {
    if (this.#state === 'closed') return;
    this.#state = 'disconnected';
    this.#o.log.warn({ code: error?.code ?? 'DEVICE_DISCONNECTED' }, `${this.#o.role} went away`);
    this.#o.failPending(error ?? deviceDisconnected(this.#o.name));
    this.#detach();
  }

  #detach(): void {
    for (const undo of this.#detachers.splice(0)) undo();
  }
}

/** A framer's `onTimeout` for a driver: the partial `what` (packet, frame) it dropped, at debug, by code and details only. */
export function logDroppedPartial(log: Logger, what: string): (error: PosError) => void {
  return (error) => log.debug({ code: error.code, details: error.details }, `partial ${what} dropped`);
}
