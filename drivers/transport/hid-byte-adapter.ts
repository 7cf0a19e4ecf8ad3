/**
 * A `ByteTransport` over a `HidReportTransport`, for devices that tunnel a
 * byte stream through HID reports (a serial protocol spoken over USB HID, as
 * some readers and PIN pads do). How the count of valid bytes in a report is
 * carried differs by device, so it is a table entry:
 *
 *   report-id-length  [report ID = n][n bytes][padding]      (HID-UART bridges: Silicon Labs AN434 §6, CP2110 "Data" reports 0x01–0x3F)
 *   length-prefix     [report ID][n][n bytes][padding]
 *   whole-report      [report ID][data … every byte is payload]
 *
 * Outgoing bytes are cut into reports of at most the payload room; incoming
 * reports are turned back into chunks for the driver's own framer.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { PosError } from '../../src/util/errors.js';
import type { HidReportTransport } from './hid-report-transport.js';
import { ListenerSet } from './listener-set.js';

export interface HidStreamFraming {
  /** Payload bytes one output report can carry. */
  room(outputReportBytes: number): number;
  /** The (reportId, data) to send for one piece of at most `room` bytes. */
  encode(piece: Uint8Array, reportId: number): { reportId: number; data: Uint8Array };
  /** The payload of an input report (a view). */
  decode(reportId: number, data: Buffer): Buffer;
}

export const HID_STREAM_FRAMINGS = {
  'report-id-length': {
    room: (size) => Math.min(size, 0x3f),
    encode: (piece) => ({ reportId: piece.length, data: piece }),
    decode: (reportId, data) => data.subarray(0, Math.min(reportId, data.length)),
  },
  'length-prefix': {
    room: (size) => Math.min(size - 1, 0xff),
    encode: (piece, reportId) => ({ reportId, data: Buffer.concat([Buffer.from([piece.length]), piece]) }),
    decode: (_id, data) => data.subarray(1, 1 + Math.min(data[0] ?? 0, Math.max(data.length - 1, 0))),
  },
  'whole-report': {
    room: (size) => size,
    encode: (piece, reportId) => ({ reportId, data: piece }),
    decode: (_id, data) => data,
  },
} as const satisfies Record<string, HidStreamFraming>;

export type HidStreamFramingName = keyof typeof HID_STREAM_FRAMINGS;

export interface HidByteAdapterOptions {
  readonly framing: HidStreamFramingName;
  /** Output report size (report ID excluded). */
  readonly outputReportBytes: number;
  /** Report ID for framings that do not use it as a count; default 0. */
  readonly reportId?: number;
}

export function hidAsByteTransport(transport: HidReportTransport, options: HidByteAdapterOptions): ByteTransport {
  const framing: HidStreamFraming = HID_STREAM_FRAMINGS[options.framing];
  const room = Math.max(1, framing.room(options.outputReportBytes));
  const reportId = options.reportId ?? 0;
  const data = new ListenerSet<Buffer>();
  transport.onReport((report) => {
    const payload = framing.decode(report.reportId, report.data);
    if (payload.length > 0) data.emit(payload);
  });
  return {
    description: transport.description,
    async write(bytes: Uint8Array): Promise<void> {
      for (let i = 0; i < bytes.length; i += room) {
        const piece = framing.encode(bytes.subarray(i, i + room), reportId);
        await transport.write(piece.reportId, piece.data);
      }
    },
    onData: (listener) => data.add(listener),
    onClose: (listener: (error?: PosError) => void) => transport.onClose(listener),
    close: () => transport.close(),
  };
}
