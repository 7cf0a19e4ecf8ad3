/**
 * The simulator's ISO 8583 listener with its sockets on a thread of their
 * own (`io-thread.ts`), so that the issuer core has this thread to itself.
 *
 *   I/O thread:    sockets ─ framing ─▶ batch of frames ──┐        ┌─▶ [HDR][answer] on the socket
 *   this thread:               handler(frame) per frame ◀─┘ answers ┘
 *
 * Under load a socket costs the simulator about a third of its time per
 * request (reading, the stream machinery, and a write whose loopback delivery
 * the kernel charges to the writer); on a machine with a second core that
 * work now runs beside the issuer instead of between its requests. The core
 * itself stays single-threaded — it alone touches the ledger and balances —
 * so its answers are exactly those of the in-thread `FrameListener`, and
 * faults (delays, raw bytes, closes) travel as the same `Answer` data.
 * With `pinKeys` the I/O thread also derives each request's DUKPT PIN key
 * and this side offers it to the issuer (`pinKeySink`) for that batch.
 *
 * The worker is loaded from the compiled `io-thread.js` next to this module:
 * run from `dist/` (`pos host-sim`, the bench). Tests that import the
 * TypeScript sources use the in-thread listener.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ErrorCode } from '../../src/util/error-codes/index.js';
import { PosError } from '../../src/util/errors.js';
import type { PinKeySink } from './issuer-key-ring.js';
import type { Answer, FrameHandler } from './listeners.js';
import { answerHead, KSN_BYTES, pack, unpack, type FromIoThread, type IoThreadData, type Packed, type ToIoThread } from './thread-messages.js';

export interface ThreadedFrameListenerOptions extends IoThreadData {
  readonly handler: FrameHandler;
  /** Required with `pinKeys`. */
  readonly pinKeySink?: PinKeySink;
  /** For this side's own news (the I/O thread ending unasked); the I/O thread logs at `logLevel`. */
  readonly logger?: Logger;
}

export class ThreadedFrameListener {
  readonly #o: ThreadedFrameListenerOptions;
  #worker: Worker | null = null;
  #port = 0;
  #address = '';

  constructor(options: ThreadedFrameListenerOptions) {
    this.#o = options;
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return this.#address;
  }

  /** Starts the I/O thread and listens; rejects `HOST_SIM_LISTEN_FAILED` as `FrameListener` does. */
  async start(): Promise<void> {
    if (this.#worker !== null) return;
    const sink = this.#o.pinKeySink;
    const data: IoThreadData = {
      listener: this.#o.listener,
      logLevel: this.#o.logLevel,
      ...(this.#o.pinKeys === undefined || sink === undefined ? {} : { pinKeys: this.#o.pinKeys }),
    };
    const worker = new Worker(new URL('./io-thread.js', import.meta.url), { workerData: data });
    this.#worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('error', (err) => {
        reject(err);
        if (this.#worker === worker) (this.#o.logger ?? silentLogger).error({ why: err.message }, 'the simulator I/O thread failed; the ISO 8583 listener is down');
      });
      worker.on('message', (message: FromIoThread) => {
        if (message.kind === 'frames') this.#serve(worker, message.ids, message.frames, message.pinKeys);
        else if (message.kind === 'listening') {
          this.#port = message.port;
          this.#address = message.address;
          resolve();
        } else if (message.kind === 'failed') {
          reject(new PosError(message.code as ErrorCode, message.message, message.details));
        }
      });
    });
    try {
      await ready;
    } catch (err) {
      this.#worker = null;
      await worker.terminate();
      throw err;
    }
  }

  /** Drops every connection, stops listening and ends the thread. Idempotent. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    this.#worker = null;
    await new Promise<void>((resolve) => {
      worker.on('message', (message: FromIoThread) => {
        if (message.kind === 'stopped') resolve();
      });
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'stop' } satisfies ToIoThread);
    });
    await worker.terminate();
  }

  /** One batch in, one batch of answers out (each handler settles within the batch: the core is synchronous). */
  #serve(worker: Worker, ids: readonly number[], frames: Packed, pinKeys: Packed | null): void {
    const sink = this.#o.pinKeySink;
    if (pinKeys !== null && sink !== undefined) {
      for (const record of unpack(pinKeys)) sink.offer(record.subarray(0, KSN_BYTES), record.subarray(KSN_BYTES));
    }
    const answers = unpack(frames).map((frame) => this.#o.handler(frame).catch((): Answer => ({ kind: 'close' })));
    void Promise.all(answers).then((batch) => {
      sink?.forget();
      if (pinKeys !== null) new Uint8Array(pinKeys.buffer).fill(0);
      if (this.#worker !== worker) return;
      const wire = batch.map(answerHead);
      const message: ToIoThread = { kind: 'answers', ids, heads: wire.map((w) => w.head), bytes: pack(wire.map((w) => w.bytes)) };
      worker.postMessage(message, [message.bytes.buffer]);
    });
  }
}
