/**
 * Public key certificate recovery, EMV 4.4 Book 2:
 *
 * - the issuer public key from the Issuer Public Key Certificate (90) with
 *   the CA public key: §5.3 (for SDA) and §6.3 (for DDA and CDA), Table 6;
 * - the ICC public key from the ICC Public Key Certificate (9F46) with the
 *   issuer public key: §6.4, Table 14.
 *
 *   issuer (N_CA bytes): 6A 02 [issuer identifier 4][expiry MMYY 2][serial 3][hash alg 1][pk alg 1]
 *                        [N_I 1][exponent length 1][issuer key or its leftmost N_CA−36 bytes][hash 20] BC
 *   ICC    (N_I bytes):  6A 04 [PAN 10][expiry MMYY 2][serial 3][hash alg 1][pk alg 1]
 *                        [N_IC 1][exponent length 1][ICC key or its leftmost N_I−42 bytes][hash 20] BC
 *
 * Checks, in the book's order, each with its own failure reason: length
 * (step 1), trailer, header, format (2–4); the remainder the key length
 * calls for is present (92 / 9F48, else "ICC data missing"); hash algorithm
 * 01 and the hash over the certificate's data ‖ remainder ‖ exponent (‖ the
 * static data to be authenticated, for the ICC) (5–7); the issuer
 * identifier against the PAN's leftmost digits, or the ICC certificate's
 * PAN against 5A (8); expiry (9); for the issuer, the revocation list (10);
 * public key algorithm 01 (11 / 10); then the key itself (12 / 11): its
 * length no longer than the signer's, a remainder exactly as long as the
 * certificate leaves over, an exponent of the length the certificate says
 * and of value 3 or 2^16 + 1.
 */
import { cnDigits } from '../../interpret/values.js';
import { isAllowedExponent, type RsaPublicKey } from './rsa.js';
import {
  blockHashMatches,
  certificateStillValid,
  failure,
  HASH_ALGORITHM_SHA1,
  MIN_KEY_BYTES,
  openSignedBlock,
  PUBLIC_KEY_ALGORITHM_RSA,
  SIGNED_FORMAT,
  type OdaFailure,
} from './signed-data.js';

export type KeyRecovery = { readonly ok: true; readonly key: RsaPublicKey } | OdaFailure;

/** Where the fields of Tables 6 and 14 sit: they differ only in the owner's identifier (4 or 10 bytes). */
interface CertificateLayout {
  readonly format: number;
  readonly identifierBytes: number;
  /** Bytes the fixed fields take, so the key field is N − overhead (36 or 42). */
  readonly overhead: number;
  readonly remainderTag: string;
}

const ISSUER_LAYOUT: CertificateLayout = { format: SIGNED_FORMAT.issuerCertificate, identifierBytes: 4, overhead: 36, remainderTag: '92' };
const ICC_LAYOUT: CertificateLayout = { format: SIGNED_FORMAT.iccCertificate, identifierBytes: 10, overhead: 42, remainderTag: '9F48' };

interface CertificateFields {
  readonly identifier: Buffer;
  readonly expiry: Buffer;
  readonly serial: Buffer;
  readonly hashAlgorithm: number;
  readonly publicKeyAlgorithm: number;
  readonly keyLength: number;
  readonly exponentLength: number;
  readonly keyField: Buffer;
}

function fieldsOf(block: Buffer, layout: CertificateLayout): CertificateFields {
  let offset = 2; // after header and format
  const take = (length: number): Buffer => {
    const field = block.subarray(offset, offset + length);
    offset += length;
    return field;
  };
  const identifier = take(layout.identifierBytes);
  const expiry = take(2);
  const serial = take(3);
  const [hashAlgorithm, publicKeyAlgorithm, keyLength, exponentLength] = take(4);
  const keyField = take(block.length - layout.overhead);
  return {
    identifier,
    expiry,
    serial,
    hashAlgorithm: hashAlgorithm as number,
    publicKeyAlgorithm: publicKeyAlgorithm as number,
    keyLength: keyLength as number,
    exponentLength: exponentLength as number,
    keyField,
  };
}

/**
 * The certified modulus: the key field's leftmost N bytes when it fits (the
 * rest is BB padding, and there is no remainder), else the whole field
 * followed by a remainder of exactly the bytes that did not fit.
 */
function certifiedModulus(fields: CertificateFields, remainder: Buffer | Uint8Array): Buffer | undefined {
  const room = fields.keyField.length;
  if (fields.keyLength <= room) return remainder.length === 0 ? Buffer.from(fields.keyField.subarray(0, fields.keyLength)) : undefined;
  return remainder.length === fields.keyLength - room ? Buffer.concat([fields.keyField, remainder]) : undefined;
}

interface CertificateInputs {
  readonly certificate: Uint8Array;
  /** 92 or 9F48, when the card gave it. */
  readonly remainder: Uint8Array | undefined;
  /** 9F32 or 9F47. */
  readonly exponent: Uint8Array;
  readonly now: Date;
}

