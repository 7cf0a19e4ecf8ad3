/**
 * USB IDs: what a vendor (and product) ID names. `pos diag devices` marks
 * the serial ports and HID devices it lists with them — by ID only, nothing
 * probed, so nothing is misidentified because "something answered".
 */

/** A USB vendor ID, with a product ID when the entry names one product; vendor-only says "a device of this maker", never which one. */
export interface KnownUsbId {
  readonly vendorId: number;
  readonly productId?: number;
  readonly name: string;
}

/** The USB-serial adapters a serial reader, PIN pad or display is usually plugged in through. */
export const USB_SERIAL_ADAPTERS: readonly KnownUsbId[] = [
  { vendorId: 0x0403, productId: 0x6001, name: 'FTDI FT232R USB-serial' },
  { vendorId: 0x067b, productId: 0x2303, name: 'Prolific PL2303 USB-serial' },
  { vendorId: 0x10c4, productId: 0xea60, name: 'Silicon Labs CP210x USB-serial' },
  { vendorId: 0x1a86, productId: 0x7523, name: 'WCH CH340 USB-serial' },
];
