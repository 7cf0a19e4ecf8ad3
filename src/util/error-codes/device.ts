import type { ErrorSpec } from './kind.js';

/** Device and transport errors. A device path is not sensitive and may appear in details; bytes read never do. */
export const DEVICE_ERRORS = {
  DEVICE_OPEN_FAILED: { kind: 'io', summary: 'A device port could not be opened; details name the path.' },
  DEVICE_DISCONNECTED: { kind: 'disconnected', summary: 'The device went away (unplugged, port closed under us, I/O error).' },
  DEVICE_CLOSED: { kind: 'disconnected', summary: 'The device or transport was used after it was closed.' },
  DEVICE_WRITE_FAILED: { kind: 'io', summary: 'Bytes could not be written to the device.' },
  DEVICE_READ_TIMEOUT: { kind: 'timeout', summary: 'The device sent part of a line, then went silent past the inter-byte timeout; the partial line was discarded.' },
  DEVICE_LINE_TOO_LONG: { kind: 'protocol', summary: 'The device sent more bytes without a line end than a line may hold; they were discarded up to the next line end.' },
  DEVICE_READ_CANCELLED: { kind: 'cancelled', summary: 'An armed read was cancelled (abort signal or close).' },
  DEVICE_BUSY: { kind: 'busy', summary: 'A read is already armed on this device.' },
  DEVICE_PTY_UNAVAILABLE: { kind: 'config', summary: 'socat is not installed, so no pty pair can be made: apt-get install socat.' },
  DEVICE_PTY_FAILED: { kind: 'io', summary: 'socat did not create the pty pair in time or exited early.' },
  PRINTER_PAPER_OUT: { kind: 'state', summary: 'The printer reports its paper roll at its end (ESC/POS DLE EOT): nothing of the job was sent.' },
  PRINTER_COVER_OPEN: { kind: 'state', summary: 'The printer reports its cover open (ESC/POS DLE EOT): nothing of the job was sent.' },
  PRINTER_OFFLINE: { kind: 'state', summary: 'The printer reports itself off-line or in error (ESC/POS DLE EOT): nothing of the job was sent; details name the cause.' },
  PRINTER_STATUS_INVALID: { kind: 'protocol', summary: 'A status byte from the printer does not have the fixed bits of an ESC/POS DLE EOT answer.' },
} as const satisfies Record<string, ErrorSpec>;
