/**
 * TDES DUKPT, the receiver (host) side: ANSI X9.24-1 2009, A.6 (initial key
 * derivation) and A.2/A.3 (non-reversible key generation, key variants).
 *
 * The host derives the transaction key directly from the initial key and the
 * KSN counter, walking the counter's one-bits from the highest down — the
 * same chain the originator follows with its future-key registers.
 */
import { wipe, xor } from '../../util/bytes.js';
import { checkKeyLength } from '../check.js';
import { desEcb, tdesEcb } from '../cipher/des.js';
import { TdesEcbKey, tdesEcbUnder, type TdesKeyInput } from '../cipher/tdes-key.js';
import { checkTdesCounter, checkTdesKsn, tdesCounter } from './tdes-ksn.js';

/** The key-derivation mask of A.6 and of the non-reversible key generation process. */
const KEY_MASK = Buffer.from('C0C0C0C000000000C0C0C0C000000000', 'hex');

/** Variant masks applied to the transaction key (X9.24-1 2009, A.3 and A.4 test data). */
export const TDES_VARIANT_MASKS = {
  pin: Buffer.from('00000000000000FF00000000000000FF', 'hex'),
  macRequest: Buffer.from('000000000000FF00000000000000FF00', 'hex'),
  macResponse: Buffer.from('00000000FF00000000000000FF000000', 'hex'),
  dataRequest: Buffer.from('0000000000FF00000000000000FF0000', 'hex'),
  dataResponse: Buffer.from('000000FF00000000000000FF00000000', 'hex'),
} as const;

export type TdesKeyUsage = keyof typeof TDES_VARIANT_MASKS;
export const TDES_KEY_USAGES = Object.keys(TDES_VARIANT_MASKS) as readonly TdesKeyUsage[];

/**
 * The initial key (IPEK) from a 16-byte BDK and a KSN (A.6): the left half is
 * TDES(BDK) over the KSN's left 8 bytes with the counter cleared, the right
 * half the same under BDK ⊕ C0C0C0C0 00000000 C0C0C0C0 00000000.
 */
export function deriveTdesIpek(bdk: Uint8Array, ksn: Uint8Array): Buffer {
  checkKeyLength(bdk, [16], 'BDK');
  const maskedBdk = xor(bdk, KEY_MASK);
  try {
    return ipekUnder(bdk, maskedBdk, ksn);
  } finally {
    wipe(maskedBdk);
  }
}

/** A.6 with the BDK and BDK ⊕ mask given, as bytes or as long-lived keys. */
function ipekUnder(bdk: TdesKeyInput, maskedBdk: TdesKeyInput, ksn: Uint8Array): Buffer {
  checkTdesKsn(ksn);
  const register = Buffer.from(ksn.subarray(0, 8));
  register[7] = (register[7] as number) & 0xe0;
  try {
    return Buffer.concat([tdesEcbUnder(bdk, register), tdesEcbUnder(maskedBdk, register)]);
  } finally {
    wipe(register);
  }
}

/**
 * One non-reversible key generation step (A.2 "Non-reversible Key Generation
 * Process"): the new key from the current key and the 8-byte KSN register.
 */
export function nonReversibleKeyGeneration(key: Uint8Array, register: Uint8Array): Buffer {
  // The same errors as the xor() this step was written with, for other lengths.
  if (key.length !== 16) throw new RangeError(`xor of ${key.length} and 16 bytes`);
  if (register.length !== 8) throw new RangeError(`xor of ${register.length} and 8 bytes`);
  const out = Buffer.allocUnsafe(16);
  halfStep(key, register, false, out, 8);
  halfStep(key, register, true, out, 0);
  return out;
}

/*
 * The DES key and input of a half step, rebuilt for each half: module
 * buffers, since a host runs a step per one-bit of every KSN's counter
 * (up to ten per request), and each is filled, used and wiped before
 * returning (node:crypto copies the key into the cipher).
 */
const halfKey = Buffer.alloc(8);
const halfInput = Buffer.alloc(8);

/**
 * out[at..at+8] = DES_{K left}(register ⊕ K right) ⊕ K right, with K the key,
 * or the key ⊕ C0C0C0C0 00000000 C0C0C0C0 00000000 when `masked`.
 */
function halfStep(key: Uint8Array, register: Uint8Array, masked: boolean, out: Buffer, at: number): void {
  for (let i = 0; i < 8; i++) {
    halfKey[i] = (key[i] as number) ^ (masked ? (KEY_MASK[i] as number) : 0);
    halfInput[i] = (register[i] as number) ^ (key[8 + i] as number) ^ (masked ? (KEY_MASK[8 + i] as number) : 0);
  }
  let encrypted: Buffer;
  try {
    encrypted = desEcb(halfKey, halfInput);
  } finally {
    halfKey.fill(0);
    halfInput.fill(0);
  }
  for (let i = 0; i < 8; i++) out[at + i] = (encrypted[i] as number) ^ (key[8 + i] as number) ^ (masked ? (KEY_MASK[8 + i] as number) : 0);
  encrypted.fill(0);
}

