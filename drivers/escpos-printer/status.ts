/**
 * The printer's answers to DLE EOT n, one byte each (Epson "ESC/POS Command
 * Reference", DLE EOT "Transmit real-time status"; the bit tables of
 * TM-series command references, e.g. Ver. 4.0 p. 1217 and Ver. 10.01 p. 304):
 *
 *   bit      7    6        5          4    3           2            1    0
 *   n = 1    0    –        –          1    off-line    drawer pin 3 1    0
 *   n = 2    0    error    paper-end  1    FEED button cover open   1    0
 *                          stop
 *   n = 3    0    auto-    unrecov-   1    autocutter  –            1    0
 *                 recov.   erable          error
 *   n = 4    0    paper end (5,6)     1    paper near end (2,3)     1    0
 *
 * Bits 0, 1, 4 and 7 are fixed (0, 1, 1, 0): they tell a status byte from
 * anything else the printer may send, so a byte without them is refused
 * (`PRINTER_STATUS_INVALID`) rather than read as a status.
 */
import type { PrinterStatus } from '../../src/devices/printer.js';
import { PosError } from '../../src/util/errors.js';
import type { StatusRequest } from './commands.js';

const FIXED_MASK = 0x93; // bits 7, 4, 1, 0
const FIXED_VALUE = 0x12; // bits 4 and 1 on

const bit = (byte: number, mask: number): boolean => (byte & mask) === mask;

/** n = 1: printer status. */
export interface PrinterStatusByte {
  readonly offline: boolean;
  readonly drawerPin3High: boolean;
}

/** n = 2: off-line cause. */
export interface OfflineCauseByte {
  readonly coverOpen: boolean;
  readonly feedButton: boolean;
  readonly paperEndStop: boolean;
  readonly error: boolean;
}

/** n = 3: error cause. */
export interface ErrorCauseByte {
  readonly autocutterError: boolean;
  readonly unrecoverableError: boolean;
  readonly autoRecoverableError: boolean;
}

/** n = 4: roll paper sensor (a pair of bits each: both on when the sensor sees it). */
export interface PaperSensorByte {
  readonly nearEnd: boolean;
  readonly paperEnd: boolean;
}

export interface StatusBytes {
  readonly 1: PrinterStatusByte;
  readonly 2: OfflineCauseByte;
  readonly 3: ErrorCauseByte;
  readonly 4: PaperSensorByte;
}

/** Decodes the answer `byte` to DLE EOT `n`; throws `PRINTER_STATUS_INVALID` when its fixed bits are wrong. */
export function decodeStatusByte<N extends StatusRequest>(n: N, byte: number): StatusBytes[N];
export function decodeStatusByte(n: StatusRequest, byte: number): StatusBytes[StatusRequest] {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff || (byte & FIXED_MASK) !== FIXED_VALUE) {
    throw new PosError('PRINTER_STATUS_INVALID', `Not a DLE EOT ${n} status byte`, { request: n, byte });
  }
  switch (n) {
    case 1:
      return { offline: bit(byte, 0x08), drawerPin3High: bit(byte, 0x04) };
    case 2:
      return { coverOpen: bit(byte, 0x04), feedButton: bit(byte, 0x08), paperEndStop: bit(byte, 0x20), error: bit(byte, 0x40) };
    case 3:
      return { autocutterError: bit(byte, 0x08), unrecoverableError: bit(byte, 0x20), autoRecoverableError: bit(byte, 0x40) };
    case 4:
      return { nearEnd: bit(byte, 0x0c), paperEnd: bit(byte, 0x60) };
  }
}

/** What the four answers say, as the `Printer` contract reports it. */
export function printerStatusOf(s: StatusBytes): PrinterStatus {
  return {
    online: !s[1].offline,
    paperOut: s[4].paperEnd || s[2].paperEndStop,
    paperNearEnd: s[4].nearEnd,
    coverOpen: s[2].coverOpen,
  };
}

/** Why a printer that says it is off-line or in error cannot print (details of `PRINTER_OFFLINE`); `undefined` when it can. */
export function offlineCause(s: StatusBytes): string | undefined {
  if (s[3].unrecoverableError) return 'unrecoverable-error';
  if (s[3].autocutterError) return 'autocutter-error';
  if (s[3].autoRecoverableError) return 'auto-recoverable-error';
  if (s[2].error) return 'error';
  if (s[2].feedButton) return 'feed-button';
  if (s[1].offline) return 'offline';
  return undefined;
}

/** The refusal `print` gives before sending a job, or `undefined` when the printer can print. Cover first: it is what a person fixes first. */
export function printRefusal(device: string, s: StatusBytes): PosError | undefined {
  const status = printerStatusOf(s);
  if (status.coverOpen) return new PosError('PRINTER_COVER_OPEN', `${device}: the cover is open`, { device });
  if (status.paperOut) return new PosError('PRINTER_PAPER_OUT', `${device}: out of paper`, { device });
  const cause = offlineCause(s);
  if (cause !== undefined) return new PosError('PRINTER_OFFLINE', `${device} is off-line (${cause})`, { device, cause });
  return undefined;
}
