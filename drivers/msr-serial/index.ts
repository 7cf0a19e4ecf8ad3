/** The serial magstripe reader driver; its config, defaults and opening are `kind.ts`. */
export {
  SerialMsrReader,
  createSerialMsrReader,
  MSR_DEFAULT_INTER_BYTE_TIMEOUT_MS,
  MSR_DEFAULT_MAX_LINE_BYTES,
  type SerialMsrOptions,
} from './msr-serial-reader.js';
export { LineFramer, CR, LF, type FramerEvent, type LineFramerOptions } from './line-framer.js';
