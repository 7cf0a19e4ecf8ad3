/**
 * `HidReportTransport` over node-hid's `HIDAsync` (hidapi): the device is
 * found by vendor and product ID (and, where a device has several HID
 * interfaces, by usage page or path), opened by path, and its input reports
 * arrive as `data` events. node-hid is imported lazily by `loadNodeHid`.
 */
import { PosError } from '../../src/util/errors.js';
import { frameOutgoingReport, splitIncomingReport } from './hid-report-codec.js';
import { loadNodeHid, type NodeHidDeviceInfo, type NodeHidHandle, type NodeHidModule } from './hid-library.js';
import type { HidDeviceIdentity, HidInputReport, HidReportSizes, HidReportTransport } from './hid-report-transport.js';
import { ListenerSet } from './listener-set.js';
import { TransportEnd } from './transport-end.js';

export interface HidTransportOptions extends Partial<HidReportSizes> {
  readonly vendorId: number;
  readonly productId: number;
  /** Open this path (`/dev/hidraw2`) rather than the first match. */
  readonly path?: string;
  /** Among matches, the interface with this usage page (0xFF00 vendor-defined for MagTek, 0x01 for keyboards). */
  readonly usagePage?: number;
}

/** `hid:0801:0002`: how a HID device is named in logs and error details. */
export function hidDescription(vendorId: number, productId: number): string {
  return `hid:${hex4(vendorId)}:${hex4(productId)}`;
}

export function hex4(id: number): string {
  return id.toString(16).padStart(4, '0');
}

/**
 * Finds and opens the device. Rejects with `HID_LIBRARY_UNAVAILABLE` when
 * node-hid cannot load, `HID_DEVICE_NOT_FOUND` (details: vendorId, productId)
 * when none is attached, and `DEVICE_OPEN_FAILED` when it cannot be opened
 * (most often permissions: the udev rule in `systemd/` grants them).
 */
export async function openHidTransport(options: HidTransportOptions, library?: NodeHidModule): Promise<HidReportTransport> {
  const lib = library ?? (await loadNodeHid());
  const description = hidDescription(options.vendorId, options.productId);
  const ids = { vendorId: options.vendorId, productId: options.productId };
  const match = pickDevice(await lib.devicesAsync(), options);
  if (match?.path === undefined) {
    throw new PosError('HID_DEVICE_NOT_FOUND', `No HID device ${description} is attached`, ids);
  }
  let handle: NodeHidHandle;
  try {
    handle = await lib.openPath(match.path);
  } catch (err) {
    throw new PosError('DEVICE_OPEN_FAILED', `Cannot open ${description} at ${match.path} (permissions? see the udev rule)`, { path: match.path, reason: 'open' }, { cause: err });
  }
  const identity: HidDeviceIdentity = {
    ...ids,
    path: match.path,
    ...(match.product === undefined ? {} : { product: match.product }),
    ...(match.manufacturer === undefined ? {} : { manufacturer: match.manufacturer }),
  };
  return new NodeHidTransport(handle, description, identity, {
    outputReportBytes: options.outputReportBytes ?? 0,
    featureReportBytes: options.featureReportBytes ?? 0,
    numberedReports: options.numberedReports ?? false,
  });
}

export function pickDevice(devices: readonly NodeHidDeviceInfo[], options: HidTransportOptions): NodeHidDeviceInfo | undefined {
  return devices.find(
    (d) =>
      d.vendorId === options.vendorId &&
      d.productId === options.productId &&
      (options.path === undefined || d.path === options.path) &&
      (options.usagePage === undefined || d.usagePage === options.usagePage),
  );
}

class NodeHidTransport implements HidReportTransport {
  readonly description: string;
  readonly identity: HidDeviceIdentity;
  readonly #handle: NodeHidHandle;
  readonly #sizes: HidReportSizes;
  readonly #reports = new ListenerSet<HidInputReport>();
  readonly #end = new TransportEnd();
  #closing: Promise<void> | undefined;

  constructor(handle: NodeHidHandle, description: string, identity: HidDeviceIdentity, sizes: HidReportSizes) {
    this.#handle = handle;
    this.description = description;
    this.identity = identity;
    this.#sizes = sizes;
    handle.on('data', (raw: Buffer) => {
      if (!this.#end.ended) this.#reports.emit(splitIncomingReport(raw, sizes.numberedReports));
    });
    // hidapi reports an unplug as a read error ("could not read from HID device").
    handle.on('error', (err: Error) => {
      if (this.#closing === undefined) {
        this.#finish(this.#disconnected(err));
        handle.close().catch(() => undefined);
      }
    });
  }

  write(reportId: number, data: Uint8Array): Promise<void> {
    return this.#send(() => this.#handle.write(frameOutgoingReport(reportId, data, this.#sizes.outputReportBytes)));
  }

  async getFeatureReport(reportId: number, lengthBytes: number): Promise<Buffer> {
    this.#assertOpen();
    try {
      const raw = await this.#handle.getFeatureReport(reportId, lengthBytes + 1);
      // hidapi returns the report ID first.
      return Buffer.from(raw.subarray(1));
    } catch (err) {
      throw this.#ioError(err);
    }
  }

  sendFeatureReport(reportId: number, data: Uint8Array): Promise<void> {
    return this.#send(() => this.#handle.sendFeatureReport(frameOutgoingReport(reportId, data, this.#sizes.featureReportBytes)));
  }

  onReport(listener: (report: HidInputReport) => void): () => void {
    return this.#reports.add(listener);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.#end.onClose(listener);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const wasEnded = this.#end.ended;
      this.#finish(undefined);
      if (!wasEnded) await this.#handle.close().catch(() => undefined);
    })();
    return this.#closing;
  }

  async #send(op: () => Promise<number>): Promise<void> {
    this.#assertOpen();
    // A framing error (report too long) throws here and rejects as itself.
    const pending = op();
    try {
      await pending;
    } catch (err) {
      throw this.#ioError(err);
    }
  }

  #assertOpen(): void {
    if (this.#end.ended || this.#closing !== undefined) {
      throw new PosError('DEVICE_CLOSED', `${this.description} is closed`, { path: this.description });
    }
  }

  #ioError(err: unknown): PosError {
    return this.#end.ended ? this.#disconnected(err) : new PosError('DEVICE_WRITE_FAILED', `Report to ${this.description} failed`, { path: this.description }, { cause: err });
  }

  #disconnected(cause?: unknown): PosError {
    return new PosError('DEVICE_DISCONNECTED', `${this.description} went away`, { path: this.description }, { cause });
  }

  #finish(error: PosError | undefined): void {
    this.#end.finish(error, () => this.#reports.clear());
  }
}
