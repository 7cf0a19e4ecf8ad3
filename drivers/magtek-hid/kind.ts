/** `reader: { type: 'magtek-hid', vendorId, productId, layout }`: a MagTek USB HID swipe reader, standard or encrypting. */
import type { CardReader } from '../../src/devices/card-reader.js';
import { timedProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { hidDescription } from '../transport/hid-node-transport.js';
import { MAGTEK_FEATURE_BYTES, magtekSoftwareId } from './commands.js';
import { createMagtekHidReader } from './magtek-hid-reader.js';
import { MAGTEK_VENDOR_ID, type MagtekLayoutChoice } from './report-layout.js';

export interface MagtekHidConfig {
  readonly vendorId: number;
  readonly productId: number;
  readonly layout: MagtekLayoutChoice;
}

/** The reader's HID interface: found by its IDs, commands on 24-byte feature reports. */
function openHid(config: MagtekHidConfig, { openHid }: DeviceContext) {
  return openHid({ vendorId: config.vendorId, productId: config.productId, featureReportBytes: MAGTEK_FEATURE_BYTES });
}

export const MAGTEK_HID_KIND: DeviceKind<MagtekHidConfig, CardReader> = {
  role: 'reader',
  usbIds: [
    { vendorId: MAGTEK_VENDOR_ID, productId: 0x0002, name: 'MagTek USB HID swipe reader' },
    { vendorId: MAGTEK_VENDOR_ID, productId: 0x0011, name: 'MagTek MagneSafe encrypting reader (HID)' },
    { vendorId: MAGTEK_VENDOR_ID, name: 'MagTek device' },
  ],
  target: (config) => hidDescription(config.vendorId, config.productId),
  open: async (config, context) => {
    const transport = await openHid(config, context);
    return { device: createMagtekHidReader(transport, { logger: context.logger, layout: config.layout }), transport };
  },
  // GET_PROPERTY SOFTWARE_ID over feature reports: a round trip that reads no card.
  probe: (config, context) => timedProbe(openHid(config, context), context.now, async (hid) => ({ check: 'ping', answer: `software ID ${await magtekSoftwareId(hid)}` })),
};
