/**
 * `CardReader` for magstripe readers that emulate a USB keyboard: each swipe
 * is typed as the ASCII line a serial reader sends (`%B…?;…?`), then ENTER.
 * Boot keyboard reports come in over a `HidReportTransport`
 * (`keyboard-line-decoder.ts` turns them into lines); `src/card` parses the
 * line. Bad input never throws: a rollover, an unmapped key, an overlong
 * line or a partial line then silence rejects the armed read with a typed
 * error, and typing resumes after the next ENTER.
 */
import { SWIPE_LINE_DEFAULT_MAX_BYTES, SwipeLineReader, type SwipeLineOptions } from '../shared/swipe-line-reader.js';
import type { HidReportTransport } from '../transport/hid-report-transport.js';
import { KeyboardLineDecoder } from './keyboard-line-decoder.js';
import type { KeyLayout } from './us-keyboard-layout.js';

export interface KeyboardMsrOptions extends SwipeLineOptions {
  /** Default 500 ms: a reader types a swipe in well under that between keys. */
  readonly interKeyTimeoutMs?: number;
  readonly layout?: KeyLayout;
}

export const KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES = SWIPE_LINE_DEFAULT_MAX_BYTES;
export const KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS = 500;

export class KeyboardMsrReader extends SwipeLineReader {
  constructor(transport: HidReportTransport, options: KeyboardMsrOptions = {}) {
    super({
      kind: 'keyboard-msr',
      options,
      transport,
      openLines: (limits) =>
        new KeyboardLineDecoder({
          ...limits,
          interKeyTimeoutMs: options.interKeyTimeoutMs ?? KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS,
          ...(options.layout === undefined ? {} : { layout: options.layout }),
        }),
      // The keys typed are card data: the shared reader zeroes each report once decoded.
      subscribe: (feed) => transport.onReport((report) => feed(report.data)),
    });
  }
}

export function createKeyboardMsrReader(transport: HidReportTransport, options: KeyboardMsrOptions = {}): KeyboardMsrReader {
  return new KeyboardMsrReader(transport, options);
}
