/** The VeriFone PINpad 1000SE / IPP serial PIN pad driver. */
import { openSerialTransport, type SerialBinding, type SerialTransportOptions } from '../transport/serial-transport.js';
import { createVerifonePinPad, type VerifonePinPad, type VerifonePinPadOptions } from './verifone-pinpad.js';

export { VerifonePinPad, createVerifonePinPad, type VerifonePinPadOptions } from './verifone-pinpad.js';
export { VerifoneFramer, VERIFONE_DEFAULT_MAX_FRAME_BYTES, VERIFONE_DEFAULT_INTER_BYTE_TIMEOUT_MS, type VerifoneFramerEvent, type VerifoneFramerOptions } from './framer.js';
export { VERIFONE_PACKETS, PIN_ERROR_CODES, TEST_PACKET_PIN, STX, ETX, SI, SO, ACK, NAK, EOT, FS, SUB, lrc, encodePacket } from './protocol.js';

/** The pad's factory line settings: 1200 baud, 7 data bits, even parity, 1 stop bit. */
export const VERIFONE_DEFAULT_SERIAL = { baudRate: 1200, dataBits: 7, parity: 'even', stopBits: 1 } as const;

/** Opens the port and returns the driver (config `pinpad: { type: 'verifone-serial', path, baudRate, dataBits, parity }`). */
export async function openVerifonePinPad(
  port: { readonly path: string } & Partial<Omit<SerialTransportOptions, 'path'>>,
  options: VerifonePinPadOptions = {},
  binding?: SerialBinding,
): Promise<VerifonePinPad> {
  const transport = await openSerialTransport({ ...VERIFONE_DEFAULT_SERIAL, ...port }, binding);
  return createVerifonePinPad(transport, options);
}
