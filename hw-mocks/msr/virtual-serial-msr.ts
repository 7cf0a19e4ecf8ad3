/**
 * The device side of an ASCII serial magstripe reader: on a swipe it writes
 *
 *   %B<PAN>^<NAME>^<YYMM><SSS><DISCR>?;<PAN>=<YYMM><SSS><DISCR>?[CR]
 *
 * (ISO/IEC 7813 tracks 1 and 2, sentinels, no LRC) to the device end of the
 * wire, as common serial MSRs do. A deck card with a damaged stripe gives what
 * such a reader sends for a bad swipe: stray bit-noise bytes and a fragment of
 * track data with its sentinels lost, then CR.
 */
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { DeckCard } from '../cards/deck.js';

export const CR = 0x0d; // carriage return: ends each swipe line

/** Noise a misread stripe yields: bytes outside both track character sets. */
const NOISE = Buffer.from([0x7f, 0x00, 0x1b, 0x07]); // DEL NUL ESC BEL

/** The line a good swipe of `card` sends, CR excluded. */
export function swipeLine(card: DeckCard): Buffer {
  return Buffer.concat([encodeTrack1(card), encodeTrack2(card)]);
}

/** The line a damaged stripe sends, CR excluded: noise, then half of track 2's content without sentinels. */
export function damagedSwipeLine(card: DeckCard): Buffer {
  const track2 = encodeTrack2(card);
  const fragment = track2.subarray(1, 1 + Math.floor((track2.length - 2) / 2));
  return Buffer.concat([NOISE, fragment]);
}

export interface VirtualSerialMsrOptions {
  /** Write each line in pieces of this many bytes, as a slow UART delivers it; default: one write. */
  readonly chunkBytes?: number;
}

export class VirtualSerialMsr {
  readonly #transport: ByteTransport;
  readonly #chunkBytes: number | undefined;

  constructor(transport: ByteTransport, options: VirtualSerialMsrOptions = {}) {
    this.#transport = transport;
    this.#chunkBytes = options.chunkBytes;
  }

  get description(): string {
    return this.#transport.description;
  }

  /** Swipes a deck card: its tracks, or noise if its stripe is damaged. Resolves once the bytes are written. */
  swipe(card: DeckCard): Promise<void> {
    return this.writeLine(card.stripe === 'damaged' ? damagedSwipeLine(card) : swipeLine(card));
  }

  /** Writes `bytes` then CR. */
  writeLine(bytes: Uint8Array): Promise<void> {
    return this.writeRaw(Buffer.concat([bytes, Buffer.from([CR])]));
  }

  /** Writes bytes exactly as given (partial lines, garbage, CR LF…). */
  async writeRaw(bytes: Uint8Array): Promise<void> {
    const step = this.#chunkBytes ?? bytes.length;
    for (let i = 0; i < bytes.length; i += Math.max(1, step)) await this.#transport.write(bytes.subarray(i, i + Math.max(1, step)));
  }

  /** Unplugs the virtual reader from its end of the wire. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}

export function createVirtualSerialMsr(transport: ByteTransport, options: VirtualSerialMsrOptions = {}): VirtualSerialMsr {
  return new VirtualSerialMsr(transport, options);
}