/** What differs between Tables 6 and 14 beyond the layout: step 8, step 10, and what the hash covers after the exponent. */
interface CertificateRules {
  readonly layout: CertificateLayout;
  /** Step 8: the issuer identifier against the PAN's leading digits, or the ICC certificate's PAN against 5A. */
  readonly identifierMatches: (identifier: Buffer) => boolean;
  /** Step 10 (issuer certificates only): the serial number revoked. */
  readonly isRevoked: (serial: Buffer) => boolean;
  /** The static data to be authenticated, for the ICC certificate; nothing for the issuer's. */
  readonly hashedAfter: Uint8Array;
}

/** Recovers the certificate and checks it; the recovered block, which holds the PAN or its leading digits, is zeroed after. */
function recoverCertifiedKey(signer: RsaPublicKey, inputs: CertificateInputs, rules: CertificateRules): KeyRecovery {
  const opened = openSignedBlock(signer, inputs.certificate, rules.layout.format);
  if (!opened.ok) return opened;
  try {
    return checkCertificate(signer, opened.block, inputs, rules);
  } finally {
    opened.block.fill(0);
  }
}

/** Steps 5–12 (issuer) or 5–11 (ICC) on a recovered block whose header, format and trailer are right. */
function checkCertificate(signer: RsaPublicKey, block: Buffer, inputs: CertificateInputs, rules: CertificateRules): KeyRecovery {
  const { layout } = rules;
  const fields = fieldsOf(block, layout);
  if (fields.keyLength > fields.keyField.length && inputs.remainder === undefined) return failure('data-missing', layout.remainderTag);
  const remainder = inputs.remainder ?? Buffer.alloc(0);
  if (fields.hashAlgorithm !== HASH_ALGORITHM_SHA1) return failure('hash-algorithm');
  if (!blockHashMatches(block, remainder, inputs.exponent, rules.hashedAfter)) return failure('hash');
  if (!rules.identifierMatches(fields.identifier)) return failure(layout === ISSUER_LAYOUT ? 'issuer-identifier' : 'pan');
  if (!certificateStillValid(fields.expiry, inputs.now)) return failure('expired');
  if (rules.isRevoked(fields.serial)) return failure('revoked');
  if (fields.publicKeyAlgorithm !== PUBLIC_KEY_ALGORITHM_RSA) return failure('public-key-algorithm');
  if (fields.keyLength < MIN_KEY_BYTES || fields.keyLength > signer.modulus.length) return failure('key-length');
  const modulus = certifiedModulus(fields, remainder);
  if (modulus === undefined) return failure('remainder');
  if (inputs.exponent.length !== fields.exponentLength || !isAllowedExponent(inputs.exponent)) return failure('exponent');
  return { ok: true, key: { modulus, exponent: Buffer.from(inputs.exponent) } };
}

export interface IssuerKeyInputs extends CertificateInputs {
  /** The CA public key the certificate names (8F). */
  readonly capk: RsaPublicKey;
  /** 5A, the card's PAN (cn). */
  readonly pan: Uint8Array;
  /** Step 10: whether this certificate serial number is revoked for the RID and CA key index. */
  readonly isRevoked: (serial: Buffer) => boolean;
}

/** Book 2 §5.3 / §6.3: the issuer public key from the Issuer Public Key Certificate (90). */
export function recoverIssuerKey(inputs: IssuerKeyInputs): KeyRecovery {
  const panDigits = cnDigits(inputs.pan);
  const identifierMatches = (identifier: Buffer): boolean => {
    const digits = cnDigits(identifier);
    return digits !== undefined && panDigits !== undefined && digits.length >= 3 && digits.length <= 8 && panDigits.startsWith(digits);
  };
  return recoverCertifiedKey(inputs.capk, inputs, { layout: ISSUER_LAYOUT, identifierMatches, isRevoked: inputs.isRevoked, hashedAfter: Buffer.alloc(0) });
}

export interface IccKeyInputs extends CertificateInputs {
  readonly issuerKey: RsaPublicKey;
  /** 5A, the card's PAN (cn). */
  readonly pan: Uint8Array;
  /** The static data to be authenticated (Book 3 §10.3): the records for ODA ‖ the 9F4A values. */
  readonly staticData: Uint8Array;
}

/** Book 2 §6.4: the ICC public key from the ICC Public Key Certificate (9F46). */
export function recoverIccKey(inputs: IccKeyInputs): KeyRecovery {
  const panDigits = cnDigits(inputs.pan);
  const identifierMatches = (identifier: Buffer): boolean => {
    const digits = cnDigits(identifier);
    return digits !== undefined && digits.length > 0 && digits === panDigits;
  };
  return recoverCertifiedKey(inputs.issuerKey, inputs, { layout: ICC_LAYOUT, identifierMatches, isRevoked: () => false, hashedAfter: inputs.staticData });
}
