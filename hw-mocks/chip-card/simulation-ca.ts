/**
 * A simulation certification authority for offline data authentication,
 * EMV 4.4 Book 2 (RSA on node:crypto: keys from `generateKeyPairSync`, the
 * raw private-key operation as `privateDecrypt` with no padding — no
 * hand-written RSA):
 *
 * - CA key pair and its CAPK entry (§5.1, §11.2.2: checksum SHA-1 over RID ‖ index ‖ modulus ‖ exponent);
 * - Issuer Public Key Certificate 90 with remainder 92 and exponent 9F32 (§5.3 Table 6);
 * - Signed Static Application Data 93 for SDA (§5.4 Table 7);
 * - ICC Public Key Certificate 9F46 with remainder 9F48 and exponent 9F47 (§6.3 Table 14);
 * - Signed Dynamic Application Data 9F4B for DDA and CDA (§6.5.1 Table 17, §6.6.1).
 *
 * Every signed block is `6A ‖ format ‖ … ‖ SHA-1 hash (20) ‖ BC`, as long as
 * the signing key's modulus. `defect` options build a certificate that a
 * kernel must refuse (Book 2 §5.3 steps 4–9, §6.4): a wrong hash, an issuer
 * identifier or PAN that does not match the card, an expired date.
 */
import { constants, createHash, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { Capk } from '../../src/emv/kernel/config.js';
import { PosError, type ErrorDetails } from '../../src/util/errors.js';

export interface RsaKeyPair {
  readonly modulus: Buffer;
  /** 03 or 01 00 01. */
  readonly exponent: Buffer;
  readonly privateKey: KeyObject;
}

export interface SimulationCa {
  /** Registered application provider identifier, 5 bytes. */
  readonly rid: Buffer;
  /** 8F CA public key index. */
  readonly index: number;
  readonly key: RsaKeyPair;
  /** The terminal's entry for this CA's public key. */
  readonly capk: Capk;
}

export interface IssuerCertificate {
  /** 90 Issuer Public Key Certificate, as long as the CA modulus. */
  readonly certificate: Buffer;
  /** 92 Issuer Public Key Remainder: the modulus bytes the certificate has no room for; may be empty. */
  readonly remainder: Buffer;
  /** 9F32 Issuer Public Key Exponent. */
  readonly exponent: Buffer;
  readonly key: RsaKeyPair;
  /** Certificate serial number, 3 bytes (the revocation list names it). */
  readonly serial: Buffer;
}

export interface IccCertificate {
  /** 9F46 ICC Public Key Certificate, as long as the issuer modulus. */
  readonly certificate: Buffer;
  /** 9F48 ICC Public Key Remainder; may be empty. */
  readonly remainder: Buffer;
  /** 9F47 ICC Public Key Exponent. */
  readonly exponent: Buffer;
  readonly key: RsaKeyPair;
}

/** RSA public exponents EMV allows (Book 2 §5.1). */
export type PublicExponent = 3 | 65537;

/** A certificate a kernel must refuse: hash over other data, the wrong identifier or PAN, an expiry long past. */
export type CertificateDefect = 'hash' | 'identifier' | 'expired';

/** Recovered data header and trailer (Book 2 Tables 6, 7, 14, 17). */
export const RECOVERED_DATA_HEADER = 0x6a;
export const RECOVERED_DATA_TRAILER = 0xbc;
/** Certificate and signed data formats. */
export const FORMAT = { issuerCertificate: 0x02, signedStaticData: 0x03, iccCertificate: 0x04, signedDynamicData: 0x05 } as const;
/** Hash algorithm indicator 01 = SHA-1; public key algorithm indicator 01 = RSA (Book 2 Annex B). */
export const HASH_ALGORITHM_SHA1 = 0x01;
export const PUBLIC_KEY_ALGORITHM_RSA = 0x01;
/** Padding of the key field and the pad pattern. */
export const PAD_BYTE = 0xbb;
/** Room the issuer certificate's fixed fields take: N_CA − 36 bytes are left for the issuer key (Table 6). */
const ISSUER_CERT_OVERHEAD = 36;
/** N_I − 42 bytes are left for the ICC key (Table 14). */
const ICC_CERT_OVERHEAD = 42;
/** N_I − 26 bytes of pad pattern in signed static data (Table 7). */
const STATIC_DATA_OVERHEAD = 26;
/** N_IC − L_DD − 25 bytes of pad pattern in signed dynamic data (Table 17). */
const DYNAMIC_DATA_OVERHEAD = 25;
/** Moduli up to 1984 bits (Book 2 §5.1: at most 248 bytes). */
const MAX_MODULUS_BYTES = 248;
/** The date an `expired` defect writes (MMYY: December 2020). */
export const EXPIRED_DATE = '1220';
const DEFAULT_CAPK_EXPIRY = '2049-12-31';

/** A fresh RSA key pair; `modulusBits` a multiple of 8, at most 1984. */
export function makeRsaKeyPair(modulusBits: number, publicExponent: PublicExponent = 3): RsaKeyPair {
  if (!Number.isInteger(modulusBits) || modulusBits % 8 !== 0 || modulusBits < 512 || modulusBits / 8 > MAX_MODULUS_BYTES) {
    throw invalid('modulusBits must be a multiple of 8 from 512 to 1984', { modulusBits });
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: modulusBits, publicExponent });
  const jwk = publicKey.export({ format: 'jwk' });
  return { modulus: Buffer.from(jwk.n ?? '', 'base64url'), exponent: Buffer.from(jwk.e ?? '', 'base64url'), privateKey };
}

