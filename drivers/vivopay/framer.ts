/**
 * Frames from a ViVOpay reader (NEO 2 Interface Developer's Guide, section
 * 2.8, protocol 2): its responses, and the commands it sends the terminal
 * during a contact transaction (61-xx, guide 8.4.30–8.4.31):
 *
 *   [ViVOtech2\0][cmd][status or sub-command][len MSB][len LSB][data…][CRC ×2]
 *
 * `push(chunk)` returns the frames and errors the chunk completed. The framer
 * hunts for the 10-byte header (bytes before it are line noise and dropped),
 * reads the length, and checks the CRC. A frame whose CRC fails is reported
 * (`DEVICE_FRAME_CRC`) and scanning restarts one byte after its header, so a
 * header hidden inside a corrupt frame is still found. A length that would
 * exceed `maxFrameBytes` is reported (`DEVICE_FRAME_TOO_LONG`) before any
 * byte of it is held. A partial frame followed by `interByteTimeoutMs` of
 * silence is dropped and reported through `onTimeout` (`DEVICE_READ_TIMEOUT`).
 *
 * `crcOrder` says which CRC byte comes first: `msb-first` for responses
 * (the default), `lsb-first` for commands, `either` for a line that carries
 * both (a reader's responses and its 61-xx commands): each frame then says
 * which order its CRC checked in (`both` when its two CRC bytes are equal).
 */
import { PosError } from '../../src/util/errors.js';
import { PacketFramer, type PacketFramerOptions } from '../shared/packet-framer.js';
import { crc16CcittFalse } from './crc16.js';
import { CRC_BYTES, HEADER_BYTES, PREAMBLE_BYTES, VIVOPAY_HEADER } from './protocol.js';

export type CrcOrder = 'msb-first' | 'lsb-first';

export interface VivopayFrame {
  readonly command: number;
  /** The status byte in a response; the sub-command in a command. */
  readonly status: number;
  /** A copy the receiver owns (and wipes when it held card data). */
  readonly data: Buffer;
  /** The CRC byte order the frame checked in: its role (`both`: the two CRC bytes are equal). */
  readonly crcOrder: CrcOrder | 'both';
}

export type VivopayFramerEvent = { readonly type: 'frame'; readonly frame: VivopayFrame } | { readonly type: 'error'; readonly error: PosError };

/** `maxFrameBytes` counts the whole frame, header and CRC included. */
export interface VivopayFramerOptions extends PacketFramerOptions {
  readonly crcOrder?: CrcOrder | 'either';
}

/** KMP failure function of the header: the longest proper prefix that is also a suffix of header[0..i]. */
const HEADER_FALLBACK: readonly number[] = (() => {
  const f = new Array<number>(HEADER_BYTES).fill(0);
  for (let i = 1, k = 0; i < HEADER_BYTES; i++) {
    while (k > 0 && VIVOPAY_HEADER[i] !== VIVOPAY_HEADER[k]) k = f[k - 1] as number;
    if (VIVOPAY_HEADER[i] === VIVOPAY_HEADER[k]) k++;
    f[i] = k;
  }
  return f;
})();

export const VIVOPAY_DEFAULT_MAX_FRAME_BYTES = 4096;
export const VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS = 200;

export class VivopayFramer extends PacketFramer<VivopayFramerEvent> {
  readonly #accepts: CrcOrder | 'either';
  /** The frame being assembled; never grows past `maxFrameBytes`. */
  readonly #buf: Buffer;
  #len = 0;
  /** Total bytes of the current frame once its length is known, else 0. */
  #expected = 0;

  constructor(options: VivopayFramerOptions) {
    super(options, 'frame');
    this.#accepts = options.crcOrder ?? 'msb-first';
    this.#buf = Buffer.alloc(Math.max(options.maxFrameBytes, PREAMBLE_BYTES + CRC_BYTES));
  }

  /** Bytes of a partial frame (header match included) waiting for the rest. */
  get pendingBytes(): number {
    return this.#len;
  }

  protected scan(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (this.#len < HEADER_BYTES) {
        // Hunting (Knuth–Morris–Pratt): on a mismatch fall back to the longest header prefix still matched.
        let k = this.#len;
        while (k > 0 && b !== VIVOPAY_HEADER[k]) k = HEADER_FALLBACK[k - 1] as number;
        if (b === VIVOPAY_HEADER[k]) k++;
        // The bytes matched are the header's own prefix, so the buffer already holds the header's
        // first k − 1 bytes (a fallback only shortens the match): only the byte just matched is new.
        if (k > 0) this.#buf[k - 1] = VIVOPAY_HEADER[k - 1] as number;
        this.#len = k;
        continue;
      }
      this.#buf[this.#len++] = b;
      if (this.#len === PREAMBLE_BYTES) {
        const total = PREAMBLE_BYTES + this.#buf.readUInt16BE(HEADER_BYTES + 2) + CRC_BYTES;
        if (total > this.options.maxFrameBytes) {
          this.emit({
            type: 'error',
            error: new PosError('DEVICE_FRAME_TOO_LONG', `Frame of ${total} bytes announced; at most ${this.options.maxFrameBytes}`, {
              maxFrameBytes: this.options.maxFrameBytes,
              announcedBytes: total,
            }),
          });
          this.#resyncAfterHeader();
          continue;
        }
        this.#expected = total;
      }
      if (this.#expected > 0 && this.#len === this.#expected) this.#complete();
    }
  }

  #complete(): void {
    const end = this.#expected - CRC_BYTES;
    const crc = crc16CcittFalse(this.#buf, 0, end);
    const msb = this.#accepts !== 'lsb-first' && crc === this.#buf.readUInt16BE(end);
    const lsb = this.#accepts !== 'msb-first' && crc === this.#buf.readUInt16LE(end);
    if (!msb && !lsb) {
      this.emit({
        type: 'error',
        error: new PosError('DEVICE_FRAME_CRC', 'Frame CRC mismatch; frame discarded', { command: this.#buf[HEADER_BYTES] as number, frameBytes: this.#expected }),
      });
      this.#resyncAfterHeader();
      return;
    }
    const frame: VivopayFrame = {
      command: this.#buf[HEADER_BYTES] as number,
      status: this.#buf[HEADER_BYTES + 1] as number,
      data: Buffer.from(this.#buf.subarray(PREAMBLE_BYTES, end)),
      crcOrder: msb && lsb ? 'both' : msb ? 'msb-first' : 'lsb-first',
    };
    this.drop();
    this.emit({ type: 'frame', frame });
  }

  /** Rescans what followed the first header byte of a rejected frame. */
  #resyncAfterHeader(): void {
    const rest = Buffer.from(this.#buf.subarray(1, this.#len));
    this.drop();
    this.scan(rest);
    rest.fill(0);
  }

  protected drop(): void {
    this.#buf.fill(0, 0, this.#len);
    this.#len = 0;
    this.#expected = 0;
  }
}
