/**
 * Signature verification, EMV 4.4 Book 2:
 *
 * - §5.4, Table 7: Signed Static Application Data (93) for SDA, with the
 *   issuer public key: 6A 03 [hash alg][data authentication code 2][BB pad N_I−26][hash 20] BC,
 *   the hash over format … pad ‖ the static data to be authenticated;
 * - §6.5.2, Table 17: Signed Dynamic Application Data (9F4B) for DDA, with
 *   the ICC public key: 6A 05 [hash alg][L_DD][ICC dynamic data L_DD][BB pad N_IC−L_DD−25][hash 20] BC,
 *   the hash over format … pad ‖ the DDOL data; ICC dynamic data = [length 2–8][ICC dynamic number];
 * - §6.6.2, Tables 18 and 19: the same block from GENERATE AC for CDA, the
 *   hash over format … pad ‖ the unpredictable number, and ICC dynamic data =
 *   [length][ICC dynamic number][CID 1][application cryptogram 8][transaction data hash code 20],
 *   the last being SHA-1 over PDOL data ‖ CDOL1 data (‖ CDOL2 data) ‖ the
 *   response's data objects but the SDAD.
 *
 * Nothing here throws: a signature that does not verify is a failure with
 * the reason of the step that refused it.
 */
import { createHash } from 'node:crypto';
import type { RsaPublicKey } from './rsa.js';
import { blockHashMatches, failure, HASH_ALGORITHM_SHA1, HASH_BYTES, openSignedBlock, SIGNED_FORMAT, type OdaFailure } from './signed-data.js';

const HASH_ALGORITHM_OFFSET = 2;
const DATA_AUTHENTICATION_CODE_OFFSET = 3;
const DATA_AUTHENTICATION_CODE_BYTES = 2;
const DYNAMIC_DATA_LENGTH_OFFSET = 3;
const DYNAMIC_DATA_OFFSET = 4;
/** Table 17: N_IC − L_DD − 25 bytes of pad, so L_DD is at most N_IC − 25. */
const DYNAMIC_DATA_OVERHEAD = 25;
/** ICC Dynamic Number, 2–8 bytes (Book 2 §6.5.1, Book 3 Annex A 9F4C). */
const MIN_DYNAMIC_NUMBER_BYTES = 2;
const MAX_DYNAMIC_NUMBER_BYTES = 8;
const CID_BYTES = 1;
const AC_BYTES = 8;

export type StaticVerification = { readonly ok: true; readonly dataAuthenticationCode: Buffer } | OdaFailure;

/** Book 2 §5.4: verifies 93 with the issuer key over the static data to be authenticated; on success the Data Authentication Code (9F45). */
export function verifySignedStaticData(issuerKey: RsaPublicKey, signed: Uint8Array, staticData: Uint8Array): StaticVerification {
  const opened = openSignedBlock(issuerKey, signed, SIGNED_FORMAT.staticData);
  if (!opened.ok) return opened;
  const { block } = opened;
  if (block[HASH_ALGORITHM_OFFSET] !== HASH_ALGORITHM_SHA1) return failure('hash-algorithm');
  if (!blockHashMatches(block, staticData)) return failure('hash');
  const code = block.subarray(DATA_AUTHENTICATION_CODE_OFFSET, DATA_AUTHENTICATION_CODE_OFFSET + DATA_AUTHENTICATION_CODE_BYTES);
  return { ok: true, dataAuthenticationCode: Buffer.from(code) };
}

type OpenedDynamic = { readonly ok: true; readonly block: Buffer; readonly dynamicData: Buffer; readonly iccDynamicNumber: Buffer } | OdaFailure;

