/**
 * Length-prefixed framing for ISO 8583 over TCP: a two-byte big-endian
 * binary header counting the message bytes that follow (the header excluded),
 * as most acquirers and moov-io's `network/binary_2bytes` use.
 *
 *   [LEN_HI][LEN_LO][message: LEN bytes]
 *
 * Kept apart from the message codec: the framer knows bytes, not ISO 8583.
 * Pure and timer-free: the channel's response timeout bounds how long a
 * partial frame may wait.
 */
import { PosError } from '../util/errors.js';

/** Bytes of the length header. */
export const LENGTH_HEADER_BYTES = 2;
/** The most a two-byte header can announce. */
export const MAX_HEADER_LENGTH = 0xffff;
/** Default ceiling: ISO 8583 messages with DE 55 stay well under 4 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 8192;

export interface LengthPrefixFramerOptions {
  /** Largest message accepted; a header announcing more is refused before any allocation. */
  readonly maxFrameBytes?: number;
}

/**
 * Splits a byte stream into messages. `push(chunk)` returns every message the
 * chunk completes (possibly none, possibly several) and keeps a partial one
 * for the next chunk. A zero-length frame is returned as an empty buffer
 * (some hosts send it as a keep-alive; the channel decides).
 *
 * A header announcing more than `maxFrameBytes` throws `HOST_FRAME_TOO_LARGE`
 * (details: `length`, `maxFrameBytes`, `offset` in the chunk); the stream
 * has lost its framing, so every later `push` throws the same until `reset()`.
 */
export class LengthPrefixFramer {
  readonly maxFrameBytes: number;
  readonly #header = Buffer.alloc(LENGTH_HEADER_BYTES);
  #headerFill = 0;
  #body: Buffer | null = null;
  #bodyFill = 0;
  #failure: PosError | null = null;

  constructor(options: LengthPrefixFramerOptions = {}) {
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, MAX_HEADER_LENGTH);
  }

  /** Bytes held of a frame not yet complete (header included). */
  get buffered(): number {
    return this.#headerFill + this.#bodyFill + (this.#body === null ? 0 : LENGTH_HEADER_BYTES);
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.#failure !== null) throw this.#failure;
    const frames: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#body === null) {
        this.#header[this.#headerFill++] = chunk[i++] ?? 0;
        if (this.#headerFill < LENGTH_HEADER_BYTES) continue;
        this.#headerFill = 0;
        const length = this.#header.readUInt16BE(0);
        if (length > this.maxFrameBytes) {
          this.#failure = new PosError('HOST_FRAME_TOO_LARGE', `A frame announces ${length} bytes; the limit is ${this.maxFrameBytes}`, {
            length,
            maxFrameBytes: this.maxFrameBytes,
            offset: i - LENGTH_HEADER_BYTES,
          });
          throw this.#failure;
        }
        if (length === 0) {
          frames.push(Buffer.alloc(0));
          continue;
        }
        this.#body = Buffer.allocUnsafe(length);
        this.#bodyFill = 0;
        continue;
      }
      const take = Math.min(this.#body.length - this.#bodyFill, chunk.length - i);
      this.#body.set(chunk.subarray(i, i + take), this.#bodyFill);
      this.#bodyFill += take;
      i += take;
      if (this.#bodyFill === this.#body.length) {
        frames.push(this.#body);
        this.#body = null;
        this.#bodyFill = 0;
      }
    }
    return frames;
  }

  /** Drops any partial frame and a past failure, for a fresh connection. */
  reset(): void {
    this.#headerFill = 0;
    this.#body = null;
    this.#bodyFill = 0;
    this.#failure = null;
  }
}

/** `message` with its two-byte length header; refuses what the header (or `maxFrameBytes`) cannot carry. */
export function frameMessage(message: Uint8Array, maxFrameBytes: number = MAX_HEADER_LENGTH): Buffer {
  const limit = Math.min(maxFrameBytes, MAX_HEADER_LENGTH);
  if (message.length > limit) {
    throw new PosError('HOST_FRAME_TOO_LARGE', `A message of ${message.length} bytes does not fit a frame of at most ${limit}`, {
      length: message.length,
      maxFrameBytes: limit,
      offset: 0,
    });
  }
  const frame = Buffer.allocUnsafe(LENGTH_HEADER_BYTES + message.length);
  frame.writeUInt16BE(message.length, 0);
  frame.set(message, LENGTH_HEADER_BYTES);
  return frame;
}
