import type { ErrorSpec } from './kind.js';

/**
 * USB HID transport, HID card readers, reconnect and customer-display errors.
 * Details carry vendor/product IDs, report lengths, offsets and track numbers,
 * never report bytes (a report holds track data).
 */
export const HID_ERRORS = {
  HID_LIBRARY_UNAVAILABLE: {
    kind: 'config',
    summary: 'node-hid could not load its native library; the message names the system package to install (libusb-1.0-0, or libudev1 for hidraw).',
  },
  HID_DEVICE_NOT_FOUND: { kind: 'io', summary: 'No HID device with the configured vendor and product ID is attached; details give both IDs.' },
  HID_REPORT_TOO_LONG: { kind: 'input', summary: 'An output or feature report is longer than the report size; details give both lengths.' },
  HID_REPORT_LENGTH: { kind: 'protocol', summary: 'An input report has a length no known layout has; details give the length and the lengths expected.' },
  HID_REPORT_MALFORMED: { kind: 'protocol', summary: 'A field of an input report is out of bounds (a length larger than its field); details name the field and offset.' },
  HID_SWIPE_ENCRYPTED: { kind: 'state', summary: 'An encrypting reader delivered an encrypted swipe where clear track data was asked for; use the encrypted-swipe read.' },
  HID_KEYBOARD_ROLLOVER: { kind: 'protocol', summary: 'A keyboard-emulation reader reported ErrorRollOver (too many keys at once); the line being typed was discarded.' },
  HID_KEYBOARD_UNMAPPED: { kind: 'protocol', summary: 'A keyboard-emulation reader sent a key code outside the layout table; details give the usage ID, and the line was discarded.' },
  RECONNECT_GAVE_UP: { kind: 'disconnected', summary: 'A device that went away could not be reopened within the configured attempts; details give the attempts and the target.' },
} as const satisfies Record<string, ErrorSpec>;
