/** The device side of an in-memory HID pair as the virtual NEO 2's byte stream: output reports in, input reports (ID 0x01, zero-padded) out. */
import type { HidMemoryDeviceEnd } from '../../../drivers/transport/hid-memory.js';
import { ListenerSet } from '../../../drivers/transport/listener-set.js';
import { VIVOPAY_HID_REPORT_BYTES, VIVOPAY_HID_REPORT_ID } from '../../../drivers/vivopay/index.js';
import type { ByteTransport } from '../../../src/devices/byte-transport.js';

/** `reports`, when given, collects each output report as it arrived (report ID first). */
export function vivopayHidDeviceStream(end: HidMemoryDeviceEnd, reports?: Buffer[]): ByteTransport {
  const data = new ListenerSet<Buffer>();
  end.onOutputReport((r) => {
    reports?.push(Buffer.concat([Buffer.from([r.reportId]), r.data]));
    data.emit(r.data);
  });
  return {
    description: end.description,
    async write(bytes) {
      for (let i = 0; i < bytes.length; i += VIVOPAY_HID_REPORT_BYTES) {
        const piece = Buffer.alloc(VIVOPAY_HID_REPORT_BYTES);
        piece.set(bytes.subarray(i, i + VIVOPAY_HID_REPORT_BYTES));
        await end.sendInputReport(VIVOPAY_HID_REPORT_ID, piece);
      }
    },
    onData: (l) => data.add(l),
    onClose: (l) => end.onClose(l),
    close: () => end.close(),
  };
}
