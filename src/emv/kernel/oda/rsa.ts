/**
 * The RSA recovery function of EMV 4.4 Book 2 Annex A2.1 (digital signature
 * scheme giving message recovery) with the RSA algorithm of Annex B2.1:
 * X = S^e mod n, where S is as long as the modulus n. node:crypto computes
 * it as a raw public-key operation (`publicEncrypt` with no padding) on a
 * key built from the modulus and exponent as a JWK; nothing is hand-written.
 *
 * Recovery never throws: a signature that is not exactly as long as the
 * modulus, is not below it, or a modulus node:crypto refuses, recovers
 * nothing (`undefined`), and the caller counts that as a failed check.
 */
import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';

/** An RSA public key as EMV carries it: modulus and exponent as unsigned big-endian bytes. */
export interface RsaPublicKey {
  readonly modulus: Buffer;
  readonly exponent: Buffer;
}

/** Keys already built, per key object: a CAPK is used by every transaction. */
const keyObjects = new WeakMap<RsaPublicKey, KeyObject>();

/** The exponents Book 2 §5.1 and §6.1 allow for every EMV key: 3 and 2^16 + 1. */
export function isAllowedExponent(exponent: Uint8Array): boolean {
  const value = Buffer.from(exponent).toString('hex');
  return value === '03' || value === '010001';
}

/** Builds (once per key object) the node:crypto key; undefined when node:crypto refuses the numbers. */
export function rsaKeyObject(key: RsaPublicKey): KeyObject | undefined {
  const known = keyObjects.get(key);
  if (known !== undefined) return known;
  try {
    const built = createPublicKey({ key: { kty: 'RSA', n: key.modulus.toString('base64url'), e: key.exponent.toString('base64url') }, format: 'jwk' });
    keyObjects.set(key, built);
    return built;
  } catch {
    return undefined;
  }
}

/** Recovers the data signed in `signed` (Book 2 Annex A2.1); undefined when the signature is not as long as the modulus or cannot be recovered. */
export function rsaRecover(key: RsaPublicKey, signed: Uint8Array): Buffer | undefined {
  const length = key.modulus.length;
  if (signed.length !== length || length === 0) return undefined;
  const keyObject = rsaKeyObject(key);
  if (keyObject === undefined) return undefined;
  try {
    const recovered = publicEncrypt({ key: keyObject, padding: constants.RSA_NO_PADDING }, signed);
    return recovered.length === length ? recovered : undefined;
  } catch {
    // node:crypto refuses a signature that is not below the modulus, or a key it cannot use.
    return undefined;
  }
}