/**
 * The transaction key for a KSN, from the initial key: one non-reversible
 * step per one-bit of the counter, highest bit first. The counter must be one
 * an originator can reach (1…2²¹−1, at most ten one-bits).
 */
export function deriveTdesTransactionKey(ipek: Uint8Array, ksn: Uint8Array): Buffer {
  checkKeyLength(ipek, [16], 'IPEK');
  const counter = tdesCounter(ksn);
  checkTdesCounter(counter);
  const register = Buffer.from(ksn.subarray(2, 10));
  register[5] = (register[5] as number) & 0xe0;
  register[6] = 0;
  register[7] = 0;
  let key: Buffer = Buffer.from(ipek);
  for (let bit = 1 << 20; bit !== 0; bit >>>= 1) {
    if ((counter & bit) === 0) continue;
    register[5] = (register[5]) | (bit >>> 16);
    register[6] = (register[6]) | ((bit >>> 8) & 0xff);
    register[7] = (register[7]) | (bit & 0xff);
    const next = nonReversibleKeyGeneration(key, register);
    wipe(key);
    key = next;
  }
  return key;
}

/**
 * A working key from a transaction key: the variant mask for the usage, and
 * for the data keys the extra one-way step of X9.24-1 2009 (each half of the
 * variant TDES-encrypted under the variant itself).
 */
export function tdesWorkingKey(transactionKey: Uint8Array, usage: TdesKeyUsage): Buffer {
  checkKeyLength(transactionKey, [16], 'transaction key');
  const variant = xor(transactionKey, TDES_VARIANT_MASKS[usage]);
  if (usage !== 'dataRequest' && usage !== 'dataResponse') return variant;
  try {
    return tdesEcb(variant, variant);
  } finally {
    wipe(variant);
  }
}

/** Every key the host needs for one KSN, from the BDK. The caller wipes them. */
export interface TdesDukptKeys {
  readonly ipek: Buffer;
  readonly transactionKey: Buffer;
  readonly pinKey: Buffer;
  readonly macRequestKey: Buffer;
  readonly macResponseKey: Buffer;
  readonly dataRequestKey: Buffer;
  readonly dataResponseKey: Buffer;
}

export function deriveTdesDukptKeys(bdk: Uint8Array, ksn: Uint8Array): TdesDukptKeys {
  const ipek = deriveTdesIpek(bdk, ksn);
  const transactionKey = deriveTdesTransactionKey(ipek, ksn);
  return {
    ipek,
    transactionKey,
    pinKey: tdesWorkingKey(transactionKey, 'pin'),
    macRequestKey: tdesWorkingKey(transactionKey, 'macRequest'),
    macResponseKey: tdesWorkingKey(transactionKey, 'macResponse'),
    dataRequestKey: tdesWorkingKey(transactionKey, 'dataRequest'),
    dataResponseKey: tdesWorkingKey(transactionKey, 'dataResponse'),
  };
}

/** The host's everyday call: the working key for one usage, straight from BDK and KSN. */
export function deriveTdesKeyFromBdk(bdk: Uint8Array, ksn: Uint8Array, usage: TdesKeyUsage): Buffer {
  return workingKeyFromIpek(deriveTdesIpek(bdk, ksn), ksn, usage);
}

/** The working key for `ksn` from its initial key; wipes the initial key. */
function workingKeyFromIpek(ipek: Buffer, ksn: Uint8Array, usage: TdesKeyUsage): Buffer {
  let transactionKey: Buffer;
  try {
    transactionKey = deriveTdesTransactionKey(ipek, ksn);
  } finally {
    wipe(ipek);
  }
  try {
    return tdesWorkingKey(transactionKey, usage);
  } finally {
    wipe(transactionKey);
  }
}

/**
 * The host side for one BDK, for a host that derives keys on every request:
 * the cipher objects for the BDK and BDK ⊕ mask are made once, so an initial
 * key costs two block operations instead of two cipher set-ups. Nothing per
 * device is kept — every KSN is derived from the BDK, as above.
 */
export class TdesDukptHost {
  readonly #bdk: TdesEcbKey;
  readonly #maskedBdk: TdesEcbKey;

  constructor(bdk: Uint8Array) {
    checkKeyLength(bdk, [16], 'BDK');
    const masked = xor(bdk, KEY_MASK);
    try {
      this.#bdk = new TdesEcbKey(bdk);
      this.#maskedBdk = new TdesEcbKey(masked);
    } finally {
      wipe(masked);
    }
  }

  initialKey(ksn: Uint8Array): Buffer {
    return ipekUnder(this.#bdk, this.#maskedBdk, ksn);
  }

  /** As `deriveTdesKeyFromBdk`. The caller wipes the key. */
  workingKey(ksn: Uint8Array, usage: TdesKeyUsage): Buffer {
    return workingKeyFromIpek(this.initialKey(ksn), ksn, usage);
  }
}
