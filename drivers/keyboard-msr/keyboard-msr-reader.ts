/**
 * `CardReader` for magstripe readers that emulate a USB keyboard: each swipe
 * is typed as the ASCII line a serial reader sends (`%B…?;…?`), then ENTER.
 * Boot keyboard reports come in over a `HidReportTransport`
 * (`keyboard-line-decoder.ts` turns them into lines); `src/card` parses the
 * line. Bad input never throws: a rollover, an unmapped key, an overlong
 * line or a partial line then silence rejects the armed read with a typed
 * error, and typing resumes after the next ENTER.
 */
import type { Logger } from 'pino';
import { parseSwipeLine } from '../../src/card/swipe-line.js';
import type { CardRead, CardReader, DeviceState, ReadRequest } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, type PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { ReadSlot } from '../shared/read-slot.js';
import type { HidInputReport, HidReportTransport } from '../transport/hid-report-transport.js';
import { KeyboardLineDecoder } from './keyboard-line-decoder.js';
import type { KeyLayout } from './us-keyboard-layout.js';

export interface KeyboardMsrOptions {
  readonly name?: string;
  /** Default 512, as for the serial MSR. */
  readonly maxLineBytes?: number;
  /** Default 500 ms: a reader types a swipe in well under that between keys. */
  readonly interKeyTimeoutMs?: number;
  readonly layout?: KeyLayout;
  readonly logger?: Logger;
}

export const KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES = 512;
export const KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS = 500;

export class KeyboardMsrReader implements CardReader {
  readonly name: string;
  readonly #transport: HidReportTransport;
  readonly #decoder: KeyboardLineDecoder;
  readonly #slot: ReadSlot<CardRead>;
  readonly #log: Logger;
  readonly #unsubscribe: (() => void)[];
  #state: DeviceState = 'connected';
  #closing: Promise<void> | undefined;

  constructor(transport: HidReportTransport, options: KeyboardMsrOptions = {}) {
    this.name = options.name ?? 'keyboard-msr';
    this.#transport = transport;
    this.#slot = new ReadSlot(this.name);
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#decoder = new KeyboardLineDecoder({
      maxLineBytes: options.maxLineBytes ?? KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES,
      interKeyTimeoutMs: options.interKeyTimeoutMs ?? KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS,
      onTimeout: (error) => this.#readError(error),
      ...(options.layout === undefined ? {} : { layout: options.layout }),
    });
    this.#unsubscribe = [transport.onReport((r) => this.#onReport(r)), transport.onClose((e) => this.#onTransportClosed(e))];
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

  #onReport(report: HidInputReport): void {
    const events = this.#decoder.push(report.data);
    report.data.fill(0); // the keys typed are card data
    for (const event of events) {
      if (event.type === 'error') this.#readError(event.error);
      else this.#onLine(event.line);
    }
  }

  #onLine(line: Buffer): void {
    const raw = Sensitive.of('track', line);
    try {
      if (!this.#slot.armed) {
        this.#log.debug({ lengthBytes: raw.length }, 'swipe while no read is armed: dropped');
        return;
      }
      let read: CardRead;
      try {
        read = { entryMode: 'swipe', card: parseSwipeLine(raw.reveal()) };
      } catch (err) {
        this.#readError(asPosError(err, 'keyboard-msr line'));
        return;
      }
      this.#log.debug({ brand: read.card.brand }, 'card swiped');
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
    this.#decoder.dispose();
  }
}

export function createKeyboardMsrReader(transport: HidReportTransport, options: KeyboardMsrOptions = {}): KeyboardMsrReader {
  return new KeyboardMsrReader(transport, options);
}
