/**
 * What the virtual NEO 2 sends the terminal in its own commands during a
 * contact transaction: 61-01 LCD Display Control (guide 8.4.30 p198–199)
 * and 61-02 Get PIN Control (8.4.31 p201–202). Two-byte lengths and values
 * inside are little-endian, as the guide prints them (`<Length L><Length H>`).
 */
import { DISPLAY_MESSAGE, PIN_MODE } from './guide-codes.js';

/** 61-02's PIN timeouts as the reader asks them of the terminal, seconds. */
export const PIN_START_TIMEOUT_S = 60;
export const PIN_INTERVAL_S = 10;

/** A two-byte little-endian length, and the value (61-xx fields, guide p199, p201). */
export function lengthPrefixed(value: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([value.length & 0xff, value.length >> 8]), value]);
}

export function le16(n: number): Buffer {
  return Buffer.from([n & 0xff, n >> 8]);
}

/** 61-01, a message to show: mode, total and minor timeouts, language, the lines, backlight (guide 8.4.30 p198–199). */
export function displayData(lines: readonly string[]): Buffer {
  const control = Buffer.concat(lines.map((line, i) => Buffer.concat([Buffer.from([i + 1]), Buffer.from(line, 'latin1'), Buffer.from([0x1c])])));
  return Buffer.concat([Buffer.from([DISPLAY_MESSAGE]), lengthPrefixed(le16(30)), lengthPrefixed(le16(10)), lengthPrefixed(Buffer.from('EN', 'latin1')), lengthPrefixed(control), lengthPrefixed(le16(0xffff))]);
}

/** 61-02 for an online PIN (DUKPT), no pairing (so no KSN) and no PAN: the terminal has the card from 60-10 (guide 8.4.31 p201–202). */
export function pinControlData(): Buffer {
  return Buffer.concat([Buffer.from([PIN_MODE.onlineDukpt]), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(Buffer.alloc(0)), lengthPrefixed(le16(PIN_START_TIMEOUT_S)), lengthPrefixed(le16(PIN_INTERVAL_S)), lengthPrefixed(Buffer.from('EN', 'latin1'))]);
}
