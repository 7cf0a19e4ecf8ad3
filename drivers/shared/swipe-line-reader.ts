/**
 * A `CardReader` for magstripe readers that send each swipe as one ASCII line
 * (`%B…?;…?`): serial MSRs and keyboard-emulating ones. Each driver brings
 * only how its bytes become lines (a `SwipeLineSource`); this class arms the
 * read, wipes every chunk once framed and settles each line through
 * `src/card`. Bad input never throws: it rejects the armed read with a typed
 * error, and the next line starts afresh.
 */
import type { Logger } from 'pino';
import type { CardReader, DeviceState, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';
import type { PosError } from '../../src/util/errors.js';
import { ReaderLifecycle, settleSwipeLine } from './reader-lifecycle.js';

export type SwipeLineEvent = { readonly type: 'line'; readonly line: Buffer } | { readonly type: 'error'; readonly error: PosError };

/** Bytes in, whole lines or read errors out; `dispose` stops its inter-byte timer. */
export interface SwipeLineSource {
  push(bytes: Uint8Array): SwipeLineEvent[];
  dispose(): void;
}

/** What the reader needs of its transport besides the bytes. */
export interface SwipeLineTransport {
  readonly description: string;
  close(): Promise<void>;
  onClose(listener: (error?: PosError) => void): () => void;
}

/** Options every swipe-line reader takes. */
export interface SwipeLineOptions {
  /** For logs and `/v1/health`; default the driver's kind. */
  readonly name?: string;
  /** Longest line accepted; default 512, room for tracks 1, 2 and 3 (76 + 37 + 104 between sentinels) and slack. */
  readonly maxLineBytes?: number;
  readonly logger?: Logger;
}

export const SWIPE_LINE_DEFAULT_MAX_BYTES = 512;

/** What the line source is opened with. */
export interface SwipeLineLimits {
  readonly maxLineBytes: number;
  /** Where a partial line dropped for silence is reported. */
  readonly onTimeout: (error: PosError) => void;
}

export interface SwipeLineReaderParts {
  /** The driver's kind (`msr-serial`): the default name, and where a bad line is said to fail. */
  readonly kind: string;
  readonly options: SwipeLineOptions;
  readonly transport: SwipeLineTransport;
  readonly openLines: (limits: SwipeLineLimits) => SwipeLineSource;
  /** Subscribes `feed` to the transport's bytes; returns the unsubscribe. */
  readonly subscribe: (feed: (bytes: Uint8Array) => void) => () => void;
}

export class SwipeLineReader implements CardReader {
  readonly name: string;
  readonly #lines: SwipeLineSource;
  readonly #reader: ReaderLifecycle<SwipeRead>;
  readonly #log: Logger;
  readonly #where: string;

  constructor(parts: SwipeLineReaderParts) {
    const { transport, options } = parts;
    const name = options.name ?? parts.kind;
    this.name = name;
    this.#where = `${parts.kind} line`;
    this.#log = (options.logger ?? silentLogger).child({ device: name, transport: transport.description });
    this.#reader = new ReaderLifecycle(name, this.#log, () => transport.close());
    this.#lines = parts.openLines({
      maxLineBytes: options.maxLineBytes ?? SWIPE_LINE_DEFAULT_MAX_BYTES,
      onTimeout: (error) => this.#reader.failRead(error),
    });
    this.#reader.onDetach(
      parts.subscribe((bytes) => this.#onBytes(bytes)),
      transport.onClose((error) => this.#reader.lost(error)),
      () => this.#lines.dispose(),
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

  #onBytes(bytes: Uint8Array): void {
    const events = this.#lines.push(bytes);
    // The bytes are a slice of the transport's buffer and hold track characters: zeroed once framed.
    bytes.fill(0);
    for (const event of events) {
      if (event.type === 'error') this.#reader.failRead(event.error);
      // The line is ours from here on: wiped whatever happens.
      else settleSwipeLine(this.#reader, event.line, this.#log, this.#where);
    }
  }
}
