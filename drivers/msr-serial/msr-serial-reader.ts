/**
 * `CardReader` for ASCII serial magstripe readers (RS-232 or USB-serial, the
 * kind that send `%B…?;…?` and CR for each swipe). The driver owns the
 * transport it is given but never opens one: `src/app/` does.
 *
 * The driver is its transport's only data listener: each chunk it receives
 * is zeroed once framed, and each line once parsed, so no track characters
 * are left in the port's buffers or in the framer.
 *
 * Bad bytes never throw: a line that is not a card, an overlong line or a
 * partial line then silence rejects the armed read with a typed `PosError`
 * (or is logged at debug when nothing is armed), the port stays open, and the
 * framer starts afresh on the next line.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { SWIPE_LINE_DEFAULT_MAX_BYTES, SwipeLineReader, type SwipeLineOptions } from '../shared/swipe-line-reader.js';
import { LineFramer } from './line-framer.js';

export interface SerialMsrOptions extends SwipeLineOptions {
  /** Silence after a partial line that abandons it; default 500 ms (a swipe arrives in a few tens of ms). */
  readonly interByteTimeoutMs?: number;
}

export const MSR_DEFAULT_MAX_LINE_BYTES = SWIPE_LINE_DEFAULT_MAX_BYTES;
export const MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS = 500;

export class SerialMsrReader extends SwipeLineReader {
  constructor(transport: ByteTransport, options: SerialMsrOptions = {}) {
    super({
      kind: 'msr-serial',
      options,
      transport,
      openLines: (limits) => new LineFramer({ ...limits, interByteTimeoutMs: options.interByteTimeoutMs ?? MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS }),
      subscribe: (feed) => transport.onData(feed),
    });
  }
}

/** The driver over a transport the caller opened. */
export function createSerialMsrReader(transport: ByteTransport, options: SerialMsrOptions = {}): SerialMsrReader {
  return new SerialMsrReader(transport, options);
}
