/**
 * The seam between a device protocol and the wire. A serial port, a socat pty,
 * `@serialport/binding-mock`, a HID device and an in-memory pair all look like
 * this to a driver, so a driver never knows which one it talks to.
 */
import type { PosError } from '../util/errors.js';

export interface ByteTransport {
  /** What this transport is attached to, for logs and diagnostics (`/dev/ttyUSB0`, `mock:reader`). Never card data. */
  readonly description: string;

  /**
   * Writes all of `bytes` and resolves once they are handed to the OS (drained).
   * Rejects with a `PosError` of kind `disconnected` if the transport is closed
   * or the device went away, and of kind `io` for any other failure.
   */
  write(bytes: Uint8Array): Promise<void>;

  /**
   * Subscribes to received bytes, in order, chunked however the OS delivered
   * them (a frame may arrive split anywhere). Returns the unsubscribe function.
   */
  onData(listener: (chunk: Buffer) => void): () => void;

  /**
   * Subscribes to the end of the transport: called once, with no argument after
   * `close()`, or with a `PosError` of kind `disconnected` when the device went
   * away (unplug, EIO). No data is delivered after it.
   */
  onClose(listener: (error?: PosError) => void): () => void;

  /** Closes the transport; idempotent; resolves when the underlying handle is released. */
  close(): Promise<void>;
}
