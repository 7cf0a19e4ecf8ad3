/**
 * The ISO 8583 wire of the bank-host simulator on its own thread (the
 * worker side of `threaded-listener.ts`): a `FrameListener` whose handler
 * forwards each request frame to the issuer's thread and puts the answer
 * that comes back on the socket.
 *
 * Frames read in one turn of this thread's event loop go over as one
 * message, and the issuer's thread answers a batch with one message: each
 * message between threads has a fixed cost, paid once per batch instead of
 * once per request.
 *
 * With `pinKeys`, this thread also does the issuer's heaviest stateless step
 * for it: the DUKPT PIN key of each request, from the simulation BDK and the
 * KSN in DE 53 — a dozen cipher set-ups per request that would otherwise
 * queue on the issuer's thread. The issuer still decrypts and checks every
 * PIN block; a key it is not given it derives itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TdesDukptHost } from '../../src/crypto/dukpt/tdes.js';
import { dialectByName } from '../../src/iso8583/dialects/index.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import type { Dialect, FieldValue } from '../../src/iso8583/types.js';
import { createLogger } from '../../src/log/logger.js';
import { wipe } from '../../src/util/bytes.js';
import { isPosError } from '../../src/util/errors.js';
import { loadSimulationKeys } from '../keys/simulation-keys.js';
import { FrameListener, type Answer } from './listeners.js';
import { answerFrom, KSN_BYTES, pack, unpack, type FromIoThread, type IoThreadData, type ToIoThread } from './thread-messages.js';

const port = parentPort;
if (port === null) throw new Error('io-thread runs as a worker thread');
const data = workerData as IoThreadData;
const pinKeys = data.pinKeys === undefined ? null : { dukpt: new TdesDukptHost(loadSimulationKeys().tdesBdk), dialect: dialectByName(data.pinKeys.dialect) };

const waiting = new Map<number, (answer: Answer) => void>();
let nextId = 0;
let ids: number[] = [];
let frames: Buffer[] = [];

function flush(): void {
  const keys = pinKeys === null ? null : pinKeysFor(pinKeys, frames);
  const message: FromIoThread = { kind: 'frames', ids, frames: pack(frames), pinKeys: keys === null ? null : pack(keys) };
  wipe(...(keys ?? []));
  ids = [];
  frames = [];
  port?.postMessage(message, message.pinKeys === null ? [message.frames.buffer] : [message.frames.buffer, message.pinKeys.buffer]);
}

/** KSN ‖ PIN key for each frame that carries a KSN in DE 53; a frame that does not decode, or has none, has no record. */
function pinKeysFor(deriver: { readonly dukpt: TdesDukptHost; readonly dialect: Dialect }, batch: readonly Buffer[]): Buffer[] {
  const records: Buffer[] = [];
  for (const frame of batch) {
    let ksn: FieldValue | undefined;
    try {
      ksn = decodeMessage(deriver.dialect, frame).get(53);
    } catch {
      continue; // the issuer refuses it
    }
    if (!Buffer.isBuffer(ksn) || ksn.length !== KSN_BYTES) continue;
    try {
      const key = deriver.dukpt.workingKey(ksn, 'pin');
      records.push(Buffer.concat([ksn, key]));
      wipe(key);
    } catch {
      // a counter no originator uses: the issuer finds that out itself
    }
  }
  return records;
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
