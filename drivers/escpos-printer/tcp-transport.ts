/**
 * A `ByteTransport` on a TCP connection: a network receipt printer's raw
 * port (9100, "JetDirect"/AppSocket), where ESC/POS goes in and DLE EOT
 * answers come back on the same socket. Keep-alive notices a printer that
 * was switched off; its end is the device going away (`DEVICE_DISCONNECTED`).
 */
import { connect, type Socket } from 'node:net';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { PosError } from '../../src/util/errors.js';
import { TransportBase } from './transport-base.js';

export interface TcpTransportOptions {
  readonly host: string;
  readonly port: number;
  /** How long the connection may take; default 5000 ms. */
  readonly connectTimeoutMs?: number;
}

const KEEP_ALIVE_MS = 10_000;

/** Connects; rejects with `DEVICE_OPEN_FAILED` (details: path `tcp:host:port`) when the printer does not accept in time. */
export function openTcpTransport({ host, port, connectTimeoutMs = 5000 }: TcpTransportOptions): Promise<ByteTransport> {
  const path = `tcp:${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (cause: unknown, reason: string): void => {
      socket.destroy();
      reject(new PosError('DEVICE_OPEN_FAILED', `Cannot connect to ${path}`, { path, reason }, { cause }));
    };
    socket.setTimeout(connectTimeoutMs, () => fail(new Error('connect timeout'), 'timeout'));
    socket.once('error', (err) => fail(err, 'open'));
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEP_ALIVE_MS);
      resolve(new TcpTransport(path, socket));
    });
  });
}

class TcpTransport extends TransportBase implements ByteTransport {
  readonly #socket: Socket;
  #closing = false;

  constructor(description: string, socket: Socket) {
    super(description);
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.data.emit(chunk));
    socket.on('error', () => undefined); // 'close' follows and says it
    socket.on('close', () => this.finish(this.#closing ? undefined : this.gone()));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.end.ended || this.#closing) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.#socket.write(bytes, (err) => (err ? reject(this.gone(err)) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.end.ended) return Promise.resolve();
    this.#closing = true;
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.end();
      // A printer that never closes its side is not waited for.
      setTimeout(() => this.#socket.destroy(), 1000).unref();
    });
  }
}
