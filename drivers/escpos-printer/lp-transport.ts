/**
 * A `ByteTransport` on a USB printer-class device file (`/dev/usb/lp0`, the
 * kernel's usblp driver), opened read/write and non-blocking. A bidirectional
 * printer answers DLE EOT on the same file; a printer only answers what it is
 * asked, so the file is read (polled: a character device gives `EAGAIN` when
 * it has nothing) only for a while after each write, never on an idle line.
 * ENODEV/EIO on a read or write is the printer unplugged (`DEVICE_DISCONNECTED`).
 * Works on any character device read the same way (a pty in the tests).
 */
import { close as closeFd, constants, open, read, write } from 'node:fs';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { PosError } from '../../src/util/errors.js';
import { TransportBase } from './transport-base.js';

/** How long after a write the file is read for an answer. */
const ANSWER_WINDOW_MS = 2000;
const POLL_MS = 10;
const WRITE_RETRY_MS = 5;
const READ_BYTES = 64;

export function openLpTransport(path: string): Promise<ByteTransport> {
  return new Promise((resolve, reject) => {
    open(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY, (err, fd) => {
      if (err) reject(new PosError('DEVICE_OPEN_FAILED', `Cannot open ${path}`, { path, reason: 'open' }, { cause: err }));
      else resolve(new LpTransport(path, fd));
    });
  });
}

class LpTransport extends TransportBase implements ByteTransport {
  readonly #fd: number;
  /** Read until then (ms, `Date.now()`); a write moves it on. */
  #readUntil = 0;
  #polling: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(path: string, fd: number) {
    super(path);
    this.#fd = fd;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.end.ended) return Promise.reject(this.closedError());
    const buffer = Buffer.from(bytes);
    return new Promise<void>((resolve, reject) => {
      const step = (offset: number): void => {
        if (this.end.ended) return reject(this.closedError());
        if (offset >= buffer.length) {
          this.#listen();
          return resolve();
        }
        write(this.#fd, buffer, offset, buffer.length - offset, null, (err, written) => {
          if (err?.code === 'EAGAIN') setTimeout(() => step(offset), WRITE_RETRY_MS);
          else if (err) reject(this.#lost(err));
          else step(offset + written);
        });
      };
      step(0);
    });
  }

  close(): Promise<void> {
    if (this.end.ended) return Promise.resolve();
    this.#release(undefined);
    return new Promise((resolve) => closeFd(this.#fd, () => resolve()));
  }

  /** Reads for `ANSWER_WINDOW_MS` from now. */
  #listen(): void {
    this.#readUntil = Date.now() + ANSWER_WINDOW_MS;
    this.#polling ??= setTimeout(() => this.#poll(), 0);
  }

  #poll(): void {
    this.#polling = undefined;
    if (this.end.ended || this.#reading) return;
    this.#reading = true;
    const buffer = Buffer.alloc(READ_BYTES);
    read(this.#fd, buffer, 0, READ_BYTES, null, (err, count) => {
      this.#reading = false;
      if (this.end.ended) return;
      if (err && err.code !== 'EAGAIN') {
        this.#lost(err);
        return;
      }
      if (!err && count > 0) this.data.emit(buffer.subarray(0, count));
      const more = !err && count > 0;
      if (more || Date.now() < this.#readUntil) this.#polling = setTimeout(() => this.#poll(), more ? 0 : POLL_MS);
    });
  }

  /** The device went away: the transport ends with `DEVICE_DISCONNECTED` and lets go of the file. */
  #lost(cause: NodeJS.ErrnoException): PosError {
    const error = this.gone(cause);
    if (!this.end.ended) {
      this.#release(error);
      closeFd(this.#fd, () => undefined);
    }
    return error;
  }

  #release(error: PosError | undefined): void {
    if (this.#polling !== undefined) clearTimeout(this.#polling);
    this.#polling = undefined;
    this.finish(error);
  }
}
