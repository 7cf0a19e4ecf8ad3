/**
 * The device's end of a pty pair as a `ByteTransport`, on node's own tty
 * stream (hw-mocks do not import drivers/): reads through `tty.ReadStream`
 * (event-loop driven, no thread held by a blocking read), writes with
 * `fs.write`, one after another: two `fs.write`s in flight at once run on
 * the thread pool and may reach the line in either order, which no serial
 * line does. socat already put the pty in raw mode without echo.
 */
import { closeSync, constants, openSync, write } from 'node:fs';
import { ReadStream } from 'node:tty';
import type { ByteTransport } from '../src/devices/byte-transport.js';
import { PosError } from '../src/util/errors.js';

const WRITE_RETRY_MS = 5;

export function openPtyEnd(path: string): ByteTransport {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  } catch (err) {
    throw new PosError('DEVICE_OPEN_FAILED', `Cannot open ${path}`, { path, reason: 'open' }, { cause: err });
  }
  return new PtyEnd(path, fd);
}

class PtyEnd implements ByteTransport {
  readonly description: string;
  readonly #fd: number;
  readonly #stream: ReadStream;
  readonly #dataListeners = new Set<(chunk: Buffer) => void>();
  readonly #closeListeners = new Set<(error?: PosError) => void>();
  #ended = false;
  /** The last write: the next starts once it is done, so bytes keep their order. */
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, fd: number) {
    this.description = path;
    this.#fd = fd;
    this.#stream = new ReadStream(fd);
    this.#stream.on('data', (chunk: Buffer) => {
      for (const l of [...this.#dataListeners]) l(chunk);
    });
    // EIO when socat goes away: the other side of the wire is gone.
    this.#stream.on('error', (err) => this.#finish(this.#gone(err)));
    this.#stream.on('end', () => this.#finish(this.#gone()));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(new PosError('DEVICE_CLOSED', `Write to closed ${this.description}`, { path: this.description }));
    const buffer = Buffer.from(bytes);
    const written = this.#writing.then(() => this.#writeAll(buffer));
    this.#writing = written.catch(() => undefined);
    return written;
  }

  #writeAll(buffer: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const step = (offset: number): void => {
        if (offset >= buffer.length) return resolve();
        write(this.#fd, buffer, offset, buffer.length - offset, null, (err, written) => {
          if (err?.code === 'EAGAIN') setTimeout(() => step(offset), WRITE_RETRY_MS);
          else if (err) reject(this.#gone(err));
          else step(offset + written);
        });
      };
      step(0);
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    const entry = (chunk: Buffer): void => listener(chunk);
    this.#dataListeners.add(entry);
    return () => this.#dataListeners.delete(entry);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    const entry = (error?: PosError): void => (error === undefined ? listener() : listener(error));
    this.#closeListeners.add(entry);
    return () => this.#closeListeners.delete(entry);
  }

  close(): Promise<void> {
    this.#finish(undefined);
    return Promise.resolve();
  }

  #gone(cause?: Error): PosError {
    return new PosError('DEVICE_DISCONNECTED', `${this.description} went away`, { path: this.description }, { cause });
  }

  #finish(error: PosError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#dataListeners.clear();
    // Destroying the stream closes its handle; the fd we opened is closed here once.
    this.#stream.destroy();
    try {
      closeSync(this.#fd);
    } catch {
      // Already closed with the stream's handle.
    }
    for (const l of [...this.#closeListeners]) l(error);
    this.#closeListeners.clear();
  }
}
