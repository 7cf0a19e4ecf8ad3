/** `reader: { type: 'keyboard-msr-hid', vendorId, productId }`: a magstripe reader that types each swipe as a USB keyboard. */
import type { CardReader } from '../../src/devices/card-reader.js';
import { openingProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { hidDescription } from '../transport/hid-node-transport.js';
import { createKeyboardMsrReader } from './keyboard-msr-reader.js';

/** Generic Desktop usage page: the keyboard interface of a composite reader. */
export const KEYBOARD_USAGE_PAGE = 0x01;

export interface KeyboardMsrConfig {
  readonly vendorId: number;
  readonly productId: number;
}

async function open(config: KeyboardMsrConfig, { openHid, logger }: DeviceContext) {
  // The keyboard interface of a composite reader.
  const transport = await openHid({ vendorId: config.vendorId, productId: config.productId, usagePage: KEYBOARD_USAGE_PAGE });
  return { device: createKeyboardMsrReader(transport, { logger }), transport };
}

export const KEYBOARD_MSR_KIND: DeviceKind<KeyboardMsrConfig, CardReader> = {
  role: 'reader',
  // Keyboard readers come from many makers under their own IDs: the config names them.
  usbIds: [],
  target: (config) => hidDescription(config.vendorId, config.productId),
  open,
  // A keyboard has no request/response: opening it by its IDs is the check.
  probe: openingProbe(open),
};