/** The raw RSA private-key operation (what a CA's HSM or a card's chip does): `block` as long as the modulus, below it. */
export function rsaSign(key: RsaKeyPair, block: Buffer): Buffer {
  if (block.length !== key.modulus.length) throw invalid('A block to sign must be as long as the modulus', { length: block.length, modulusBytes: key.modulus.length });
  return privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, block);
}

/** The raw RSA public-key operation: what a terminal does to recover a certificate or signature. */
export function rsaRecover(modulus: Buffer, exponent: Buffer, signed: Buffer): Buffer {
  const key = createPublicKey({ key: { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') }, format: 'jwk' });
  return publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, signed);
}

/** A CA key and its CAPK entry. `expiry` is the CAPK's last day (YYYY-MM-DD), default 2049-12-31. */
export function makeSimulationCa(options: { rid: Buffer; index: number; modulusBits: number; expiry?: string; publicExponent?: PublicExponent }): SimulationCa {
  const { rid, index } = options;
  if (rid.length !== 5) throw invalid('A RID is 5 bytes', { length: rid.length });
  if (!Number.isInteger(index) || index < 0 || index > 0xff) throw invalid('A CA public key index is one byte', { index });
  const expiry = options.expiry ?? DEFAULT_CAPK_EXPIRY;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expiry)) throw invalid('A CAPK expiry is YYYY-MM-DD', { expiry });
  const key = makeRsaKeyPair(options.modulusBits, options.publicExponent);
  const checksum = sha1(Buffer.from(rid), Buffer.from([index]), key.modulus, key.exponent);
  return { rid: Buffer.from(rid), index, key, capk: { rid: Buffer.from(rid), index, modulus: key.modulus, exponent: key.exponent, expiry, checksum } };
}

/** Certifies a fresh issuer key with the CA key (Book 2 §5.3 Table 6). */
export function issueIssuerCertificate(
  ca: SimulationCa,
  options: { issuerIdentifier: string; expiry: string; serial?: Buffer; modulusBits: number; publicExponent?: PublicExponent; defect?: CertificateDefect },
): IssuerCertificate {
  const nCa = ca.key.modulus.length;
  if (options.modulusBits / 8 > nCa) throw invalid('The issuer modulus may not be longer than the CA modulus', { issuerBytes: options.modulusBits / 8, caBytes: nCa });
  if (!/^\d{3,8}$/.test(options.issuerIdentifier)) throw invalid('An issuer identifier is the 3 to 8 leading digits of the PAN', {});
  const { certificate, remainder, key, serial } = certifyFreshKey(ca.key, { format: FORMAT.issuerCertificate, identifier: options.issuerIdentifier, identifierBytes: 4, overhead: ISSUER_CERT_OVERHEAD }, options);
  return { certificate, remainder, exponent: Buffer.from(key.exponent), key, serial: Buffer.from(serial) };
}

