/**
 * Length-prefixed framing for ISO 8583 over TCP, with the two header styles
 * acquirers use (moov-io's `network/binary_2bytes`, `network/ascii_4bytes`):
 *
 *   binary2: [LEN_HI][LEN_LO][message: LEN bytes]          LEN big-endian, 0–65535
 *   ascii4:  ['0'–'9' ×4][message: LEN bytes]              e.g. 30 31 32 38 = "0128"
 *
 * The header counts the message bytes that follow (the header excluded).
 * Kept apart from the message codec: the framer knows bytes, not ISO 8583.
 * Pure and timer-free: the channel bounds how long a partial frame may wait
 * (response and inter-byte timeouts).
 */
import { PosError } from '../../util/errors.js';

export type LengthHeader = 'binary2' | 'ascii4';

/** Bytes of the two-byte binary header (the default). */
export const LENGTH_HEADER_BYTES = 2;
/** Bytes of the header, per style. */
export const HEADER_BYTES = { binary2: 2, ascii4: 4 } as const satisfies Record<LengthHeader, number>;
/** The most a two-byte header can announce. */
export const MAX_HEADER_LENGTH = 0xffff;
/** The most each header style can announce. */
export const MAX_LENGTH = { binary2: 0xffff, ascii4: 9999 } as const satisfies Record<LengthHeader, number>;
/** Default ceiling: ISO 8583 messages with DE 55 stay well under 4 KiB. */
export const DEFAULT_MAX_FRAME_BYTES = 8192;

const ASCII_ZERO = 0x30; // '0'
const ASCII_NINE = 0x39; // '9'

export interface LengthPrefixFramerOptions {
  /** Largest message accepted; a header announcing more is refused before any allocation. */
  readonly maxFrameBytes?: number;
  /** Default `binary2`. */
  readonly lengthHeader?: LengthHeader;
}

/**
 * Splits a byte stream into messages. `push(chunk)` returns every message the
 * chunk completes (possibly none, possibly several) and keeps a partial one
 * for the next chunk. A zero-length frame is returned as an empty buffer
 * (some hosts send it as a keep-alive; the channel decides).
 *
 * A header announcing more than `maxFrameBytes` throws `HOST_FRAME_TOO_LARGE`
 * (details: `length`, `maxFrameBytes`, `offset` in the chunk); an ASCII header
 * with a byte that is not a digit throws `CHANNEL_LENGTH_HEADER_INVALID`
 * (details: `offset`, `lengthHeader`). Either way the stream has lost its
 * framing, so every later `push` throws the same until `reset()`.
 */
export class LengthPrefixFramer {
  readonly maxFrameBytes: number;
  readonly lengthHeader: LengthHeader;
  readonly #header: Buffer;
  #headerFill = 0;
  #body: Buffer | null = null;
  #bodyFill = 0;
  #failure: PosError | null = null;

  constructor(options: LengthPrefixFramerOptions = {}) {
    this.lengthHeader = options.lengthHeader ?? 'binary2';
    this.maxFrameBytes = Math.min(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, MAX_LENGTH[this.lengthHeader]);
    this.#header = Buffer.alloc(HEADER_BYTES[this.lengthHeader]);
  }

  /** Bytes held of a frame not yet complete (header included). */
  get buffered(): number {
    return this.#headerFill + this.#bodyFill + (this.#body === null ? 0 : this.#header.length);
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.#failure !== null) throw this.#failure;
    const frames: Buffer[] = [];
    const headerBytes = this.#header.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.#body === null) {
        this.#header[this.#headerFill++] = chunk[i++] ?? 0;
        if (this.#headerFill < headerBytes) continue;
        this.#headerFill = 0;
        const length = this.#readLength(i - headerBytes);
        if (length > this.maxFrameBytes) {
          this.#failure = new PosError('HOST_FRAME_TOO_LARGE', `A frame announces ${length} bytes; the limit is ${this.maxFrameBytes}`, {
            length,
            maxFrameBytes: this.maxFrameBytes,
            offset: i - headerBytes,
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

  #readLength(offset: number): number {
    if (this.lengthHeader === 'binary2') return this.#header.readUInt16BE(0);
    let length = 0;
    for (const b of this.#header) {
      if (b < ASCII_ZERO || b > ASCII_NINE) {
        this.#failure = new PosError('CHANNEL_LENGTH_HEADER_INVALID', 'An ASCII length header holds a byte that is not a digit', {
          offset,
          lengthHeader: this.lengthHeader,
        });
        throw this.#failure;
      }
      length = length * 10 + (b - ASCII_ZERO);
    }
    return length;
  }
}

/** `message` with its length header; refuses what the header (or `maxFrameBytes`) cannot carry. */
export function frameMessage(message: Uint8Array, maxFrameBytes: number = MAX_HEADER_LENGTH, lengthHeader: LengthHeader = 'binary2'): Buffer {
  const limit = Math.min(maxFrameBytes, MAX_LENGTH[lengthHeader]);
  if (message.length > limit) {
    throw new PosError('HOST_FRAME_TOO_LARGE', `A message of ${message.length} bytes does not fit a frame of at most ${limit}`, {
      length: message.length,
      maxFrameBytes: limit,
      offset: 0,
    });
  }
  const headerBytes = HEADER_BYTES[lengthHeader];
  const frame = Buffer.allocUnsafe(headerBytes + message.length);
  if (lengthHeader === 'binary2') frame.writeUInt16BE(message.length, 0);
  else frame.write(String(message.length).padStart(headerBytes, '0'), 0, 'latin1');
  frame.set(message, headerBytes);
  return frame;
}
