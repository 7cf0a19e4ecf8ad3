/**
 * The virtual MagTek USB HID swipe reader (device side): on a swipe it sends
 * one input report built from a deck card, in the standard (337-byte) or the
 * encrypting (856-byte, DUKPT) layout, to its end of a HID wire.
 */
import { deriveTdesIpek } from '../../src/crypto/dukpt/tdes.js';
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { wipe } from '../../src/util/bytes.js';
import type { DeckCard } from '../cards/deck.js';
import type { HidDevicePort } from '../hid-memory.js';
import { encryptingReport, standardReport } from './report-builder.js';
import { TWIN_BDK_HEX, TWIN_INITIAL_KSN_HEX } from './twin-keys.js';

export const MAGTEK_TWIN_IDS = { vendorId: 0x0801, productId: 0x0002 } as const;

export interface VirtualMagtekOptions {
  readonly layout: 'standard' | 'encrypting';
  /** Encrypting layout: the BDK the reader's initial key comes from (default: the X9.24-1 test BDK). */
  readonly bdkHex?: string;
  /** The same as bytes (copied; wins over `bdkHex`): how the simulation injects the host's BDK without a string copy. */
  readonly bdk?: Uint8Array;
  readonly initialKsnHex?: string;
  /** Start the DUKPT counter here (default 1). */
  readonly startCounter?: number;
}

export class VirtualMagtekReader {
  readonly #port: HidDevicePort;
  readonly #layout: 'standard' | 'encrypting';
  readonly #originator: TdesDukptOriginator | undefined;

  constructor(port: HidDevicePort, options: VirtualMagtekOptions) {
    this.#port = port;
    this.#layout = options.layout;
    if (options.layout === 'encrypting') {
      const bdk = options.bdk !== undefined ? Buffer.from(options.bdk) : Buffer.from(options.bdkHex ?? TWIN_BDK_HEX, 'hex');
      const ksn = Buffer.from(options.initialKsnHex ?? TWIN_INITIAL_KSN_HEX, 'hex');
      const ipek = deriveTdesIpek(bdk, ksn);
      this.#originator = new TdesDukptOriginator(ipek, ksn, options.startCounter ?? 1);
      wipe(ipek, bdk);
    }
  }

  get description(): string {
    return this.#port.description;
  }

  /** The report a swipe of `card` sends (consumes a DUKPT counter in the encrypting layout). */
  reportFor(card: DeckCard): Buffer {
    return this.#originator === undefined ? standardReport(card) : encryptingReport(card, this.#originator);
  }

  /** Swipes a deck card. Resolves once the report is sent. */
  swipe(card: DeckCard): Promise<void> {
    return this.#port.sendInputReport(0, this.reportFor(card));
  }

  /** Sends any report (wrong lengths, corrupt fields) exactly as given. */
  sendRaw(report: Uint8Array): Promise<void> {
    return this.#port.sendInputReport(0, report);
  }

  get layout(): 'standard' | 'encrypting' {
    return this.#layout;
  }

  close(): Promise<void> {
    this.#originator?.destroy();
    return this.#port.close();
  }
}

export function createVirtualMagtekReader(port: HidDevicePort, options: VirtualMagtekOptions): VirtualMagtekReader {
  return new VirtualMagtekReader(port, options);
}
