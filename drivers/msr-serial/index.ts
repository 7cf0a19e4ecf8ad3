/** The serial magstripe reader driver. */
import { openSerialTransport, type SerialBinding, type SerialTransportOptions } from '../transport/serial-transport.js';
import { createSerialMsrReader, type SerialMsrOptions, type SerialMsrReader } from './msr-serial-reader.js';

export {
  SerialMsrReader,
  createSerialMsrReader,
  MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS,
  MSR_DEFAULT_MAX_LINE_BYTES,
  type SerialMsrOptions,
} from './msr-serial-reader.js';
export { LineFramer, CR, LF, type FramerEvent, type LineFramerOptions } from './line-framer.js';

/** Serial MSRs ship at 9600 baud, 8 data bits, no parity, 1 stop bit. */
export const MSR_DEFAULT_SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/**
 * Opens the port at `path` and returns the driver on it: what `src/app/` uses
 * for a real reader, or for the host end of a virtual reader's pty pair.
 */
export async function openSerialMsrReader(
  port: { readonly path: string } & Partial<Omit<SerialTransportOptions, 'path'>>,
  options: SerialMsrOptions = {},
  binding?: SerialBinding,
): Promise<SerialMsrReader> {
  const transport = await openSerialTransport({ ...MSR_DEFAULT_SERIAL, ...port }, binding);
  return createSerialMsrReader(transport, options);
}
