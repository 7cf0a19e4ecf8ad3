/** Keyboard-emulation magstripe readers over USB HID (boot keyboard reports); config and opening are `kind.ts`. */

export {
  KeyboardMsrReader,
  createKeyboardMsrReader,
  KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS,
  KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES,
  type KeyboardMsrOptions,
} from './keyboard-msr-reader.js';
export { KeyboardLineDecoder, type KeyboardEvent, type KeyboardDecoderOptions } from './keyboard-line-decoder.js';
export * from './us-keyboard-layout.js';
