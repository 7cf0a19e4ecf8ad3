/** Keyboard-emulation magstripe readers over USB HID (boot keyboard reports). */
import type { NodeHidModule } from '../transport/hid-library.js';
import { openHidTransport } from '../transport/hid-node-transport.js';
import { createKeyboardMsrReader, type KeyboardMsrOptions, type KeyboardMsrReader } from './keyboard-msr-reader.js';

export {
  KeyboardMsrReader,
  createKeyboardMsrReader,
  KEYBOARD_MSR_DEFAULT_INTER_KEY_TIMEOUT_MS,
  KEYBOARD_MSR_DEFAULT_MAX_LINE_BYTES,
  type KeyboardMsrOptions,
} from './keyboard-msr-reader.js';
export { KeyboardLineDecoder, type KeyboardEvent, type KeyboardDecoderOptions } from './keyboard-line-decoder.js';
export * from './us-keyboard-layout.js';

/** Generic Desktop usage page: the keyboard interface of a composite reader. */
export const KEYBOARD_USAGE_PAGE = 0x01;

/** Opens the reader's keyboard interface by vendor/product ID: what `src/app/` calls for `reader.type = keyboard-msr-hid`. */
export async function openKeyboardMsrReader(
  config: { readonly vendorId: number; readonly productId: number },
  options: KeyboardMsrOptions = {},
  library?: NodeHidModule,
): Promise<KeyboardMsrReader> {
  const transport = await openHidTransport({ vendorId: config.vendorId, productId: config.productId, usagePage: KEYBOARD_USAGE_PAGE }, library);
  return createKeyboardMsrReader(transport, options);
}
