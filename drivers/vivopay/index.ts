/** The ID TECH NEO 2 (ViVOpay protocol 2) chip and swipe reader driver, over serial or USB HID; config, defaults and opening are `kind.ts`. */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { hidAsByteTransport } from '../transport/hid-byte-adapter.js';
import type { HidReportTransport } from '../transport/hid-report-transport.js';

export { VivopayReader, createVivopayReader, LINK_ATTEMPTS, VIVOPAY_DEFAULT_CARD_TIMEOUT_S, AUTHENTICATE_TIMEOUT_S, type VivopayReaderOptions } from './vivopay-reader.js';
export { VivopayFramer, VIVOPAY_DEFAULT_MAX_FRAME_BYTES, VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, type VivopayFrame, type VivopayFramerEvent, type VivopayFramerOptions, type CrcOrder } from './framer.js';
export {
  VIVOPAY_COMMANDS,
  VIVOPAY_STATUS,
  VIVOPAY_TAGS,
  VIVOPAY_HEADER,
  READER_CALLBACKS,
  CONTACT_RESULT,
  POS_ENTRY_MODE,
  encodeFrame,
  encodeCommandFrame,
  encodeResponseFrame,
  statusName,
  type FrameRole,
  type VivopayCommand,
  type VivopayOperation,
} from './protocol.js';
export { startTransactionData, applyHostResponseData, parseContactAnswer, parseDisplayControl, parsePinControl, pinControlAnswer, msrTracks, type ContactAnswer, type StartTransactionRequest } from './contact-data.js';
export { crc16CcittFalse } from './crc16.js';
export { emvSummaryOf, withoutReaderTags } from './chip-data.js';

/**
 * Over USB HID (NEO 2 guide 2.8.2, "single report" samples): every report
 * carries report ID 0x01 and a piece of the protocol 2 byte stream, padded
 * with zeros to the report size; the framer skips the padding as line noise
 * (a frame's length says where it ends).
 */
export const VIVOPAY_HID_REPORT_ID = 0x01;
export const VIVOPAY_HID_REPORT_BYTES = 63;

/** The byte stream a ViVOpay tunnels through HID reports, for the driver. */
export function vivopayOverHid(hid: HidReportTransport, outputReportBytes: number = VIVOPAY_HID_REPORT_BYTES): ByteTransport {
  return hidAsByteTransport(hid, { framing: 'whole-report', outputReportBytes, reportId: VIVOPAY_HID_REPORT_ID });
}
