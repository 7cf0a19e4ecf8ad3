/**
 * The ISO 8583 wire of the bank-host simulator on its own thread (the
 * worker side of `threaded-listener.ts`): a `FrameListener` whose handler
 * forwards each request frame to the issuer's thread and puts the answer
 * that comes back on the socket.
 *
 * Frames read in one turn of this thread's event loop go over as one
 * message, and the issuer's thread answers a batch with one message: a
 * message between threads costs about as much as a small socket write, so
 * one per request would give back much of what the thread saves.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../src/log/logger.js';
import { isPosError } from '../../src/util/errors.js';
import { FrameListener, type Answer } from './listeners.js';
import type { FromIoThread, IoThreadData, ToIoThread } from './threaded-listener.js';

const port = parentPort;
if (port === null) throw new Error('io-thread runs as a worker thread');
const data = workerData as IoThreadData;

const waiting = new Map<number, (answer: Answer) => void>();
let nextId = 0;
let batch: { id: number; frame: Uint8Array }[] = [];

function flush(): void {
  const frames = batch;
  batch = [];
  port?.postMessage({ kind: 'frames', frames } satisfies FromIoThread);
}

const listener = new FrameListener({
  ...data.listener,
  logger: createLogger({ level: data.logLevel }),
  handler: (frame) =>
    new Promise<Answer>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      if (batch.length === 0) setImmediate(flush);
      batch.push({ id, frame });
    }),
});

port.on('message', (message: ToIoThread) => {
  switch (message.kind) {
    case 'answers':
      for (const { id, answer } of message.answers) {
        const resolve = waiting.get(id);
        waiting.delete(id);
        resolve?.(revive(answer));
      }
      return;
    case 'stop':
      void listener.stop().then(() => port.postMessage({ kind: 'stopped' } satisfies FromIoThread));
      return;
  }
});

/** Buffers arrive as plain Uint8Arrays: make them Buffers again (no copy). */
function revive(answer: Answer): Answer {
  const view = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (answer.kind === 'reply') return { ...answer, message: view(answer.message) };
  if (answer.kind === 'raw') return { ...answer, bytes: view(answer.bytes) };
  return answer;
}

try {
  await listener.start();
  port.postMessage({ kind: 'listening', port: listener.port, address: listener.address } satisfies FromIoThread);
} catch (err) {
  port.postMessage({
    kind: 'failed',
    code: isPosError(err) ? err.code : 'HOST_SIM_LISTEN_FAILED',
    message: err instanceof Error ? err.message : 'listen failed',
    details: isPosError(err) ? { ...err.details } : {},
  } satisfies FromIoThread);
}
