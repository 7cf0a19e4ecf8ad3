/**
 * A device kind: everything the terminal knows about one `type` of
 * `devices.reader`, `devices.pinpad` or `devices.display`, in one module
 * beside its driver (`drivers/<family>/kind.ts`) — the USB IDs that name
 * such a device, how it is opened (its driver on its transport, with the
 * kind's line defaults), and how `pos diag devices` checks that it answers.
 *
 * The config schema of the same `type` is in `src/config/schema.ts` (the
 * config layer may not import drivers); `src/app/device-kinds.ts` keys the
 * kinds by that type, and the compiler refuses a wired type without its kind
 * or a kind whose `open` needs a field the type does not have.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import type { Attached } from '../reconnect/resilient-devices.js';
import type { HidTransportOptions } from '../transport/hid-node-transport.js';
import type { HidReportTransport } from '../transport/hid-report-transport.js';
import type { SerialTransportOptions } from '../transport/serial-transport.js';
import type { KnownUsbId } from '../transport/usb-serial-adapters.js';
import type { ChipKernel } from './chip-kernel.js';

export type DeviceRole = 'reader' | 'pinpad' | 'display' | 'printer';

/** How a kind reaches its device: the real ports (node-hid loaded on first use), or doubles in tests. */
export interface DeviceContext {
  readonly openSerial: (options: SerialTransportOptions) => Promise<ByteTransport>;
  readonly openHid: (options: HidTransportOptions) => Promise<HidReportTransport>;
  readonly logger: Logger;
  /** A monotonic clock in ms, for a probe's round trip. */
  readonly now: () => number;
  /** The EMV kernel of a reader whose terminal runs EMV itself: one a terminal, so its split-sales log outlives a reopened reader. */
  readonly chipKernel: () => ChipKernel;
  /** Opens a reader by its own config section, as its kind does: the stripe reader paired with a chip-only reader. */
  readonly openReader: (config: { readonly type: string }) => Promise<Attached<CardReader>>;
  /** The config's `emv.aids`, as far as a reader with its own contactless kernel is told them (its limits). */
  readonly readerAids: readonly ReaderAidSettings[];
}

/** One `emv.aids[]` entry's contactless limits, structurally the config's (minor units; the AID in hex). */
export interface ReaderAidSettings {
  readonly aid: string;
  readonly floorLimit: number;
  readonly contactless: {
    readonly enabled: boolean;
    readonly transactionLimit: number;
    readonly cvmRequiredLimit: number;
    /** Absent: the AID's contact floor limit. */
    readonly floorLimit?: number | undefined;
  };
}

/** What a probe did: `ping` (a protocol round trip), `status` (a message the device must acknowledge), `self-test-write` (a pattern a person reads), `open` (no exchange exists). */
export interface Probe {
  readonly check: 'ping' | 'status' | 'self-test-write' | 'open';
  readonly rttMs?: number;
  readonly answer?: string;
}

/**
 * One kind, for the config `C` of its `type` (the fields it reads) and the
 * device contract `D` it gives. Members are function properties, so that a
 * kind is checked against its config type strictly (parameters contravariant).
 */
export interface DeviceKind<C, D> {
  readonly role: DeviceRole;
  /** USB IDs of devices of this kind, most specific first. */
  readonly usbIds: readonly KnownUsbId[];
  /** What is opened (`/dev/ttyUSB0`, `hid:0801:0002`), for logs and errors. Never card data. */
  readonly target: (config: C) => string;
  /** Opens the transport and builds the driver on it; a device lost later is reopened through the same call. Rejects with the transport's open error. */
  readonly open: (config: C, context: DeviceContext) => Promise<Attached<D>>;
  /** Opens the device, checks that it answers in its own protocol, and closes it. Rejects with the open's or the exchange's error. */
  readonly probe: (config: C, context: DeviceContext) => Promise<Probe>;
}

type Opener<C, D> = (config: C, context: DeviceContext) => Promise<Attached<D>>;
type Exchange<T> = (opened: T) => Promise<Omit<Probe, 'rttMs'>>;

/** The probe of a device with no request/response (a magstripe reader only sends): opening it as the kind does, and closing it, is the check. */
export function openingProbe<C, D extends Closable>(open: Opener<C, D>): DeviceKind<C, D>['probe'] {
  return async (config, context) => {
    const { device } = await open(config, context);
    await device.close();
    return { check: 'open' };
  };
}

/** The probe that opens the device as the kind does and times `exchange` on its driver (which closes its transport). */
export function exchangeProbe<C, D extends Closable>(open: Opener<C, D>, exchange: Exchange<D>): DeviceKind<C, D>['probe'] {
  return (config, context) => timedProbe(open(config, context).then((a) => a.device), context.now, exchange);
}

/** Times `exchange` on what `opening` opened (a driver, or a bare transport), closing it whatever happens. */
export async function timedProbe<T extends Closable>(opening: Promise<T>, now: () => number, exchange: Exchange<T>): Promise<Probe> {
  const opened = await opening;
  try {
    const started = now();
    const done = await exchange(opened);
    return { ...done, rttMs: now() - started };
  } finally {
    await opened.close();
  }
}

interface Closable {
  close(): Promise<void>;
}
