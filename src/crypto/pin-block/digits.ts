/**
 * PIN and PAN checks and the PAN fields of ISO 9564-1 (formats 0, 3 and 4).
 * Errors name the field and its length, never the digits.
 */
import { PosError } from '../../util/errors.js';

export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 12;

/** Returns the fill source's bytes; injected so tests are deterministic and src stays pure. */
export type RandomSource = (lengthBytes: number) => Uint8Array;

export function checkPin(pin: string): void {
  if (!/^[0-9]*$/.test(pin) || pin.length < PIN_MIN_DIGITS || pin.length > PIN_MAX_DIGITS) {
    throw new PosError('PIN_INVALID', `PIN must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} decimal digits`, {
      lengthDigits: pin.length,
      digitsOnly: /^[0-9]*$/.test(pin),
    });
  }
}

export function checkPan(pan: string, minDigits: number, maxDigits = 19): void {
  if (!/^[0-9]*$/.test(pan) || pan.length < minDigits || pan.length > maxDigits) {
    throw new PosError('PAN_INVALID', `PAN must be ${minDigits} to ${maxDigits} decimal digits`, {
      lengthDigits: pan.length,
      digitsOnly: /^[0-9]*$/.test(pan),
      minDigits,
      maxDigits,
    });
  }
}

/**
 * PAN field of formats 0 and 3 (ISO 9564-1, 9.1.2.2): 0000 and the 12
 * rightmost PAN digits excluding the check digit, zero-padded on the left.
 */
export function panField8(pan: string): Buffer {
  checkPan(pan, 13);
  const digits = pan.slice(0, -1).slice(-12).padStart(12, '0');
  return Buffer.from(`0000${digits}`, 'hex');
}

/**
 * PAN field of format 4 (ISO 9564-1, 9.4.2): one digit for (PAN length − 12),
 * the PAN (left-padded with zeros to 12 digits when shorter), zero-filled to
 * 32 digits.
 */
export function panField16(pan: string): Buffer {
  checkPan(pan, 1);
  const extra = Math.max(0, pan.length - 12);
  const digits = pan.padStart(12, '0');
  return Buffer.from(`${extra}${digits}`.padEnd(32, '0'), 'hex');
}
