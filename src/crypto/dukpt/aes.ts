/**
 * AES DUKPT, the receiver (host) side: ANSI X9.24-3 2017, 6.3 (derivation
 * data), 6.3.1 (initial key), 6.3.3 (transaction keys) and 6.3.4 (working
 * keys).
 *
 * KSN (12 bytes) = initial key ID (8: BDK ID 4 ‖ derivation ID 4) ‖ counter (4).
 * Every derived key is AES-ECB under its parent of the 16-byte derivation data
 *
 *   [01 version][block counter][key usage 2][algorithm 2][length in bits 2][data 8]
 *
 * repeated with block counter 1, 2 … until the key length is covered.
 */
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { checkKeyLength, checkLength, optionError } from '../check.js';
import { aesEcb } from '../cipher/aes.js';
import { popcount } from './tdes-ksn.js';

export const AES_KSN_BYTES = 12;
export const AES_MAX_COUNTER_ONE_BITS = 16;

/** Key usage indicators (X9.24-3 2017, table 2). */
export const AES_KEY_USAGES = {
  'key-enc': 0x0002,
  pin: 0x1000,
  'mac-gen': 0x2000,
  'mac-ver': 0x2001,
  'mac-both': 0x2002,
  'data-enc': 0x3000,
  'data-dec': 0x3001,
  'data-both': 0x3002,
} as const;
export type AesKeyUsage = keyof typeof AES_KEY_USAGES;

const USAGE_DERIVATION = 0x8000;
const USAGE_INITIAL_KEY = 0x8001;

/**
 * Key types with their algorithm indicator and length (X9.24-3 2017,
 * table 3), and security strength in bits (SP 800-57) for the rule that a
 * working key may not be stronger than the key it is derived from.
 */
export const AES_DUKPT_KEY_TYPES = {
  tdes2: { algorithm: 0x0000, bits: 128, strength: 80 },
  tdes3: { algorithm: 0x0001, bits: 192, strength: 112 },
  aes128: { algorithm: 0x0002, bits: 128, strength: 128 },
  aes192: { algorithm: 0x0003, bits: 192, strength: 192 },
  aes256: { algorithm: 0x0004, bits: 256, strength: 256 },
} as const;
export type AesDukptKeyType = keyof typeof AES_DUKPT_KEY_TYPES;

export function checkAesKsn(ksn: Uint8Array): void {
  checkLength(ksn, [AES_KSN_BYTES], 'KSN');
}

export function aesCounter(ksn: Uint8Array): number {
  checkAesKsn(ksn);
  return Buffer.from(ksn).readUInt32BE(8);
}

/** Throws `DUKPT_COUNTER_INVALID` for counter 0 or more than sixteen one-bits. */
export function checkAesCounter(counter: number): void {
  const ones = popcount(counter);
  if (counter <= 0 || counter > 0xffff_ffff || ones > AES_MAX_COUNTER_ONE_BITS) {
    throw new PosError('DUKPT_COUNTER_INVALID', `AES DUKPT counter ${counter} is not one an originator can use`, {
      counter,
      oneBits: ones,
      maxOneBits: AES_MAX_COUNTER_ONE_BITS,
    });
  }
}

/** The derivation key type of a BDK or initial key, from its length. */
export function aesKeyTypeOf(key: Uint8Array, what: string): 'aes128' | 'aes192' | 'aes256' {
  checkKeyLength(key, [16, 24, 32], what);
  return key.length === 16 ? 'aes128' : key.length === 24 ? 'aes192' : 'aes256';
}

