/**
 * Two `ByteTransport` ends joined in memory: what one end writes, the other
 * receives, in order, on a later microtask (never inside `write`, as with a
 * real port). For unit tests, and for hosts without socat. Closing one end is
 * the other end's device going away.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { PosError } from '../../src/util/errors.js';
import { ListenerSet } from './listener-set.js';
import { TransportEnd } from './transport-end.js';

export interface MemoryTransport extends ByteTransport {
  /** Simulates the cable being pulled: both ends end with `DEVICE_DISCONNECTED`. */
  unplug(): void;
}

export interface MemoryPairNames {
  readonly host?: string;
  readonly device?: string;
}

/** `[hostEnd, deviceEnd]`: give the host end to the driver and the device end to the virtual device. */
export function createMemoryTransportPair(names: MemoryPairNames = {}): [MemoryTransport, MemoryTransport] {
  const host = new MemoryEnd(names.host ?? 'memory:host');
  const device = new MemoryEnd(names.device ?? 'memory:device');
  host.peer = device;
  device.peer = host;
  return [host, device];
}

class MemoryEnd implements MemoryTransport {
  readonly description: string;
  peer: MemoryEnd | undefined;
  readonly #data = new ListenerSet<Buffer>();
  readonly #end = new TransportEnd();

  constructor(description: string) {
    this.description = description;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#end.ended) return Promise.reject(new PosError('DEVICE_CLOSED', `Write to closed ${this.description}`, { path: this.description }));
    const copy = Buffer.from(bytes);
    const peer = this.peer;
    queueMicrotask(() => peer?.receive(copy));
    return Promise.resolve();
  }

  receive(chunk: Buffer): void {
    if (!this.#end.ended) this.#data.emit(chunk);
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.#data.add(listener);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.#end.onClose(listener);
  }

  close(): Promise<void> {
    if (!this.#end.ended) {
      this.finish(undefined);
      // Deliver after bytes already in flight, as a port would.
      const peer = this.peer;
      queueMicrotask(() => peer?.finish(peer.disconnected()));
    }
    return Promise.resolve();
  }

  unplug(): void {
    this.finish(this.disconnected());
    this.peer?.finish(this.peer.disconnected());
  }

  disconnected(): PosError {
    return new PosError('DEVICE_DISCONNECTED', `Device on ${this.description} went away`, { path: this.description });
  }

  finish(error: PosError | undefined): void {
    this.#end.finish(error, () => this.#data.clear());
  }
}
