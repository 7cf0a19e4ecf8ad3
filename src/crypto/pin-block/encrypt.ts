/**
 * Encrypted PIN blocks as they travel: formats 0, 1 and 3 under a TDES PIN
 * key (ISO 9564-1 6.3, one TDES-ECB block), format 4 under an AES key.
 */
import { wipe } from '../../util/bytes.js';
import { checkKeyLength, checkLength } from '../check.js';
import { tdesEcb } from '../cipher/des.js';
import { decodePinBlock, encodePinBlock, type EncodePinBlockInput, type Iso8ByteFormat } from './iso-0-1-3.js';

export function encryptPinBlock(key: Uint8Array, input: EncodePinBlockInput): Buffer {
  checkKeyLength(key, [16, 24], 'TDES PIN key');
  const clear = encodePinBlock(input);
  try {
    return tdesEcb(key, clear);
  } finally {
    wipe(clear);
  }
}

export function decryptPinBlock(key: Uint8Array, encrypted: Uint8Array, format: Iso8ByteFormat, pan?: string): string {
  checkKeyLength(key, [16, 24], 'TDES PIN key');
  checkLength(encrypted, [8], 'encrypted PIN block');
  const clear = tdesEcb(key, encrypted, 'decrypt');
  try {
    return decodePinBlock(clear, format, pan);
  } finally {
    wipe(clear);
  }
}