/** The derivation function of 6.3.2: AES-ECB of the derivation data, block counter 1, 2 … */
function deriveKey(parent: Uint8Array, usage: number, type: AesDukptKeyType, data: Uint8Array): Buffer {
  const { algorithm, bits } = AES_DUKPT_KEY_TYPES[type];
  const blocks = Math.ceil(bits / 128);
  const input = Buffer.alloc(16 * blocks);
  for (let i = 0; i < blocks; i++) {
    const at = 16 * i;
    input[at] = 0x01;
    input[at + 1] = i + 1;
    input.writeUInt16BE(usage, at + 2);
    input.writeUInt16BE(algorithm, at + 4);
    input.writeUInt16BE(bits, at + 6);
    input.set(data, at + 8);
  }
  const out = aesEcb(parent, input);
  wipe(input);
  if (out.length === bits / 8) return out;
  const key = Buffer.from(out.subarray(0, bits / 8));
  wipe(out);
  return key;
}

/** The initial key from the BDK (AES-128/192/256) and the 8-byte initial key ID (6.3.1). */
export function deriveAesInitialKey(bdk: Uint8Array, initialKeyId: Uint8Array): Buffer {
  const type = aesKeyTypeOf(bdk, 'BDK');
  checkLength(initialKeyId, [8], 'initial key ID');
  return deriveKey(bdk, USAGE_INITIAL_KEY, type, initialKeyId);
}

/**
 * The transaction (derivation) key for a KSN from the initial key: one
 * derivation per one-bit of the counter, highest first (6.3.3).
 */
export function deriveAesTransactionKey(initialKey: Uint8Array, ksn: Uint8Array): Buffer {
  const type = aesKeyTypeOf(initialKey, 'initial key');
  const counter = aesCounter(ksn);
  checkAesCounter(counter);
  const data = Buffer.alloc(8);
  data.set(ksn.subarray(4, 8));
  let working = 0;
  let key: Buffer = Buffer.from(initialKey);
  for (let bit = 0x8000_0000; bit !== 0; bit >>>= 1) {
    if ((counter & bit) === 0) continue;
    working = (working | bit) >>> 0;
    data.writeUInt32BE(working, 4);
    const next = deriveKey(key, USAGE_DERIVATION, type, data);
    wipe(key);
    key = next;
  }
  return key;
}

/**
 * A working key of the given usage and type from a transaction key (6.3.4).
 * The working key may not be stronger than the derivation key (6.1): an
 * AES-128 derivation key cannot give an AES-192/256 key.
 */
export function deriveAesWorkingKey(transactionKey: Uint8Array, ksn: Uint8Array, usage: AesKeyUsage, type: AesDukptKeyType): Buffer {
  const derivationType = aesKeyTypeOf(transactionKey, 'transaction key');
  if (!(usage in AES_KEY_USAGES)) throw optionError('AES DUKPT key usage', usage, Object.keys(AES_KEY_USAGES));
  if (!(type in AES_DUKPT_KEY_TYPES)) throw optionError('AES DUKPT key type', type, Object.keys(AES_DUKPT_KEY_TYPES));
  if (AES_DUKPT_KEY_TYPES[type].strength > AES_DUKPT_KEY_TYPES[derivationType].strength) {
    throw new PosError('DUKPT_KEY_TYPE_NOT_ALLOWED', `A ${type} working key is stronger than the ${derivationType} derivation key`, {
      keyType: type,
      derivationKeyType: derivationType,
    });
  }
  checkAesKsn(ksn);
  return deriveKey(transactionKey, AES_KEY_USAGES[usage], type, ksn.subarray(4, 12));
}

/** The host's everyday call: BDK + KSN → initial key, transaction key, working key. The caller wipes them. */
export function deriveAesDukptKeys(
  bdk: Uint8Array,
  ksn: Uint8Array,
  usage: AesKeyUsage,
  type: AesDukptKeyType,
): { initialKey: Buffer; transactionKey: Buffer; derivedKey: Buffer } {
  checkAesKsn(ksn);
  const initialKey = deriveAesInitialKey(bdk, ksn.subarray(0, 8));
  const transactionKey = deriveAesTransactionKey(initialKey, ksn);
  return { initialKey, transactionKey, derivedKey: deriveAesWorkingKey(transactionKey, ksn, usage, type) };
}