/** Steps 1–4 of §6.5.2 / §6.6.2, then the ICC dynamic data and the ICC dynamic number that opens it. */
function openDynamicSignature(iccKey: RsaPublicKey, signed: Uint8Array): OpenedDynamic {
  const opened = openSignedBlock(iccKey, signed, SIGNED_FORMAT.dynamicData);
  if (!opened.ok) return opened;
  const { block } = opened;
  const dynamicLength = block[DYNAMIC_DATA_LENGTH_OFFSET] as number;
  if (dynamicLength > block.length - DYNAMIC_DATA_OVERHEAD) return failure('dynamic-data');
  const dynamicData = block.subarray(DYNAMIC_DATA_OFFSET, DYNAMIC_DATA_OFFSET + dynamicLength);
  const numberLength = dynamicData[0] ?? 0;
  if (numberLength < MIN_DYNAMIC_NUMBER_BYTES || numberLength > MAX_DYNAMIC_NUMBER_BYTES || 1 + numberLength > dynamicLength) return failure('dynamic-data');
  return { ok: true, block, dynamicData, iccDynamicNumber: Buffer.from(dynamicData.subarray(1, 1 + numberLength)) };
}

export type DynamicVerification = { readonly ok: true; readonly iccDynamicNumber: Buffer } | OdaFailure;

/** Book 2 §6.5.2: verifies the SDAD an INTERNAL AUTHENTICATE returned, over the DDOL data sent; on success the ICC Dynamic Number (9F4C). */
export function verifyDdaSignature(iccKey: RsaPublicKey, signed: Uint8Array, ddolData: Uint8Array): DynamicVerification {
  const opened = openDynamicSignature(iccKey, signed);
  if (!opened.ok) return opened;
  if (opened.block[HASH_ALGORITHM_OFFSET] !== HASH_ALGORITHM_SHA1) return failure('hash-algorithm');
  if (!blockHashMatches(opened.block, ddolData)) return failure('hash');
  return { ok: true, iccDynamicNumber: opened.iccDynamicNumber };
}

/**
 * Book 2 §6.6.2: verifies the Signed Dynamic Application Data (9F4B) returned
 * by a GENERATE AC with CDA. `transactionDataHashInput` is the PDOL data ‖
 * CDOL data sent ‖ the response's TLVs other than 9F4B, as Book 2 lists; the
 * CID byte from the response's 9F27 must match the recovered one. On success
 * returns the application cryptogram recovered from the signature and the
 * ICC dynamic number. Never throws.
 */
export function verifyCdaSignature(
  iccKey: RsaPublicKey,
  sdad: Buffer,
  unpredictableNumber: Buffer,
  cid: number,
  transactionDataHashInput: Buffer,
): { readonly ok: true; readonly applicationCryptogram: Buffer; readonly iccDynamicNumber: Buffer } | { readonly ok: false; readonly reason: string } {
  try {
    const opened = openDynamicSignature(iccKey, sdad);
    if (!opened.ok) return opened;
    const { block, dynamicData, iccDynamicNumber } = opened;
    // Table 19: [length][number][CID][AC][transaction data hash code].
    let offset = 1 + iccDynamicNumber.length;
    if (dynamicData.length < offset + CID_BYTES + AC_BYTES + HASH_BYTES) return failure('dynamic-data');
    const recoveredCid = dynamicData[offset] as number;
    offset += CID_BYTES;
    const applicationCryptogram = Buffer.from(dynamicData.subarray(offset, offset + AC_BYTES));
    offset += AC_BYTES;
    const transactionDataHashCode = dynamicData.subarray(offset, offset + HASH_BYTES);
    if (recoveredCid !== cid) return failure('cid');
    if (block[HASH_ALGORITHM_OFFSET] !== HASH_ALGORITHM_SHA1) return failure('hash-algorithm');
    if (!blockHashMatches(block, unpredictableNumber)) return failure('hash');
    if (!createHash('sha1').update(transactionDataHashInput).digest().equals(transactionDataHashCode)) return failure('transaction-data-hash');
    return { ok: true, applicationCryptogram, iccDynamicNumber };
  } catch {
    // Whatever the inputs, a verifier answers; an exception here is a signature that did not verify.
    return failure('recovery');
  }
}
