/**
 * `reader: { type: 'vivopay', transport: 'serial', path, baudRate }` or
 * `{ type: 'vivopay', transport: 'hid', vendorId, productId }`: an ID TECH
 * ViVOpay chip and swipe reader (protocol 2), one family on two wires.
 */
import type { CardReader } from '../../src/devices/card-reader.js';
import { exchangeProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { hidDescription } from '../transport/hid-node-transport.js';
import { vivopayOverHid } from './index.js';
import { createVivopayReader } from './vivopay-reader.js';

/** The NEO 2's serial defaults: 115200 baud, 8N1. */
export const VIVOPAY_DEFAULT_SERIAL = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

export type VivopayConfig =
  | { readonly transport: 'serial'; readonly path: string; readonly baudRate: number }
  | { readonly transport: 'hid'; readonly vendorId: number; readonly productId: number };

async function open(config: VivopayConfig, { openSerial, openHid, logger }: DeviceContext) {
  if (config.transport === 'serial') {
    const transport = await openSerial({ ...VIVOPAY_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate });
    return { device: createVivopayReader(transport, { logger }), transport };
  }
  const hid = await openHid({ vendorId: config.vendorId, productId: config.productId });
  return { device: createVivopayReader(vivopayOverHid(hid), { logger }), transport: hid };
}

export const VIVOPAY_KIND: DeviceKind<VivopayConfig, CardReader> = {
  role: 'reader',
  usbIds: [{ vendorId: 0x0acd, name: 'ID TECH / ViVOpay device' }],
  target: (config) => (config.transport === 'serial' ? config.path : hidDescription(config.vendorId, config.productId)),
  open,
  // Protocol 2 ping (18-01): the reader answers with its own frame, CRC checked.
  probe: exchangeProbe(open, async (reader) => {
    await reader.ping();
    return { check: 'ping' };
  }),
};
