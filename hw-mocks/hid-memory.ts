/**
 * What a virtual HID device needs of its end of the wire (hw-mocks do not
 * import drivers/): the device end of the in-memory HID pair
 * (`drivers/transport/hid-memory.ts`) has this shape, and so would a
 * USB gadget (raw-gadget / `/dev/hidg0`) end on real hardware.
 */
import type { PosError } from '../src/util/errors.js';

export interface HidDevicePort {
  readonly description: string;
  /** Sends one input report (data without report ID; `reportId` 0 for an unnumbered device). */
  sendInputReport(reportId: number, data: Uint8Array): Promise<void>;
  /** Output reports from the host (report ID and padded data). */
  onOutputReport(listener: (report: { readonly reportId: number; readonly data: Buffer }) => void): () => void;
  onClose(listener: (error?: PosError) => void): () => void;
  /** The virtual device going away. */
  close(): Promise<void>;
}
