/** The ID TECH ViVOpay chip and swipe reader driver (protocol 2), over serial; HID is a follow-up. */
import { openSerialTransport, type SerialBinding, type SerialTransportOptions } from '../transport/serial-transport.js';
import { createVivopayReader, type VivopayReader, type VivopayReaderOptions } from './vivopay-reader.js';

export { VivopayReader, createVivopayReader, startData, LINK_ATTEMPTS, VIVOPAY_DEFAULT_CARD_TIMEOUT_S, type VivopayReaderOptions } from './vivopay-reader.js';
export { VivopayFramer, VIVOPAY_DEFAULT_MAX_FRAME_BYTES, VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, type VivopayFrame, type VivopayFramerEvent, type VivopayFramerOptions } from './framer.js';
export { VIVOPAY_COMMANDS, VIVOPAY_STATUS, VIVOPAY_TAGS, VIVOPAY_HEADER, ENTRY_MODE, FAILURE_REASON, encodeCommandFrame, type VivopayCommand, type VivopayOperation } from './protocol.js';
export { crc16CcittFalse } from './crc16.js';
export { cardFromTrack2Equivalent, onlinePinRequired } from './chip-data.js';

/** The NEO 2's serial defaults: 115200 baud, 8N1. */
export const VIVOPAY_DEFAULT_SERIAL = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/** Opens the port at `path` and returns the driver on it (config `reader: { type: 'vivopay', transport: 'serial', path, baudRate }`). */
export async function openVivopayReader(
  port: { readonly path: string } & Partial<Omit<SerialTransportOptions, 'path'>>,
  options: VivopayReaderOptions = {},
  binding?: SerialBinding,
): Promise<VivopayReader> {
  const transport = await openSerialTransport({ ...VIVOPAY_DEFAULT_SERIAL, ...port }, binding);
  return createVivopayReader(transport, options);
}
