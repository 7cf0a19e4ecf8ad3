/**
 * What every face of the bank-host simulator (ISO 8583 over TCP/TLS, the
 * HTTPS JSON gateway, the admin port) does the same way: listen with one
 * error, stop by dropping every connection, and answer JSON. Written once so
 * that a test gets `HOST_SIM_LISTEN_FAILED` with the same details from each.
 */
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import { PosError } from '../../src/util/errors.js';

/** Listens; resolves with the port bound (`0` lets the OS choose), rejects `HOST_SIM_LISTEN_FAILED` (details: host, port, errno). */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new PosError('HOST_SIM_LISTEN_FAILED', `Cannot listen on ${host}:${port} (${err.code ?? 'unknown'})`, { host, port, errno: err.code ?? 'unknown' }, { cause: err }));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Keeps `sockets` in step with the server's open connections, so that `closeServer` can drop them. */
export function trackConnections(server: Server, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
}

/** Destroys every connection, then stops listening: `server.close()` alone would wait for keep-alive clients. */
export async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A JSON answer that no cache keeps; nothing when the answer has already started or the client has gone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
}

/**
 * One face's listening server with what stopping must drop: its open
 * connections and the delayed answers it still owes. The port stays known
 * after `stop()`, so a restart can listen on it again.
 */
export class ServerSlot {
  readonly sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | null = null;
  #port = 0;

  /** The bound port; 0 before the first `listen`. */
  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== null;
  }

  /** Listens with `listenOn`'s error; the slot holds the server from then on. */
  async listen(server: Server, host: string, port: number): Promise<void> {
    this.#port = await listenOn(server, host, port);
    this.#server = server;
  }

  /** Keeps `socket` among the connections `stop()` drops, until it closes. */
  hold(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Runs `answer` after `ms` unless the server stops first. */
  later(ms: number, answer: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      answer();
    }, ms);
    this.#timers.add(timer);
  }

  /** Cancels owed answers, drops every connection, stops listening. Idempotent. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await closeServer(server, this.sockets);
  }
}

/**
 * Reads frames off an accepted connection: each non-empty frame goes to
 * `onFrame` while the socket is open; a framing error goes to `onBroken`
 * (to log, never the bytes) and closes the connection, as does a socket error.
 */
export function readFrames(socket: Socket, framer: { push(chunk: Buffer): Buffer[] }, onFrame: (frame: Buffer) => void, onBroken: (err: unknown) => void): void {
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = framer.push(chunk);
    } catch (err) {
      onBroken(err);
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (socket.destroyed) return;
      if (frame.length > 0) onFrame(frame);
    }
  });
}
