/**
 * Receive side of the VeriFone PINpad link (PINpad 1000SE Reference and
 * Programmers Guide, "Communication protocol"):
 *
 *   [ACK] | [NAK] | [EOT]                     single link bytes
 *   [STX][body…][ETX][LRC]                    data packet
 *   [SI][body…][SO][LRC]                      control packet
 *
 * `push(chunk)` returns link bytes, packets (LRC good) and errors in order. A
 * packet whose LRC fails is reported as `DEVICE_FRAME_LRC` (the caller NAKs).
 * Bytes outside a packet that are not link bytes are line noise and dropped.
 * A body over `maxFrameBytes` is reported (`DEVICE_FRAME_TOO_LONG`) and
 * skipped up to its end byte. A partial packet then `interByteTimeoutMs` of
 * silence is dropped and reported through `onTimeout`.
 */
import { PosError } from '../../src/util/errors.js';
import { PacketFramer, type PacketFramerOptions } from '../shared/packet-framer.js';
import { ACK, EOT, ETX, NAK, SI, SO, STX } from './protocol.js';

export type VerifoneFramerEvent =
  | { readonly type: 'ack' | 'nak' | 'eot' }
  | { readonly type: 'packet'; readonly frame: 'data' | 'control'; readonly body: Buffer }
  | { readonly type: 'error'; readonly error: PosError };

/** `maxFrameBytes` counts the packet body (between STX/SI and ETX/SO). */
export type VerifoneFramerOptions = PacketFramerOptions;

export const VERIFONE_DEFAULT_MAX_FRAME_BYTES = 256;
/** At 1200 baud a byte takes 8.3 ms; a pad pausing a second mid-packet has stalled. */
export const VERIFONE_DEFAULT_INTER_BYTE_TIMEOUT_MS = 1000;

type State = 'idle' | 'body' | 'lrc' | 'skip';

export class VerifoneFramer extends PacketFramer<VerifoneFramerEvent> {
  readonly #body: Buffer;
  #len = 0;
  #state: State = 'idle';
  #frame: 'data' | 'control' = 'data';
  #x = 0;

  constructor(options: VerifoneFramerOptions) {
    super(options, 'packet');
    this.#body = Buffer.alloc(options.maxFrameBytes);
  }

  get pendingBytes(): number {
    return this.#state === 'idle' ? 0 : this.#len + 1;
  }

  protected scan(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) this.#byte(chunk[i] as number);
  }

  #byte(b: number): void {
    switch (this.#state) {
      case 'idle':
        if (b === ACK) this.emit({ type: 'ack' });
        else if (b === NAK) this.emit({ type: 'nak' });
        else if (b === EOT) this.emit({ type: 'eot' });
        else if (b === STX || b === SI) {
          this.#frame = b === STX ? 'data' : 'control';
          this.#state = 'body';
          this.#len = 0;
          this.#x = 0;
        }
        return;
      case 'body': {
        const end = this.#frame === 'data' ? ETX : SO;
        this.#x ^= b;
        if (b === end) {
          this.#state = 'lrc';
          return;
        }
        if (b === STX || b === SI) {
          // A new start inside a body: the sender began again; the broken packet is dropped.
          this.drop();
          this.#byte(b);
          return;
        }
        if (this.#len >= this.options.maxFrameBytes) {
          this.emit({
            type: 'error',
            error: new PosError('DEVICE_FRAME_TOO_LONG', `Packet body over ${this.options.maxFrameBytes} bytes discarded`, { maxFrameBytes: this.options.maxFrameBytes }),
          });
          this.drop();
          this.#state = 'skip';
          return;
        }
        this.#body[this.#len++] = b;
        return;
      }
      case 'lrc': {
        if (b === this.#x) {
          const body = Buffer.from(this.#body.subarray(0, this.#len));
          this.emit({ type: 'packet', frame: this.#frame, body });
        } else {
          this.emit({ type: 'error', error: new PosError('DEVICE_FRAME_LRC', 'Packet LRC mismatch', { frame: this.#frame, bodyBytes: this.#len }) });
        }
        this.drop();
        return;
      }
      case 'skip':
        if (b === ETX || b === SO) this.#state = 'idle';
        return;
    }
  }

  protected drop(): void {
    this.#body.fill(0, 0, this.#len);
    this.#len = 0;
    this.#x = 0;
    this.#state = 'idle';
  }
}
