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
import { answerFrom, pack, unpack, type FromIoThread, type IoThreadData, type ToIoThread } from './thread-messages.js';

const port = parentPort;
if (port === null) throw new Error('io-thread runs as a worker thread');
const data = workerData as IoThreadData;

const waiting = new Map<number, (answer: Answer) => void>();
let nextId = 0;
let ids: number[] = [];
let frames: Buffer[] = [];

function flush(): void {
  const message: FromIoThread = { kind: 'frames', ids, frames: pack(frames) };
  ids = [];
  frames = [];
  port?.postMessage(message, [message.frames.buffer]);
}

const listener = new FrameListener({
  ...data.listener,
  logger: createLogger({ level: data.logLevel }),
  handler: (frame) =>
    new Promise<Answer>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      if (ids.length === 0) setImmediate(flush);
      ids.push(id);
      frames.push(frame);
    }),
});

port.on('message', (message: ToIoThread) => {
  switch (message.kind) {
    case 'answers': {
      const bytes = unpack(message.bytes);
      message.ids.forEach((id, i) => {
        const resolve = waiting.get(id);
        const head = message.heads[i];
        const body = bytes[i];
        waiting.delete(id);
        if (resolve !== undefined && head !== undefined && body !== undefined) resolve(answerFrom(head, body));
      });
      return;
    }
    case 'stop':
      void listener.stop().then(() => port.postMessage({ kind: 'stopped' } satisfies FromIoThread));
      return;
  }
});

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
