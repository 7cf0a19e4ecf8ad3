/**
 * The thread that holds a virtual card's connection to vpcd (why a thread:
 * `vpcd-card.ts`). It frames vpcd's messages (`vpcd-framing.ts`: a 2-byte
 * big-endian length, then the payload), answers the ATR request itself — the
 * one message pcscd sends on its own, every poll — and hands every command
 * APDU and power control to the card's thread, in order; the card's
 * responses come back through `respond`.
 *
 * The thread's code is the small script below, run with `eval`, so that it
 * needs no module of its own on disk: the same code runs from the sources
 * (tests) and from the build.
 */
import { Worker } from 'node:worker_threads';
import { VPCD_CTRL } from './vpcd-framing.js';

export type RelayEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'connect-failed'; readonly reason: string }
  | { readonly type: 'command'; readonly apdu: Buffer }
  | { readonly type: 'control'; readonly code: number }
  | { readonly type: 'closed' };

export interface VpcdRelay {
  onEvent(listener: (event: RelayEvent) => void): void;
  /** The card's answer to the last command. */
  respond(response: Buffer): void;
  /** Closes the connection (the card is pulled) and ends the thread. */
  close(): Promise<void>;
}

export interface RelayOptions {
  readonly host: string;
  readonly port: number;
  readonly atr: Buffer;
  readonly connectTimeoutMs: number;
}

/** Messages between the threads: `{ type, … }` with bytes as Uint8Array. */
type FromRelay = { type: 'connected' } | { type: 'connect-failed'; reason: string } | { type: 'command'; apdu: Uint8Array } | { type: 'control'; code: number } | { type: 'closed' };

const RELAY_SCRIPT = `
const { connect } = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { host, port, atr, ctrlAtr, connectTimeoutMs } = workerData;
const socket = connect({ host, port, noDelay: true });
let connected = false;
let pending = Buffer.alloc(0);
const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), connectTimeoutMs);
const send = (payload) => {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(payload.length, 0);
  socket.write(Buffer.concat([head, payload]));
};
socket.once('connect', () => {
  clearTimeout(timer);
  connected = true;
  parentPort.postMessage({ type: 'connected' });
});
socket.on('error', (err) => {
  clearTimeout(timer);
  if (!connected) parentPort.postMessage({ type: 'connect-failed', reason: err.message });
});
socket.on('close', () => {
  parentPort.postMessage({ type: 'closed' });
  parentPort.close();
});
socket.on('data', (chunk) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  while (pending.length >= 2) {
    const length = pending.readUInt16BE(0);
    if (pending.length < 2 + length) break;
    const payload = Buffer.from(pending.subarray(2, 2 + length));
    pending = pending.subarray(2 + length);
    if (length === 0) continue;
    if (length === 1 && payload[0] === ctrlAtr) send(Buffer.from(atr));
    else if (length === 1) parentPort.postMessage({ type: 'control', code: payload[0] });
    else parentPort.postMessage({ type: 'command', apdu: payload });
  }
});
parentPort.on('message', (message) => {
  if (message.type === 'respond' && !socket.destroyed) send(Buffer.from(message.response));
  else if (message.type === 'close') socket.destroy();
});
`;

export function startVpcdRelay(options: RelayOptions): VpcdRelay {
  const worker = new Worker(RELAY_SCRIPT, {
    eval: true,
    workerData: { host: options.host, port: options.port, atr: new Uint8Array(options.atr), ctrlAtr: VPCD_CTRL.ATR, connectTimeoutMs: options.connectTimeoutMs },
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let listener: (event: RelayEvent) => void = () => undefined;
  let closedSeen = false;
  const emit = (event: RelayEvent): void => {
    if (event.type === 'closed') closedSeen = true;
    listener(event);
  };
  worker.on('message', (message: FromRelay) => {
    if (message.type === 'command') emit({ type: 'command', apdu: Buffer.from(message.apdu.buffer, message.apdu.byteOffset, message.apdu.byteLength) });
    else emit(message);
  });
  worker.on('error', (err) => emit({ type: 'connect-failed', reason: err.message }));
  // A thread that ends without saying so (it failed) has closed its connection too.
  void exited.then(() => {
    if (!closedSeen) emit({ type: 'closed' });
  });
  return {
    onEvent: (l) => (listener = l),
    respond: (response) => worker.postMessage({ type: 'respond', response: new Uint8Array(response) }),
    close: async () => {
      worker.postMessage({ type: 'close' });
      await exited;
    },
  };
}
