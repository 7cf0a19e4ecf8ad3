/**
 * What every signed block of EMV 4.4 Book 2 shares once recovered with the
 * signer's public key (Tables 6, 7, 14 and 17, recovered by Annex A2.1):
 *
 *   [6A header][format][… data …][hash result, 20][BC trailer]
 *
 * and the first steps of every check in §5.3, §5.4, §6.4, §6.5.2 and
 * §6.6.2: the signed data is as long as the signer's modulus (step 1), its
 * trailer is BC (step 2), its header 6A (step 3), its format the one
 * expected (step 4); then the hash algorithm indicator names SHA-1 (01,
 * Annex B3) and the hash over the data from the format byte up to the hash,
 * followed by the data the signer did not put in the block, is the hash
 * recovered. Each failing check has a reason of its own, so a test can say
 * which step refused a block.
 */
import { createHash } from 'node:crypto';
import { rsaRecover, type RsaPublicKey } from './rsa.js';

/** Why offline data authentication failed: the Book 2 step (or Book 3 §10.3 rule) that refused. */
export type OdaFailureReason =
  /** §5.2 / §6.2: the terminal has no CA public key for the RID and 8F, or it has expired. */
  | 'capk-missing'
  /** Book 3 §10.3 / §7.2: a data object the method needs is absent (`tag` names it). */
  | 'data-missing'
  /** Book 3 §10.3: a record for offline data authentication is not a '70' template, or 9F4A lists more than 82. */
  | 'record-format'
  /** Step 1: not as long as the signer's modulus. */
  | 'length'
  /** Not recoverable with the key (not below the modulus, or a key node:crypto refuses). */
  | 'recovery'
  | 'trailer'
  | 'header'
  | 'format'
  /** Hash algorithm indicator other than 01 (SHA-1). */
  | 'hash-algorithm'
  | 'hash'
  /** §5.3 step 8: the issuer identifier is not the leftmost 3–8 digits of the PAN. */
  | 'issuer-identifier'
  /** §6.4 step 8: the PAN in the ICC certificate is not the card's PAN (5A). */
  | 'pan'
  /** §5.3 step 9 / §6.4 step 9: the certificate's last month is before today (or no date at all). */
  | 'expired'
  /** §5.3 step 10: RID, CA key index and serial number are on the revocation list. */
  | 'revoked'
  /** Public key algorithm indicator other than 01 (RSA). */
  | 'public-key-algorithm'
  /** The certified key's length is impossible: longer than its signer's, or too short to sign an EMV block. */
  | 'key-length'
  /** The key remainder (92, 9F48) is not as long as the key length says. */
  | 'remainder'
  /** The exponent (9F32, 9F47) is not the length the certificate says, or not 3 or 2^16 + 1. */
  | 'exponent'
  /** §6.5.1: no DDOL, a DDOL that does not parse, lacks 9F37, or gives more data than a command holds. */
  | 'ddol'
  /** §6.5.2 / §6.6.2: the ICC dynamic data in the signature is malformed. */
  | 'dynamic-data'
  /** §6.6.2 step 6: the CID in the signature is not the CID of the response. */
  | 'cid'
  /** §6.6.2 step 12: the transaction data hash code does not match. */
  | 'transaction-data-hash';

export interface OdaFailure {
  readonly ok: false;
  readonly reason: OdaFailureReason;
  /** For 'data-missing': the tag that is absent. */
  readonly tag?: string;
}

export function failure(reason: OdaFailureReason, tag?: string): OdaFailure {
  return tag === undefined ? { ok: false, reason } : { ok: false, reason, tag };
}

export const RECOVERED_DATA_HEADER = 0x6a;
export const RECOVERED_DATA_TRAILER = 0xbc;
export const HASH_ALGORITHM_SHA1 = 0x01; // Annex B3.1
export const PUBLIC_KEY_ALGORITHM_RSA = 0x01; // Annex B2.1
export const HASH_BYTES = 20;
/** Book 2 Tables 6, 7, 14, 17: formats of the signed blocks. */
export const SIGNED_FORMAT = { issuerCertificate: 0x02, staticData: 0x03, iccCertificate: 0x04, dynamicData: 0x05 } as const;
/** The shortest key that can sign an EMV block: 512 bits, as Book 2 Annex A2.1's examples start. */
export const MIN_KEY_BYTES = 64;

/** A recovered block: the header, format and trailer checked. */
export type Opened = { readonly ok: true; readonly block: Buffer } | OdaFailure;

/** Steps 1–4: recovers `signed` with `key` and checks its length, trailer, header and format. */
export function openSignedBlock(key: RsaPublicKey, signed: Uint8Array, format: number): Opened {
  if (signed.length !== key.modulus.length) return failure('length');
  const block = rsaRecover(key, signed);
  if (block === undefined) return failure('recovery');
  if (block[block.length - 1] !== RECOVERED_DATA_TRAILER) return failure('trailer');
  if (block[0] !== RECOVERED_DATA_HEADER) return failure('header');
  if (block[1] !== format) return failure('format');
  return { ok: true, block };
}

/** The hash result a recovered block carries: the 20 bytes before the trailer. */
export function recoveredHash(block: Buffer): Buffer {
  return block.subarray(block.length - 1 - HASH_BYTES, block.length - 1);
}

/** SHA-1 over the block from its format byte up to its hash, then `appended` (the data the signer hashed but did not put in the block). */
export function blockHashMatches(block: Buffer, ...appended: Uint8Array[]): boolean {
  const hash = createHash('sha1').update(block.subarray(1, block.length - 1 - HASH_BYTES));
  for (const part of appended) hash.update(part);
  return hash.digest().equals(recoveredHash(block));
}

/**
 * Certificate Expiration Date (MMYY, n4): true while the last day of that
 * month is today or later (§5.3 step 9, §6.4 step 9). YY 00–49 is 20YY,
 * 50–99 19YY (Book 3 Annex A). A value that is no month counts as expired.
 */
export function certificateStillValid(mmyy: Uint8Array, now: Date): boolean {
  const text = Buffer.from(mmyy).toString('hex');
  if (!/^(0[1-9]|1[0-2])\d{2}$/.test(text)) return false;
  const month = Number(text.slice(0, 2));
  const yy = Number(text.slice(2, 4));
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  return year * 12 + month >= now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
}
