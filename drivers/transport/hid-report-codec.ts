/**
 * Report framing between the driver's `(reportId, data)` and hidapi's byte
 * arrays (HID 1.11 §5.6, §8.1; hidapi `hid_write`/`hid_send_feature_report`:
 * "the first byte must contain the Report ID, 0x0 for devices which only
 * support a single report"). Pure functions, no I/O.
 *
 *   to hidapi:   [report ID][data…][0x00 × (reportBytes − data length)]
 *   from hidapi: numbered   [report ID][data…]   → { reportId, data }
 *                unnumbered [data…]              → { reportId: 0, data }
 */
import { PosError } from '../../src/util/errors.js';
import { MAX_REPORT_ID, REPORT_ID_BYTES, UNNUMBERED_REPORT_ID, type HidInputReport } from './hid-report-transport.js';

/** The bytes to hand hidapi for an output or feature report. Throws `HID_REPORT_TOO_LONG` or `INTERNAL` for a bad ID. */
export function frameOutgoingReport(reportId: number, data: Uint8Array, reportBytes: number): Buffer {
  if (!Number.isInteger(reportId) || reportId < 0 || reportId > MAX_REPORT_ID) {
    throw new PosError('HID_REPORT_MALFORMED', `Report ID ${reportId} is not a byte`, { field: 'reportId', offset: 0 });
  }
  const size = Math.max(reportBytes, 0);
  if (data.length > size) {
    throw new PosError('HID_REPORT_TOO_LONG', `Report of ${data.length} bytes exceeds the report size of ${size}`, { lengthBytes: data.length, reportBytes: size });
  }
  const out = Buffer.alloc(REPORT_ID_BYTES + size); // zero padding
  out[0] = reportId;
  out.set(data, REPORT_ID_BYTES);
  return out;
}

/** An input report as hidapi delivered it, split into ID and data (a view, no copy). */
export function splitIncomingReport(raw: Buffer, numberedReports: boolean): HidInputReport {
  if (!numberedReports || raw.length === 0) return { reportId: UNNUMBERED_REPORT_ID, data: raw };
  return { reportId: raw[0] as number, data: raw.subarray(REPORT_ID_BYTES) };
}
