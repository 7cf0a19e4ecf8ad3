/**
 * `CardReader` for ASCII serial magstripe readers (RS-232 or USB-serial, the
 * kind that send `%B…?;…?` and CR for each swipe). The driver owns the
 * transport it is given but never opens one: `src/app/` does.
 *
 * Bad bytes never throw: a line that is not a card, an overlong line or a
 * partial line then silence rejects the armed read with a typed `PosError`
 * (or is logged at debug when nothing is armed), the port stays open, and the
 * framer starts afresh on the next line.
 */
import type { Logger } from 'pino';
import { parseSwipeLine } from '../../src/card/swipe-line.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardRead, CardReader, DeviceState, ReadRequest } from '../../src/devices/card-reader.js';
import { asPosError, type PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { silentLogger } from '../../src/log/logger.js';
import { ReadSlot } from '../shared/read-slot.js';
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
  readonly #transport: ByteTransport;
  readonly #framer: LineFramer;
  readonly #slot: ReadSlot<CardRead>;
  readonly #log: Logger;
  readonly #unsubscribe: (() => void)[];
  #state: DeviceState = 'connected';
  #closing: Promise<void> | undefined;

  constructor(transport: ByteTransport, options: SerialMsrOptions = {}) {
    this.name = options.name ?? 'msr-serial';
    this.#transport = transport;
    this.#slot = new ReadSlot(this.name);
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#framer = new LineFramer({
      maxLineBytes: options.maxLineBytes ?? MSR_DEFAULT_MAX_LINE_BYTES,
      interByteTimeoutMs: options.interByteTimeoutMs ?? MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS,
      onTimeout: (error) => this.#readError(error),
    });
    this.#unsubscribe = [transport.onData((chunk) => this.#onData(chunk)), transport.onClose((error) => this.#onTransportClosed(error))];
  }

  readCard(_request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    return this.#slot.arm(this.#state, signal);
  }

  state(): DeviceState {
    return this.#state;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#state = 'closed';
    this.#slot.settle({ error: this.#slot.cancelled('closed') });
    this.#detach();
    this.#closing = this.#transport.close();
    return this.#closing;
  }

  #onData(chunk: Buffer): void {
    for (const event of this.#framer.push(chunk)) {
      if (event.type === 'error') this.#readError(event.error);
      else this.#onLine(event.line);
    }
  }

  #onLine(line: Buffer): void {
    // Owns the framer's bytes from here on: wiped whatever happens.
    const raw = Sensitive.of('track', line);
    try {
      if (!this.#slot.armed) {
        this.#log.debug({ line: raw }, 'swipe while no read is armed: dropped');
        return;
      }
      let read: CardRead;
      try {
        read = { entryMode: 'swipe', card: parseSwipeLine(raw.reveal()) };
      } catch (err) {
        this.#readError(asPosError(err, 'msr-serial line'));
        return;
      }
      this.#log.debug({ pan: read.card.pan, brand: read.card.brand }, 'card swiped');
      this.#slot.settle({ value: read });
    } finally {
      raw.wipe();
    }
  }

  #readError(error: PosError): void {
    this.#log.debug({ code: error.code, details: error.details, armed: this.#slot.armed }, 'read error');
    this.#slot.settle({ error });
  }

  #onTransportClosed(error?: PosError): void {
    if (this.#state === 'closed') return;
    this.#state = 'disconnected';
    this.#log.warn({ code: error?.code ?? 'DEVICE_DISCONNECTED' }, 'reader went away');
    this.#slot.settle({ error: error ?? this.#slot.disconnected() });
    this.#detach();
  }

  #detach(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#framer.dispose();
  }
}

/** The driver over a transport the caller opened. */
export function createSerialMsrReader(transport: ByteTransport, options: SerialMsrOptions = {}): SerialMsrReader {
  return new SerialMsrReader(transport, options);
}
