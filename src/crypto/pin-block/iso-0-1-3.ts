/**
 * ISO 9564-1 PIN block formats 0, 1 and 3 (9.1.2 / 9.1.3 / 9.1.5): one
 * 8-byte block, nibble by nibble
 *
 *   PIN field  [C][N][P P P P (P…)][fill … to 16 nibbles]
 *   format 0:  C=0, fill F;   block = PIN field ⊕ PAN field
 *   format 1:  C=1, fill = transaction-unique digits 0–F; no PAN
 *   format 3:  C=3, fill = random digits A–F;  block = PIN field ⊕ PAN field
 *
 * where N is the PIN length (4–12). Fill digits come from the caller's random
 * source or are given explicitly (technician's calculator, test vectors).
 */
import { wipe, xor } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { optionError } from '../check.js';
import { checkLength } from '../check.js';
import { PIN_MAX_DIGITS, PIN_MIN_DIGITS, type RandomSource, checkPin, panField8 } from './digits.js';

export type Iso8ByteFormat = 0 | 1 | 3;

/** Fill: a random source, or the exact fill digits as hex text (at least as many as needed). */
export type PinFill = RandomSource | string;

export interface EncodePinBlockInput {
  readonly format: Iso8ByteFormat;
  readonly pin: string;
  /** Required for formats 0 and 3. */
  readonly pan?: string;
  /** Required for formats 1 and 3; ignored for format 0. */
  readonly fill?: PinFill;
}

/** The clear 8-byte PIN block. The caller wipes it. */
export function encodePinBlock(input: EncodePinBlockInput): Buffer {
  const { format, pin } = input;
  if (format !== 0 && format !== 1 && format !== 3) throw optionError('PIN block format', format, [0, 1, 3]);
  checkPin(pin);
  const fillCount = 14 - pin.length;
  const fill = format === 0 ? 'F'.repeat(fillCount) : fillDigits(format, fillCount, input.fill);
  const field = Buffer.from(`${format}${pin.length.toString(16)}${pin}${fill}`, 'hex');
  if (format === 1) return field;
  const pan = panField8(requirePan(input.pan, format));
  try {
    return xor(field, pan);
  } finally {
    wipe(field, pan);
  }
}

/** The PIN in a clear 8-byte PIN block; `PIN_BLOCK_INVALID` when the block breaks its format's rules. */
export function decodePinBlock(block: Uint8Array, format: Iso8ByteFormat, pan?: string): string {
  if (format !== 0 && format !== 1 && format !== 3) throw optionError('PIN block format', format, [0, 1, 3]);
  checkLength(block, [8], 'PIN block');
  const field = format === 1 ? Buffer.from(block) : xor(block, panField8(requirePan(pan, format)));
  try {
    return pinFromField(field.toString('hex').toUpperCase(), format, 16);
  } finally {
    wipe(field);
  }
}

/**
 * Reads `[C][N][PIN][fill]` from the hex of a PIN field and checks every
 * rule. Shared with format 4, whose fill is A in the first 8 bytes.
 */
export function pinFromField(hex: string, format: 0 | 1 | 3 | 4, nibbles: number): string {
  const control = hex[0];
  if (control !== String(format)) throw invalid(format, 'format-digit');
  const length = parseInt(hex[1] ?? 'x', 16);
  if (!(length >= PIN_MIN_DIGITS && length <= PIN_MAX_DIGITS)) throw invalid(format, 'pin-length');
  const pin = hex.slice(2, 2 + length);
  if (!/^[0-9]+$/.test(pin)) throw invalid(format, 'pin-digit');
  const fill = hex.slice(2 + length, nibbles);
  const fillOk = format === 0 ? /^F*$/.test(fill) : format === 3 ? /^[A-F]*$/.test(fill) : format === 4 ? /^A*$/.test(fill) : true;
  if (!fillOk) throw invalid(format, 'fill');
  return pin;
}

function invalid(format: number, reason: string): PosError {
  return new PosError('PIN_BLOCK_INVALID', `PIN block does not follow ISO 9564-1 format ${format}: ${reason}`, { format, reason });
}

function requirePan(pan: string | undefined, format: number): string {
  if (pan === undefined) throw new PosError('PAN_INVALID', `PIN block format ${format} needs the PAN`, { format, lengthDigits: 0 });
  return pan;
}

/** `count` fill nibbles as hex text: format 1 any of 0–F, format 3 one of A–F. */
function fillDigits(format: 1 | 3, count: number, fill: PinFill | undefined): string {
  const alphabet = format === 1 ? /^[0-9A-F]+$/ : /^[A-F]+$/;
  if (typeof fill === 'string') {
    const digits = fill.toUpperCase().slice(0, count);
    if (digits.length < count || !alphabet.test(digits)) {
      throw new PosError('CRYPTO_INPUT_LENGTH', `PIN block format ${format} needs ${count} fill digits ${format === 1 ? '0-F' : 'A-F'}`, {
        what: 'fill',
        expectedDigits: count,
        lengthDigits: fill.length,
      });
    }
    return digits;
  }
  if (fill === undefined) throw optionError('PIN block fill', 'none', ['random source', 'hex digits']);
  const bytes = fill(count);
  let out = '';
  // Format 1: a nibble of each byte; format 3: A–F by the byte modulo 6 (bias is harmless in fill).
  for (let i = 0; i < count; i++) {
    const b = bytes[i] ?? 0;
    out += (format === 1 ? b & 0x0f : 0x0a + (b % 6)).toString(16).toUpperCase();
  }
  return out;
}
