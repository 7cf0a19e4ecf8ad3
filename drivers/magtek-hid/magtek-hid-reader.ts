/**
 * `CardReader` for MagTek USB HID swipe readers (vendor 0x0801): one input
 * report per swipe (MagTek 99875191 §4 "Card Data"; encrypting readers
 * 99875475 "Card Data"). The driver takes its transport in the constructor;
 * `src/app/` opens it.
 *
 * - Standard layout: tracks 1 and 2 (sentinels included) are joined into the
 *   line an ASCII reader would send and parsed by `src/card` into a
 *   `CardRead`.
 * - Encrypting layout: `readSwipe` resolves with an `EncryptedSwipe` (KSN and
 *   ciphertext untouched, masked data); `readCard` resolves with a `CardRead`
 *   whose `encrypted` carries the ciphertext and KSN for the host and whose
 *   card is masked data only (`cardReadOf`): the driver never sees a clear
 *   track from such a reader.
 *
 * Bad reports never throw: a report of the wrong length or with a length
 * byte past its field rejects the armed read with `HID_REPORT_*`, the device
 * stays open, and the next report is parsed afresh (each report stands alone,
 * so there is nothing to resynchronise). Report bytes are wiped once parsed.
 */
import type { Logger } from 'pino';
import { parseSwipeLine } from '../../src/card/swipe-line.js';
import type { CardReader, DeviceState, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { ReaderLifecycle } from '../shared/reader-lifecycle.js';
import type { HidInputReport, HidReportTransport } from '../transport/hid-report-transport.js';
import { cardReadOf, encryptedSwipeOf, type EncryptedSwipe } from './encrypted-swipe.js';
import type { MagtekLayoutChoice } from './report-layout.js';
import { parseMagtekReport, type StandardReport } from './report-parser.js';

export interface MagtekHidOptions {
  /** For logs and `/v1/health`; default `magtek-hid`. */
  readonly name?: string;
  /** Report layout; default `auto` (by report length). */
  readonly layout?: MagtekLayoutChoice;
  readonly logger?: Logger;
}

export type MagtekSwipe = { readonly kind: 'clear'; readonly read: SwipeRead } | { readonly kind: 'encrypted'; readonly swipe: EncryptedSwipe };

export class MagtekHidReader implements CardReader {
  readonly name: string;
  readonly #layout: MagtekLayoutChoice;
  readonly #log: Logger;
  readonly #reader: ReaderLifecycle<MagtekSwipe>;

  constructor(transport: HidReportTransport, options: MagtekHidOptions = {}) {
    this.name = options.name ?? 'magtek-hid';
    this.#layout = options.layout ?? 'auto';
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#reader = new ReaderLifecycle(this.name, this.#log, () => transport.close());
    this.#reader.onDetach(
      transport.onReport((r) => this.#onReport(r)),
      transport.onClose((e) => this.#reader.lost(e)),
    );
  }

  /** Arms the reader for one swipe of either kind. Rejects like `readCard`. */
  readSwipe(signal: AbortSignal): Promise<MagtekSwipe> {
    return this.#reader.arm(signal);
  }

  async readCard(_request: ReadRequest, signal: AbortSignal): Promise<SwipeRead> {
    const swipe = await this.readSwipe(signal);
    return swipe.kind === 'clear' ? swipe.read : cardReadOf(swipe.swipe);
  }

  state(): DeviceState {
    return this.#reader.state;
  }

  close(): Promise<void> {
    return this.#reader.close();
  }

  #onReport(report: HidInputReport): void {
    // The reader is the transport's only listener: the report's bytes are ours, wiped whatever happens.
    const raw = Sensitive.of('track', report.data);
    try {
      if (!this.#reader.slot.armed) {
        this.#log.debug({ lengthBytes: raw.length }, 'swipe while no read is armed: dropped');
        return;
      }
      let swipe: MagtekSwipe;
      try {
        swipe = this.#decode(raw.reveal());
      } catch (err) {
        this.#reader.failRead(asPosError(err, 'magtek-hid report'));
        return;
      }
      this.#log.debug({ kind: swipe.kind, brand: swipe.kind === 'clear' ? swipe.read.card.brand : swipe.swipe.brand }, 'card swiped');
      this.#reader.slot.settle({ value: swipe });
    } finally {
      raw.wipe();
    }
  }

  #decode(bytes: Buffer): MagtekSwipe {
    const parsed = parseMagtekReport(bytes, this.#layout);
    if (parsed.layout === 'encrypting') return { kind: 'encrypted', swipe: encryptedSwipeOf(parsed) };
    const line = swipeLineOf(parsed);
    try {
      return { kind: 'clear', read: { entryMode: 'swipe', card: parseSwipeLine(line) } };
    } finally {
      line.fill(0);
    }
  }
}

/**
 * Tracks 1 and 2 joined as an ASCII reader's line (track 3 is not needed for
 * payment). A track the reader could not decode is sent as `E`-marked, as
 * ASCII readers do, so `parseSwipeLine` gives its usual errors. A new Buffer
 * the caller wipes.
 */
export function swipeLineOf(report: StandardReport): Buffer {
  const [t1, t2] = report.tracks;
  if (report.encodeType === 'blank') throw new PosError('CARD_SWIPE_UNREADABLE', 'The card is blank', { rule: 'blank' });
  const parts: Buffer[] = [];
  if (t1.status === 'ok') parts.push(t1.data);
  if (t2.status === 'ok') parts.push(t2.data);
  else if (t2.status === 'error') parts.push(Buffer.from(';E?', 'latin1'));
  return Buffer.concat(parts);
}

export function createMagtekHidReader(transport: HidReportTransport, options: MagtekHidOptions = {}): MagtekHidReader {
  return new MagtekHidReader(transport, options);
}