/**
 * Certifies a fresh ICC key with the issuer key (Book 2 §6.3 Table 14).
 * `staticData` is what the hash covers beyond the certificate's own fields:
 * the records marked for offline data authentication ‖ the values of the
 * 9F4A static data authentication tag list, exactly as the terminal will
 * rebuild them.
 */
export function issueIccCertificate(
  issuer: IssuerCertificate,
  options: { pan: string; expiry: string; serial?: Buffer; staticData: Buffer; modulusBits: number; publicExponent?: PublicExponent; defect?: CertificateDefect },
): IccCertificate {
  const nI = issuer.key.modulus.length;
  if (options.modulusBits / 8 > nI) throw invalid('The ICC modulus may not be longer than the issuer modulus', { iccBytes: options.modulusBits / 8, issuerBytes: nI });
  if (!/^\d{12,19}$/.test(options.pan)) throw invalid('A PAN is 12 to 19 digits', {});
  const { certificate, remainder, key } = certifyFreshKey(
    issuer.key,
    { format: FORMAT.iccCertificate, identifier: options.pan, identifierBytes: 10, overhead: ICC_CERT_OVERHEAD, hashedAfter: options.staticData },
    options,
  );
  return { certificate, remainder, exponent: Buffer.from(key.exponent), key };
}

/** What sets an issuer certificate (Table 6) and an ICC certificate (Table 14) apart. */
interface CertificateHolder {
  readonly format: number;
  /** The issuer identifier or the PAN, as digits. */
  readonly identifier: string;
  /** Its field's length, padded with F. */
  readonly identifierBytes: number;
  /** Bytes of the signer's modulus the fixed fields take. */
  readonly overhead: number;
  /** What the hash covers after the exponent (the ICC certificate's static data). */
  readonly hashedAfter?: Buffer;
}

/**
 * A fresh key pair certified by `signer` in the layout Tables 6 and 14
 * share: format, identifier, expiry, serial, algorithms and key lengths, the
 * leading modulus bytes (the rest as the remainder), hashed with the
 * remainder and exponent, signed as recovered data.
 */
function certifyFreshKey(
  signer: RsaKeyPair,
  holder: CertificateHolder,
  options: { expiry: string; serial?: Buffer; modulusBits: number; publicExponent?: PublicExponent; defect?: CertificateDefect },
): { certificate: Buffer; remainder: Buffer; key: RsaKeyPair; serial: Buffer } {
  const serial = options.serial ?? randomBytes(3);
  if (serial.length !== 3) throw invalid('A certificate serial number is 3 bytes', { length: serial.length });
  const key = makeRsaKeyPair(options.modulusBits, options.publicExponent);
  const identifier = options.defect === 'identifier' ? otherLeadingDigit(holder.identifier) : holder.identifier;
  const { inCertificate, remainder } = splitModulus(key.modulus, signer.modulus.length - holder.overhead);
  const body = Buffer.concat([
    Buffer.from([holder.format]),
    paddedDigits(identifier, holder.identifierBytes),
    mmyy(options.defect === 'expired' ? EXPIRED_DATE : options.expiry),
    serial,
    Buffer.from([HASH_ALGORITHM_SHA1, PUBLIC_KEY_ALGORITHM_RSA, key.modulus.length, key.exponent.length]),
    inCertificate,
  ]);
  const hash = sha1(body, remainder, key.exponent, holder.hashedAfter ?? Buffer.alloc(0));
  if (options.defect === 'hash') flipFirstBit(hash);
  return { certificate: rsaSign(signer, signedBlock(body, hash)), remainder, key, serial };
}

