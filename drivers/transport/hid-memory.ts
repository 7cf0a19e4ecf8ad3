/**
 * Two ends of a HID device joined in memory: the host end is a
 * `HidReportTransport` for the driver, the device end is what a virtual device
 * (hw-mocks) drives — it sends input reports, sees output reports and answers
 * feature reports. Delivery is on a later microtask, never inside the call,
 * as with a real device. `unplug()` is the cable being pulled.
 *
 * Input reports are checked against the configured input report size, as the
 * USB host controller would: a virtual device cannot send a report longer
 * than its descriptor declares.
 */
import { PosError } from '../../src/util/errors.js';
import { frameOutgoingReport } from './hid-report-codec.js';
import type { HidDeviceIdentity, HidInputReport, HidReportTransport } from './hid-report-transport.js';
import { hidDescription } from './hid-node-transport.js';
import { ListenerSet } from './listener-set.js';

export interface HidMemoryPairOptions {
  readonly vendorId: number;
  readonly productId: number;
  readonly product?: string;
  /** Largest input report data the device may send (report ID excluded). */
  readonly inputReportBytes: number;
  readonly outputReportBytes?: number;
  readonly featureReportBytes?: number;
}

/** An output or feature report as the device receives it: ID and the padded data. */
export interface HidDeviceSideReport {
  readonly reportId: number;
  readonly data: Buffer;
}

/** The device's end of the pair (what hw-mocks' `HidDevicePort` describes). */
export interface HidMemoryDeviceEnd {
  readonly description: string;
  /** Sends one input report to the host. Rejects with kind `disconnected` once unplugged or closed. */
  sendInputReport(reportId: number, data: Uint8Array): Promise<void>;
  onOutputReport(listener: (report: HidDeviceSideReport) => void): () => void;
  /** Answers GET_REPORT(feature); the default answers zeros. */
  setFeatureHandler(handler: { get?: (reportId: number, lengthBytes: number) => Uint8Array; set?: (report: HidDeviceSideReport) => void }): void;
  onClose(listener: (error?: PosError) => void): () => void;
  close(): Promise<void>;
}

export interface HidMemoryHostEnd extends HidReportTransport {
  unplug(): void;
}

export function createHidMemoryPair(options: HidMemoryPairOptions): [HidMemoryHostEnd, HidMemoryDeviceEnd] {
  const link = new HidLink(options);
  return [link.host, link.device];
}

class HidLink {
  readonly host: HidMemoryHostEnd;
  readonly device: HidMemoryDeviceEnd;
  readonly #toHost = new ListenerSet<HidInputReport>();
  readonly #toDevice = new ListenerSet<HidDeviceSideReport>();
  readonly #hostEnd = new ListenerSet<PosError | undefined>();
  readonly #deviceEnd = new ListenerSet<PosError | undefined>();
  #featureGet: (reportId: number, lengthBytes: number) => Uint8Array = (_id, len) => new Uint8Array(len);
  #featureSet: ((report: HidDeviceSideReport) => void) | undefined;
  #ended = false;

  constructor(options: HidMemoryPairOptions) {
    const description = hidDescription(options.vendorId, options.productId);
    const identity: HidDeviceIdentity = {
      vendorId: options.vendorId,
      productId: options.productId,
      path: `memory:${description}`,
      ...(options.product === undefined ? {} : { product: options.product }),
    };
    this.host = {
      description,
      identity,
      write: (reportId, data) => this.#hostSends(reportId, data, options.outputReportBytes ?? 0, this.#toDevice),
      sendFeatureReport: (reportId, data) =>
        this.#hostSends(reportId, data, options.featureReportBytes ?? 0, {
          emit: (r: HidDeviceSideReport) => this.#featureSet?.(r),
        }),
      getFeatureReport: async (reportId, lengthBytes) => {
        this.#assertOpen(description);
        await Promise.resolve();
        return Buffer.from(this.#featureGet(reportId, lengthBytes)).subarray(0, lengthBytes);
      },
      onReport: (listener) => this.#toHost.add(listener),
      onClose: (listener) => this.#hostEnd.add((e) => (e === undefined ? listener() : listener(e))),
      close: () => {
        this.#end(undefined, this.#gone(`device:${description}`));
        return Promise.resolve();
      },
      unplug: () => this.#end(this.#gone(description), this.#gone(`device:${description}`)),
    };
    this.device = {
      description: `device:${description}`,
      sendInputReport: (reportId, data) => {
        if (this.#ended) return Promise.reject(this.#gone(`device:${description}`));
        if (data.length > options.inputReportBytes) {
          return Promise.reject(
            new PosError('HID_REPORT_TOO_LONG', `Input report of ${data.length} bytes exceeds ${options.inputReportBytes}`, {
              lengthBytes: data.length,
              reportBytes: options.inputReportBytes,
            }),
          );
        }
        const report = { reportId, data: Buffer.from(data) };
        queueMicrotask(() => {
          if (!this.#ended) this.#toHost.emit(report);
        });
        return Promise.resolve();
      },
      onOutputReport: (listener) => this.#toDevice.add(listener),
      setFeatureHandler: (handler) => {
        if (handler.get) this.#featureGet = handler.get;
        if (handler.set) this.#featureSet = handler.set;
      },
      onClose: (listener) => this.#deviceEnd.add((e) => (e === undefined ? listener() : listener(e))),
      close: () => {
        this.#end(this.#gone(description), undefined);
        return Promise.resolve();
      },
    };
  }

  #hostSends(reportId: number, data: Uint8Array, reportBytes: number, sink: { emit(r: HidDeviceSideReport): void }): Promise<void> {
    try {
      this.#assertOpen(this.host.description);
      const framed = frameOutgoingReport(reportId, data, reportBytes);
      const report = { reportId, data: framed.subarray(1) };
      queueMicrotask(() => {
        if (!this.#ended) sink.emit(report);
      });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #assertOpen(description: string): void {
    if (this.#ended) throw new PosError('DEVICE_CLOSED', `${description} is closed`, { path: description });
  }

  #gone(description: string): PosError {
    return new PosError('DEVICE_DISCONNECTED', `${description} went away`, { path: description });
  }

  #end(hostError: PosError | undefined, deviceError: PosError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#toHost.clear();
    this.#toDevice.clear();
    // After reports already queued, as a port would.
    queueMicrotask(() => {
      this.#hostEnd.emit(hostError);
      this.#hostEnd.clear();
      this.#deviceEnd.emit(deviceError);
      this.#deviceEnd.clear();
    });
  }
}
