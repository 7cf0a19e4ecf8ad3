/**
 * USB HID Usage Tables 1.12, §10 "Keyboard/Keypad Page (0x07)", read with the
 * US English layout: usage ID → [unshifted, shifted] character. Another
 * layout is another table of the same shape.
 *
 * Boot keyboard input report (Device Class Definition for HID 1.11,
 * Appendix B.1 "Protocol 1 (Keyboard)"):
 *
 *   [modifiers][reserved][key 1][key 2][key 3][key 4][key 5][key 6]
 *    bit 0 LCtrl 1 LShift 2 LAlt 3 LGUI 4 RCtrl 5 RShift 6 RAlt 7 RGUI
 */

export const BOOT_REPORT_BYTES = 8; // modifiers, reserved, six key slots
export const KEY_SLOTS_OFFSET = 2;

export const MOD_LEFT_SHIFT = 0x02; // modifier bit 1
export const MOD_RIGHT_SHIFT = 0x20; // modifier bit 5
export const MOD_SHIFT = MOD_LEFT_SHIFT | MOD_RIGHT_SHIFT;
/** Ctrl, Alt and GUI (either side): a key pressed with one of them is a shortcut, not a character. */
export const MOD_NON_SHIFT = 0x01 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

export const USAGE_NONE = 0x00; // no key in this slot
export const USAGE_ERROR_ROLLOVER = 0x01; // ErrorRollOver: too many keys down, the report's keys are undefined
export const USAGE_POST_FAIL = 0x02; // POSTFail
export const USAGE_ERROR_UNDEFINED = 0x03; // ErrorUndefined
export const USAGE_ENTER = 0x28; // Keyboard Return (ENTER): ends a swipe line
export const USAGE_KEYPAD_ENTER = 0x58; // Keypad ENTER

export type KeyLayout = Readonly<Record<number, readonly [string, string]>>;

function letters(): Record<number, readonly [string, string]> {
  const out: Record<number, readonly [string, string]> = {};
  for (let i = 0; i < 26; i++) out[0x04 + i] = [String.fromCharCode(0x61 + i), String.fromCharCode(0x41 + i)]; // a–z at 0x04–0x1D
  return out;
}

export const US_LAYOUT: KeyLayout = {
  ...letters(),
  0x1e: ['1', '!'],
  0x1f: ['2', '@'],
  0x20: ['3', '#'],
  0x21: ['4', '$'],
  0x22: ['5', '%'],
  0x23: ['6', '^'],
  0x24: ['7', '&'],
  0x25: ['8', '*'],
  0x26: ['9', '('],
  0x27: ['0', ')'],
  0x2c: [' ', ' '], // Spacebar
  0x2d: ['-', '_'],
  0x2e: ['=', '+'],
  0x2f: ['[', '{'],
  0x30: [']', '}'],
  0x31: ['\\', '|'],
  0x33: [';', ':'],
  0x34: ["'", '"'],
  0x35: ['`', '~'],
  0x36: [',', '<'],
  0x37: ['.', '>'],
  0x38: ['/', '?'],
  // Keypad, as with Num Lock on (readers that type digits on the keypad).
  0x54: ['/', '/'],
  0x55: ['*', '*'],
  0x56: ['-', '-'],
  0x57: ['+', '+'],
  0x59: ['1', '1'],
  0x5a: ['2', '2'],
  0x5b: ['3', '3'],
  0x5c: ['4', '4'],
  0x5d: ['5', '5'],
  0x5e: ['6', '6'],
  0x5f: ['7', '7'],
  0x60: ['8', '8'],
  0x61: ['9', '9'],
  0x62: ['0', '0'],
  0x63: ['.', '.'],
};