/** 93 Signed Static Application Data for SDA (Book 2 §5.4 Table 7); the data authentication code becomes 9F45. */
export function signStaticApplicationData(issuer: IssuerCertificate, staticData: Buffer, dataAuthenticationCode: Buffer): Buffer {
  if (dataAuthenticationCode.length !== 2) throw invalid('A data authentication code is 2 bytes', { length: dataAuthenticationCode.length });
  const nI = issuer.key.modulus.length;
  const body = Buffer.concat([
    Buffer.from([FORMAT.signedStaticData, HASH_ALGORITHM_SHA1]),
    dataAuthenticationCode,
    Buffer.alloc(nI - STATIC_DATA_OVERHEAD, PAD_BYTE),
  ]);
  return rsaSign(issuer.key, signedBlock(body, sha1(body, staticData)));
}

/**
 * 9F4B Signed Dynamic Application Data (Book 2 §6.5.1 Table 17). For DDA
 * `iccDynamicData` is the ICC Dynamic Number with its length byte
 * (9F4C: `L ‖ number`) and `terminalDynamicData` the DDOL data; for CDA
 * (§6.6.1 Table 19) it is `L ‖ ICC dynamic number ‖ CID ‖ AC ‖ transaction
 * data hash code` and the terminal's data is the unpredictable number.
 */
export function signDynamicData(icc: IccCertificate | RsaKeyPair, iccDynamicData: Buffer, terminalDynamicData: Buffer): Buffer {
  const key = 'privateKey' in icc ? icc : icc.key;
  const padLength = key.modulus.length - iccDynamicData.length - DYNAMIC_DATA_OVERHEAD;
  if (padLength < 0 || iccDynamicData.length > 0xff) throw invalid('ICC dynamic data does not fit the ICC modulus', { length: iccDynamicData.length, modulusBytes: key.modulus.length });
  const body = Buffer.concat([
    Buffer.from([FORMAT.signedDynamicData, HASH_ALGORITHM_SHA1, iccDynamicData.length]),
    iccDynamicData,
    Buffer.alloc(padLength, PAD_BYTE),
  ]);
  return rsaSign(key, signedBlock(body, sha1(body, terminalDynamicData)));
}

/** `6A ‖ body ‖ hash ‖ BC`. */
function signedBlock(body: Buffer, hash: Buffer): Buffer {
  return Buffer.concat([Buffer.from([RECOVERED_DATA_HEADER]), body, hash, Buffer.from([RECOVERED_DATA_TRAILER])]);
}

/** A modulus in a certificate field of `room` bytes: padded with BB when short, else the leftmost bytes and the rest as the remainder. */
function splitModulus(modulus: Buffer, room: number): { inCertificate: Buffer; remainder: Buffer } {
  if (modulus.length <= room) return { inCertificate: Buffer.concat([modulus, Buffer.alloc(room - modulus.length, PAD_BYTE)]), remainder: Buffer.alloc(0) };
  return { inCertificate: modulus.subarray(0, room), remainder: Buffer.from(modulus.subarray(room)) };
}

/** Digits as compressed numeric (cn), padded right with F to `bytes` bytes. */
function paddedDigits(digits: string, bytes: number): Buffer {
  return Buffer.from(digits.padEnd(bytes * 2, 'F'), 'hex');
}

/** MMYY as two bytes n4. */
function mmyy(expiry: string): Buffer {
  if (!/^(0[1-9]|1[0-2])\d{2}$/.test(expiry)) throw invalid('A certificate expiry is MMYY', { expiry });
  return Buffer.from(expiry, 'hex');
}

function otherLeadingDigit(digits: string): string {
  return `${(Number(digits[0]) + 1) % 10}${digits.slice(1)}`;
}

function flipFirstBit(hash: Buffer): void {
  hash[0] = (hash[0] as number) ^ 0x80;
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function invalid(message: string, details: ErrorDetails): PosError {
  return new PosError('INTERNAL', message, { where: 'simulation-ca', ...details });
}
