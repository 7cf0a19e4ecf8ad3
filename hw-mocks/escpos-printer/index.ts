/** The receipt printer twin: ESC/POS read back into receipts, on a wire or a TCP port. */

export { VirtualEscposPrinter, type PrintedLine, type Justification, type VirtualEscposPrinterOptions, type UnknownBytes } from './virtual-escpos-printer.js';
export { attachEscposTwin, escposTwinOnPty, listenEscposTwin, type AttachedTwin, type PtyTwin, type TcpTwin } from './attach.js';
