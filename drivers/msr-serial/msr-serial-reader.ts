/**
 * `CardReader` for ASCII serial magstripe readers (RS-232 or USB-serial, the
 * kind that send `%B…?;…?` and CR for each swipe). The driver owns the
 * transport it is given but never opens one: `src/app/` does.
 *
 * The driver is its transport's only data listener: each chunk it receives
 * is zeroed once framed, and each line once parsed, so no track characters
 * are left in the port's buffers or in the framer.
 *
 * Bad bytes never throw: a line that is not a card, an overlong line or a
 * partial line then silence rejects the armed read with a typed `PosError`
 * (or is logged at debug when nothing is armed), the port stays open, and the
 * framer starts afresh on the next line.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardReader, DeviceState, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';
import { ReaderLifecycle, settleSwipeLine } from '../shared/reader-lifecycle.js';
import { LineFramer } from './line-framer.js';

export interface SerialMsrOptions {
  /** For logs and `/v1/health`; default `msr-serial`. */
  readonly name?: string;
  /** Longest line accepted; default 512, room for tracks 1, 2 and 3 (76 + 37 + 104 between sentinels) and slack. */
  readonly maxLineBytes?: number;
  /** Silence after a partial line that abandons it; default 500 ms (a swipe arrives in a few tens of ms). */
  readonly interByteTimeoutMs?: number;
  readonly logger?: Logger;
}

export const MSR_DEFAULT_MAX_LINE_BYTES = 512;
export const MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS = 500;

export class SerialMsrReader implements CardReader {
  readonly name: string;
  readonly #framer: LineFramer;
  readonly #reader: ReaderLifecycle<SwipeRead>;
  readonly #log: Logger;

  constructor(transport: ByteTransport, options: SerialMsrOptions = {}) {
    this.name = options.name ?? 'msr-serial';
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#reader = new ReaderLifecycle(this.name, this.#log, () => transport.close());
    this.#framer = new LineFramer({
      maxLineBytes: options.maxLineBytes ?? MSR_DEFAULT_MAX_LINE_BYTES,
      interByteTimeoutMs: options.interByteTimeoutMs ?? MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS,
      onTimeout: (error) => this.#reader.failRead(error),
    });
    this.#reader.onDetach(
      transport.onData((chunk) => this.#onData(chunk)),
      transport.onClose((error) => this.#reader.lost(error)),
      () => this.#framer.dispose(),
    );
  }

  readCard(_request: ReadRequest, signal: AbortSignal): Promise<SwipeRead> {
    return this.#reader.arm(signal);
  }

  state(): DeviceState {
    return this.#reader.state;
  }

  close(): Promise<void> {
    return this.#reader.close();
  }

  #onData(chunk: Buffer): void {
    const events = this.#framer.push(chunk);
    // The chunk is a slice of the port's read buffer and holds track characters: zeroed once framed.
    chunk.fill(0);
    for (const event of events) {
      if (event.type === 'error') this.#reader.failRead(event.error);
      // The framer's line is ours from here on: wiped whatever happens.
      else settleSwipeLine(this.#reader, event.line, this.#log, 'msr-serial line');
    }
  }
}

/** The driver over a transport the caller opened. */
export function createSerialMsrReader(transport: ByteTransport, options: SerialMsrOptions = {}): SerialMsrReader {
  return new SerialMsrReader(transport, options);
}
