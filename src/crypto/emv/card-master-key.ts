/**
 * ICC master key derivation, EMV 4.3 Book 2 Annex A1.4: from the issuer
 * master key (IMK, double-length TDES) and the PAN and PAN sequence number.
 *
 * Option A (A1.4.1): Y = the rightmost 16 digits of PAN ‖ PSN (left-padded
 * with zeros), as 8 BCD bytes; MK = TDES(IMK, Y) ‖ TDES(IMK, Y ⊕ FF…FF), odd
 * parity adjusted.
 * Option B (A1.4.2), for PANs longer than 16 digits: SHA-1 of PAN ‖ PSN (BCD,
 * a leading 0 when odd), decimalised to 16 digits, then option A's step on
 * those digits.
 */
import { createHash } from 'node:crypto';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { checkKeyLength } from '../check.js';
import { tdesEcbUnder, type TdesKeyInput } from '../cipher/tdes-key.js';
import { adjustOddParity } from '../keys/parity.js';

export type CardKeyOption = 'A' | 'B';

/** The IMK is a double-length TDES key (Book 2 A1.4): 16 bytes, never 8 or 24. */
export const ISSUER_MASTER_KEY_BYTES: readonly number[] = [16];

function checkPanPsn(pan: string, psn: string): void {
  if (!/^[0-9]{1,19}$/.test(pan)) {
    throw new PosError('PAN_INVALID', 'PAN must be 1 to 19 decimal digits', { lengthDigits: pan.length, digitsOnly: /^[0-9]*$/.test(pan), minDigits: 1, maxDigits: 19 });
  }
  if (!/^[0-9]{2}$/.test(psn)) {
    throw new PosError('CRYPTO_INPUT_LENGTH', 'PAN sequence number must be 2 decimal digits', { what: 'PSN', lengthDigits: psn.length, expectedDigits: 2 });
  }
}

/** Option A's step: MK from 16 decimal digits. */
function fromDigits(imk: TdesKeyInput, digits: string): Buffer {
  const y = Buffer.from(digits, 'hex');
  const yInverted = Buffer.from(y.map((b) => b ^ 0xff));
  const both = tdesEcbUnder(imk, Buffer.concat([y, yInverted]));
  try {
    return adjustOddParity(both);
  } finally {
    wipe(both, y, yInverted);
  }
}

/** Option B's decimalisation: digits of the SHA-1 hex, then A–F mapped to 0–5 (A1.4.2). */
function optionBDigits(pan: string, psn: string): string {
  const x = pan + psn;
  const hash = createHash('sha1')
    .update(Buffer.from(x.length % 2 === 0 ? x : `0${x}`, 'hex'))
    .digest('hex')
    .toUpperCase();
  let digits = hash.replace(/[A-F]/g, '');
  if (digits.length < 16) {
    const letters = hash.replace(/[0-9]/g, '');
    digits += [...letters].map((c) => String(c.charCodeAt(0) - 65)).join('');
  }
  return digits.slice(0, 16);
}

/**
 * The ICC master key. `option` defaults to A for PANs of up to 16 digits and
 * B beyond, as Book 2 prescribes; option B on a PAN of 16 digits or fewer is
 * option A. A host deriving for every request passes the IMK as a long-lived
 * `TdesEcbKey`.
 */
export function deriveCardMasterKey(imk: TdesKeyInput, pan: string, psn = '00', option?: CardKeyOption): Buffer {
  checkKeyLength(imk, ISSUER_MASTER_KEY_BYTES, 'issuer master key');
  checkPanPsn(pan, psn);
  const chosen = option ?? (pan.length > 16 ? 'B' : 'A');
  const digits = chosen === 'B' && pan.length > 16 ? optionBDigits(pan, psn) : (pan + psn).slice(-16).padStart(16, '0');
  return fromDigits(imk, digits);
}
