/**
 * The report-oriented seam for USB HID devices (Device Class Definition for
 * HID 1.11, §5.6 "Reports" and §8 "Report Protocol"). A HID device does not
 * stream bytes: it sends fixed-size input reports on its interrupt-in pipe,
 * takes output reports, and answers feature reports on the control pipe.
 *
 * Report IDs: a device whose report descriptor declares Report ID items
 * ("numbered") puts the ID in the first byte of every report; a device that
 * declares none sends bare data. On the wire to the OS (hidapi, hidraw) an
 * output or feature report always starts with the report ID, 0x00 for an
 * unnumbered device:
 *
 *   output / feature:  [report ID][data…][0x00 padding to the report size]
 *   input (numbered):  [report ID][data…]
 *   input (unnumbered):[data…]
 *
 * A `HidReportTransport` hides that: the driver writes `(reportId, data)` and
 * receives `{ reportId, data }`, with `reportId` 0 for an unnumbered device.
 */
import type { PosError } from '../../src/util/errors.js';

/** One input report as the driver sees it. `data` excludes the report ID byte. */
export interface HidInputReport {
  /** The report ID, 0 when the device does not number its reports. */
  readonly reportId: number;
  readonly data: Buffer;
}

/** What identifies a HID device for logs, diagnostics and the table of known devices. Never card data. */
export interface HidDeviceIdentity {
  readonly vendorId: number;
  readonly productId: number;
  /** The OS path (`/dev/hidraw0`), when known. */
  readonly path?: string;
  readonly product?: string;
  readonly manufacturer?: string;
}

export interface HidReportTransport {
  /** `hid:0801:0002` or a path; for logs. */
  readonly description: string;
  readonly identity: HidDeviceIdentity;

  /**
   * Sends one output report: `data` (report ID excluded) zero-padded to the
   * output report size. Resolves once hidapi accepted it. Rejects with
   * `HID_REPORT_TOO_LONG` (kind `input`) when `data` exceeds the report size,
   * kind `disconnected` when closed or gone, `DEVICE_WRITE_FAILED` otherwise.
   */
  write(reportId: number, data: Uint8Array): Promise<void>;

  /**
   * Subscribes to input reports, one call per report, in order. A report is
   * never split or merged. Returns the unsubscribe function.
   */
  onReport(listener: (report: HidInputReport) => void): () => void;

  /**
   * Reads a feature report (HID GET_REPORT, feature). Resolves with the data
   * after the report ID, `lengthBytes` at most. Rejects like `write`.
   */
  getFeatureReport(reportId: number, lengthBytes: number): Promise<Buffer>;

  /** Sends a feature report (HID SET_REPORT, feature), zero-padded to the feature report size. Rejects like `write`. */
  sendFeatureReport(reportId: number, data: Uint8Array): Promise<void>;

  /**
   * Subscribes to the end of the transport: once, with no argument after
   * `close()`, or a `PosError` of kind `disconnected` when the device went
   * away (unplug, EIO from hidraw). No report is delivered after it.
   */
  onClose(listener: (error?: PosError) => void): () => void;

  /** Releases the device; idempotent. */
  close(): Promise<void>;
}

/** Report sizes (data bytes, report ID excluded) as the device's report descriptor declares them. */
export interface HidReportSizes {
  /** Output report size; `write` pads to it. 0 when the device has no output report. */
  readonly outputReportBytes: number;
  /** Feature report size; `sendFeatureReport` pads to it. */
  readonly featureReportBytes: number;
  /** The device numbers its reports (input reports then start with the ID). */
  readonly numberedReports: boolean;
}

export const REPORT_ID_BYTES = 1; // the leading report ID byte hidapi expects on output and feature reports
export const UNNUMBERED_REPORT_ID = 0x00; // what goes in that byte for a device without Report ID items
export const MAX_REPORT_ID = 0xff;
