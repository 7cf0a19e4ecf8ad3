/** ESC/POS receipt printers on a serial line, a USB printer-class device or TCP; config, defaults and opening are `kind.ts`. */

export { EscposPrinter, createEscposPrinter, DEFAULT_STATUS_TIMEOUT_MS, type EscposPrinterOptions } from './escpos-printer.js';
export { ResilientPrinter } from './resilient-printer.js';
export { encodeJob, encodeLine, ESCPOS, type StatusRequest } from './commands.js';
export { CODE_PAGES, encodeText, type CodePageName } from './code-pages.js';
export { decodeStatusByte, printerStatusOf, printRefusal, offlineCause, type StatusBytes } from './status.js';
export { openTcpTransport } from './tcp-transport.js';
export { openLpTransport } from './lp-transport.js';
