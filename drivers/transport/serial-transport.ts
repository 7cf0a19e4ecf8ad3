/**
 * `ByteTransport` over a serial port: a real UART or USB-serial adapter, a pty
 * made by socat, or `@serialport/binding-mock` in tests. The binding is passed
 * in (default: the platform's, detected by `@serialport/bindings-cpp` as the
 * `serialport` package does, without loading that package's parsers and mock
 * binding), the same port stream class runs over each.
 */
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream, type OpenOptions } from '@serialport/stream';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { PosError } from '../../src/util/errors.js';
import { ListenerSet } from './listener-set.js';
import { TransportEnd } from './transport-end.js';

/** A serialport binding: the platform's (default) or `MockBinding` from `@serialport/binding-mock`. */
export type SerialBinding = OpenOptions['binding'];

let platformBinding: SerialBinding | undefined;

/** The platform's binding (its native module loads on first use): what opens real ports and lists them. */
export function platformSerialBinding(): SerialBinding {
  platformBinding ??= autoDetect();
  return platformBinding;
}

export interface SerialTransportOptions {
  /** `/dev/ttyUSB0`, `/dev/serial/by-id/…`, a pty link. Not sensitive: it may appear in logs and errors. */
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits?: 5 | 6 | 7 | 8;
  readonly parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  readonly stopBits?: 1 | 1.5 | 2;
}

/**
 * Opens the port and resolves with a transport once it is open. Rejects with
 * `DEVICE_OPEN_FAILED` (details: path) when the port cannot be opened or the
 * options are refused; the binding's own error is kept as `cause`.
 */
export async function openSerialTransport(options: SerialTransportOptions, binding: SerialBinding = platformSerialBinding()): Promise<ByteTransport> {
  const { path } = options;
  let port: SerialPortStream;
  try {
    port = new SerialPortStream({
      binding,
      path,
      baudRate: options.baudRate,
      autoOpen: false,
      ...(options.dataBits === undefined ? {} : { dataBits: options.dataBits }),
      ...(options.parity === undefined ? {} : { parity: options.parity }),
      ...(options.stopBits === undefined ? {} : { stopBits: options.stopBits }),
    });
  } catch (err) {
    throw new PosError('DEVICE_OPEN_FAILED', `Cannot open ${path}: options refused`, { path, reason: 'options' }, { cause: err });
  }
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) reject(new PosError('DEVICE_OPEN_FAILED', `Cannot open ${path}`, { path, reason: 'open' }, { cause: err }));
      else resolve();
    });
  });
  return new SerialTransport(port, path);
}

class SerialTransport implements ByteTransport {
  readonly description: string;
  readonly #port: SerialPortStream;
  readonly #data = new ListenerSet<Buffer>();
  readonly #end = new TransportEnd();
  #closing: Promise<void> | undefined;

  constructor(port: SerialPortStream, path: string) {
    this.#port = port;
    this.description = path;
    port.on('data', (chunk: Buffer) => {
      if (!this.#end.ended) this.#data.emit(chunk);
    });
    port.on('close', (err: Error | null) => {
      // Our own close() ends cleanly; any other close means the device went away.
      this.#finish(this.#closing !== undefined && !err ? undefined : this.#disconnected(err ?? undefined));
    });
    // Read and write failures reach 'close' through the stream's disconnect path;
    // 'error' must still be listened to, and means the port is gone if it is no longer open.
    port.on('error', (err: Error) => {
      if (!port.isOpen && this.#closing === undefined) this.#finish(this.#disconnected(err));
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#end.ended || this.#closing !== undefined) {
      return Promise.reject(new PosError('DEVICE_CLOSED', `Write to closed port ${this.description}`, { path: this.description }));
    }
    // The port gets its own copy (the caller may reuse its buffer), zeroed once written: a PIN pad's request holds the PAN.
    const copy = Buffer.from(bytes);
    return new Promise<void>((resolve, reject) => {
      this.#port.write(copy, (err) => {
        copy.fill(0);
        if (err) {
          reject(
            this.#port.isOpen
              ? new PosError('DEVICE_WRITE_FAILED', `Write to ${this.description} failed`, { path: this.description }, { cause: err })
              : this.#disconnected(err),
          );
          return;
        }
        this.#port.drain((drainErr) => {
          if (drainErr) reject(this.#disconnected(drainErr));
          else resolve();
        });
      });
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.#data.add(listener);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.#end.onClose(listener);
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      if (this.#end.ended || !this.#port.isOpen) {
        this.#finish(undefined);
        resolve();
        return;
      }
      // The 'close' event fires before the callback, which settles the listeners.
      this.#port.close(() => {
        this.#finish(undefined);
        resolve();
      });
    });
    return this.#closing;
  }

  #disconnected(cause?: Error): PosError {
    return new PosError('DEVICE_DISCONNECTED', `Device ${this.description} went away`, { path: this.description }, { cause });
  }

  #finish(error: PosError | undefined): void {
    this.#end.finish(error, () => this.#data.clear());
  }
}
