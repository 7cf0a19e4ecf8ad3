/**
 * Application cryptogram session keys.
 *
 * EMV common session key derivation, EMV 4.3 Book 2 Annex A1.3.1: with an
 * 8-byte diversification value R,
 *   SK = TDES(MK, R0 R1 F0 R3…R7) ‖ TDES(MK, R0 R1 0F R3…R7), odd parity.
 * For the application cryptogram key R = ATC ‖ 00 00 00 00 00 00.
 *
 * Mastercard session key derivation (M/Chip, "SKD with unpredictable
 * number"): the same step with R = ATC ‖ 00 00 ‖ UN.
 */
import { wipe } from '../../util/bytes.js';
import { checkKeyLength, checkLength, optionError } from '../check.js';
import { tdesEcb } from '../cipher/des.js';
import { adjustOddParity } from '../keys/parity.js';

export type SessionKeyMethod = 'none' | 'emv' | 'mastercard';
export const SESSION_KEY_METHODS: readonly SessionKeyMethod[] = ['none', 'emv', 'mastercard'];

/** Book 2 A1.3.1 with an explicit 8-byte R. */
export function deriveCommonSessionKey(cardMasterKey: Uint8Array, r: Uint8Array): Buffer {
  checkKeyLength(cardMasterKey, [16], 'card master key');
  checkLength(r, [8], 'diversification value R');
  const f = Buffer.concat([r, r]);
  f[2] = 0xf0;
  f[10] = 0x0f;
  const both = tdesEcb(cardMasterKey, f);
  try {
    return adjustOddParity(both);
  } finally {
    wipe(both, f);
  }
}

/** The 8-byte R for a method: ATC ‖ 0…0 (EMV) or ATC ‖ 0000 ‖ UN (Mastercard). */
export function sessionKeyDiversifier(method: 'emv' | 'mastercard', atc: Uint8Array, unpredictableNumber?: Uint8Array): Buffer {
  checkLength(atc, [2], 'ATC');
  const r = Buffer.alloc(8);
  r.set(atc);
  if (method === 'mastercard') {
    checkLength(unpredictableNumber ?? new Uint8Array(0), [4], 'unpredictable number');
    r.set(unpredictableNumber ?? [], 4);
  }
  return r;
}

/** The AC session key for a method; `none` hands back a copy of the card master key (e.g. Visa CVN 10). */
export function deriveAcSessionKey(
  method: SessionKeyMethod,
  cardMasterKey: Uint8Array,
  atc: Uint8Array,
  unpredictableNumber?: Uint8Array,
): Buffer {
  if (method === 'none') {
    checkKeyLength(cardMasterKey, [16], 'card master key');
    return Buffer.from(cardMasterKey);
  }
  if (method !== 'emv' && method !== 'mastercard') throw optionError('session key method', method, SESSION_KEY_METHODS);
  return deriveCommonSessionKey(cardMasterKey, sessionKeyDiversifier(method, atc, unpredictableNumber));
}
