/**
 * ISO 9564-1 PIN block format 4 (9.4), for AES:
 *
 *   PIN field (16 bytes) [4][N][PIN][A fill … to nibble 16][8 random bytes]
 *   PAN field (16 bytes) [M][PAN, ≥12 digits][0 fill … to 32 nibbles], M = len − 12
 *
 *   encipher: EPB = AES_K( AES_K(PIN field) ⊕ PAN field )
 *   decipher: PIN field = AES⁻¹_K( AES⁻¹_K(EPB) ⊕ PAN field )
 */
import { wipe, xor } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { checkKeyLength, checkLength } from '../check.js';
import { aesEcb } from '../cipher/aes.js';
import { type RandomSource, checkPin, panField16 } from './digits.js';
import { pinFromField } from './iso-0-1-3.js';

/** The clear 16-byte PIN field; `random` is 8 bytes (hex text) or a random source. */
export function encodeFormat4PinField(pin: string, random: RandomSource | string): Buffer {
  checkPin(pin);
  const head = Buffer.from(`4${pin.length.toString(16)}${pin}`.padEnd(16, 'A'), 'hex');
  const tail = typeof random === 'string' ? Buffer.from(random, 'hex') : Buffer.from(random(8));
  if (tail.length !== 8 || (typeof random === 'string' && !/^[0-9A-Fa-f]{16}$/.test(random))) {
    throw new PosError('CRYPTO_INPUT_LENGTH', 'Format 4 PIN field needs 8 random bytes', { what: 'fill', lengthBytes: tail.length, expected: [8] });
  }
  return Buffer.concat([head, tail]);
}

export function encryptFormat4(key: Uint8Array, pinField: Uint8Array, pan: string): Buffer {
  checkKeyLength(key, [16, 24, 32], 'AES PIN key');
  checkLength(pinField, [16], 'PIN field');
  const panField = panField16(pan);
  const inner = aesEcb(key, pinField);
  const mixed = xor(inner, panField);
  try {
    return aesEcb(key, mixed);
  } finally {
    wipe(inner, mixed, panField);
  }
}

/** The clear PIN field of an encrypted format 4 block. The caller wipes it. */
export function decryptFormat4Field(key: Uint8Array, encrypted: Uint8Array, pan: string): Buffer {
  checkKeyLength(key, [16, 24, 32], 'AES PIN key');
  checkLength(encrypted, [16], 'encrypted PIN block');
  const panField = panField16(pan);
  const outer = aesEcb(key, encrypted, 'decrypt');
  const mixed = xor(outer, panField);
  try {
    return aesEcb(key, mixed, 'decrypt');
  } finally {
    wipe(outer, mixed, panField);
  }
}

/** The PIN in a clear format 4 PIN field. */
export function decodeFormat4PinField(field: Uint8Array): string {
  checkLength(field, [16], 'PIN field');
  return pinFromField(Buffer.from(field.subarray(0, 8)).toString('hex').toUpperCase(), 4, 16);
}

export function decryptFormat4(key: Uint8Array, encrypted: Uint8Array, pan: string): string {
  const field = decryptFormat4Field(key, encrypted, pan);
  try {
    return decodeFormat4PinField(field);
  } finally {
    wipe(field);
  }
}
