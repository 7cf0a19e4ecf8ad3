/** `reader: { type: 'msr-serial', path, baudRate }`: a magstripe reader that sends each swipe as an ASCII line on a serial port. */
import type { CardReader } from '../../src/devices/card-reader.js';
import { openingProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { createSerialMsrReader } from './msr-serial-reader.js';

/** Serial MSRs ship at 9600 baud, 8 data bits, no parity, 1 stop bit. */
export const MSR_DEFAULT_SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

export interface MsrSerialConfig {
  readonly path: string;
  readonly baudRate: number;
}

async function open(config: MsrSerialConfig, { openSerial, logger }: DeviceContext) {
  const transport = await openSerial({ ...MSR_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate });
  return { device: createSerialMsrReader(transport, { logger }), transport };
}

export const MSR_SERIAL_KIND: DeviceKind<MsrSerialConfig, CardReader> = {
  role: 'reader',
  // Serial readers sit behind a USB-serial adapter: the adapter's IDs are what the port shows.
  usbIds: [],
  target: (config) => config.path,
  open,
  // The reader only ever sends: opening its port is the check.
  probe: openingProbe(open),
};
