/**
 * The TDES DUKPT key serial number of ANSI X9.24-1 2009, A.2: 80 bits, the
 * last 21 of which are the transaction counter. The left 59 bits name the
 * device (BDK ID, device ID) and the initial key.
 *
 *   [ KSN 10 bytes ] = [ initial KSN, 59 bits ][ counter, 21 bits ]
 */
import { PosError } from '../../util/errors.js';
import { checkLength } from '../check.js';

export const TDES_KSN_BYTES = 10;
export const TDES_COUNTER_BITS = 21;
export const TDES_COUNTER_MASK = 0x1f_ffff;
/** The originator never uses a counter with more one-bits than this (A.2). */
export const TDES_MAX_COUNTER_ONE_BITS = 10;

export function popcount(value: number): number {
  let n = value >>> 0;
  let count = 0;
  while (n !== 0) {
    n &= n - 1;
    count++;
  }
  return count;
}

export function checkTdesKsn(ksn: Uint8Array): void {
  checkLength(ksn, [TDES_KSN_BYTES], 'KSN');
}

/** The 21-bit transaction counter of a 10-byte KSN. */
export function tdesCounter(ksn: Uint8Array): number {
  checkTdesKsn(ksn);
  return (((ksn[7] as number) << 16) | ((ksn[8] as number) << 8) | (ksn[9] as number)) & TDES_COUNTER_MASK;
}

/** A copy of the KSN with its counter replaced. */
export function withTdesCounter(ksn: Uint8Array, counter: number): Buffer {
  checkTdesKsn(ksn);
  const out = Buffer.from(ksn);
  out[7] = ((out[7] as number) & 0xe0) | ((counter >>> 16) & 0x1f);
  out[8] = (counter >>> 8) & 0xff;
  out[9] = counter & 0xff;
  return out;
}

/** Throws `DUKPT_COUNTER_INVALID` for counter 0 or more than ten one-bits. */
export function checkTdesCounter(counter: number): void {
  const ones = popcount(counter);
  if (counter <= 0 || counter > TDES_COUNTER_MASK || ones > TDES_MAX_COUNTER_ONE_BITS) {
    throw new PosError('DUKPT_COUNTER_INVALID', `TDES DUKPT counter ${counter} is not one an originator can use`, {
      counter,
      oneBits: ones,
      maxOneBits: TDES_MAX_COUNTER_ONE_BITS,
    });
  }
}
