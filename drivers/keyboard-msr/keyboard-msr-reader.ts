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
import type { CardReader, DeviceState, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';
import { ReaderLifecycle, settleSwipeLine } from '../shared/reader-lifecycle.js';
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
  readonly #decoder: KeyboardLineDecoder;
  readonly #reader: ReaderLifecycle<SwipeRead>;
  readonly #log: Logger;

  constructor(transport: HidReportTransport, options: KeyboardMsrOptions = {}) {
    this.name = options.name ?? 'keyboard-msr';
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#reader = new ReaderLifecycle(this.name, this.#log, () => transport.close());
    this.#decoder = new KeyboardLineDecoder({
      maxLineBytes: options.maxLineBytes ?? KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES,
      interKeyTimeoutMs: options.interKeyTimeoutMs ?? KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS,
      onTimeout: (error) => this.#reader.failRead(error),
      ...(options.layout === undefined ? {} : { layout: options.layout }),
    });
    this.#reader.onDetach(
      transport.onReport((r) => this.#onReport(r)),
      transport.onClose((e) => this.#reader.lost(e)),
      () => this.#decoder.dispose(),
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

  #onReport(report: HidInputReport): void {
    const events = this.#decoder.push(report.data);
    report.data.fill(0); // the keys typed are card data
    for (const event of events) {
      if (event.type === 'error') this.#reader.failRead(event.error);
      else settleSwipeLine(this.#reader, event.line, this.#log, 'keyboard-msr line');
    }
  }
}

export function createKeyboardMsrReader(transport: HidReportTransport, options: KeyboardMsrOptions = {}): KeyboardMsrReader {
  return new KeyboardMsrReader(transport, options);
}
