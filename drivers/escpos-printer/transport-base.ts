/**
 * What the printer's own transports (TCP, usb-lp) share as `ByteTransport`s:
 * received bytes to their listeners, one end heard once, and the refusal of
 * a write after that end.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { PosError } from '../../src/util/errors.js';
import { ListenerSet } from '../transport/listener-set.js';
import { TransportEnd } from '../transport/transport-end.js';

export abstract class TransportBase implements Pick<ByteTransport, 'onData' | 'onClose'> {
  readonly description: string;
  protected readonly data = new ListenerSet<Buffer>();
  protected readonly end = new TransportEnd();

  constructor(description: string) {
    this.description = description;
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.data.add(listener);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.end.onClose(listener);
  }

  /** Ends once: data listeners dropped, then the end's listeners hear `error` (none: closed on purpose). */
  protected finish(error: PosError | undefined): void {
    this.end.finish(error, () => this.data.clear());
  }

  protected closedError(): PosError {
    return new PosError('DEVICE_CLOSED', `Write to closed ${this.description}`, { path: this.description });
  }

  /** The printer went away under us. */
  protected gone(cause?: unknown): PosError {
    return new PosError('DEVICE_DISCONNECTED', `Printer on ${this.description} went away`, { path: this.description }, { cause });
  }
}
