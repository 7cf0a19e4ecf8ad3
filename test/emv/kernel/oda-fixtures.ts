/**
 * Certificate chains for the ODA tests: a simulation CA, an issuer and an
 * ICC key (hw-mocks/chip-card/simulation-ca.ts), and block builders written
 * from EMV 4.4 Book 2 Tables 6, 7, 14 and 17 whose every field can be set
 * wrong, so each test breaks exactly one check.
 *
 *   Table 6  (N_CA): 6A 02 [issuer id 4][MMYY 2][serial 3][hash alg][pk alg][N_I][exp len][key N_CA−36][hash 20] BC
 *   Table 14 (N_I):  6A 04 [PAN 10][MMYY 2][serial 3][hash alg][pk alg][N_IC][exp len][key N_I−42][hash 20] BC
 *   Table 7  (N_I):  6A 03 [hash alg][DAC 2][BB × N_I−26][hash 20] BC
 *   Table 17 (N_IC): 6A 05 [hash alg][L_DD][ICC dynamic data][BB × N_IC−L_DD−25][hash 20] BC
 */
import { createHash } from 'node:crypto';
import {
  makeRsaKeyPair,
  makeSimulationCa,
  rsaSign,
  type PublicExponent,
  type RsaKeyPair,
  type SimulationCa,
} from '../../../hw-mocks/chip-card/simulation-ca.js';
import type { KernelContext } from '../../../src/emv/kernel/context.js';

export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** A test PAN (cn, 16 digits) and its issuer identifier. */
export const TEST_PAN = '4111111111111111';
export const ISSUER_IDENTIFIER = '411111';
/** 5A as the card sends it. */
export const PAN_5A = hex(TEST_PAN);
/** The RID of the fixtures' AID (A0000000031010) and the simulation CA's index. */
export const RID = hex('A000000003');
export const CA_INDEX = 0xe5;
/** Valid until December 2030; the tests' clock says March 2026. */
export const CERT_EXPIRY = '1230';
export const ISSUER_SERIAL = hex('00A1B2');
/** Records marked for ODA as read-records hands them over (template values). */
export const STATIC_DATA = hex('5A08 4111111111111111 5F24 03 301231 9F07 02 FF00');
export const DATA_AUTHENTICATION_CODE = hex('DAC1');

const sha1 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Digits as cn, padded right with F to `bytes` bytes. */
export function cn(digits: string, bytes: number): Buffer {
  return hex(digits.padEnd(bytes * 2, 'F'));
}

/** The generic Book 2 block: header ‖ body ‖ SHA-1(body ‖ hashed after) ‖ trailer, signed with `signer`. */
export interface BlockOptions {
  readonly header?: number;
  readonly trailer?: number;
  /** Flip a bit of the hash result. */
  readonly badHash?: boolean;
}

export function signBlock(signer: RsaKeyPair, body: Buffer, hashedAfter: readonly Uint8Array[], options: BlockOptions = {}): Buffer {
  const hash = sha1(body, ...hashedAfter);
  if (options.badHash === true) hash[0] = (hash[0] as number) ^ 0x80;
  const block = Buffer.concat([Buffer.from([options.header ?? 0x6a]), body, hash, Buffer.from([options.trailer ?? 0xbc])]);
  return rsaSign(signer, block);
}

/** Fields of Tables 6 and 14 a test may set wrong. */
export interface CertificateFields extends BlockOptions {
  readonly format?: number;
  /** Issuer identifier (Table 6) or PAN (Table 14) digits. */
  readonly identifier?: string;
  readonly expiry?: string;
  readonly serial?: Buffer;
  readonly hashAlgorithm?: number;
  readonly publicKeyAlgorithm?: number;
  /** The key length byte, when it should lie. */
  readonly keyLength?: number;
  /** The exponent length byte, when it should lie. */
  readonly exponentLength?: number;
  /** What the hash covers after the exponent (Table 14: the static data). */
  readonly hashedAfter?: readonly Uint8Array[];
  /** A remainder other than the modulus bytes that did not fit (hashed and returned as given). */
  readonly remainder?: Buffer;
  /** An exponent other than the owner key's (hashed, counted and returned as given). */
  readonly exponent?: Buffer;
}

export interface Certificate {
  readonly certificate: Buffer;
  /** The modulus bytes that did not fit; empty when none. */
  readonly remainder: Buffer;
  readonly exponent: Buffer;
}

function certificate(signer: RsaKeyPair, owner: RsaKeyPair, layout: { format: number; identifierBytes: number; overhead: number }, identifier: string, fields: CertificateFields): Certificate {
  const room = signer.modulus.length - layout.overhead;
  const fits = owner.modulus.length <= room;
  const keyField = fits ? Buffer.concat([owner.modulus, Buffer.alloc(room - owner.modulus.length, 0xbb)]) : owner.modulus.subarray(0, room);
  const remainder = fields.remainder ?? (fits ? Buffer.alloc(0) : Buffer.from(owner.modulus.subarray(room)));
  const exponent = fields.exponent ?? owner.exponent;
  const body = Buffer.concat([
    Buffer.from([fields.format ?? layout.format]),
    cn(fields.identifier ?? identifier, layout.identifierBytes),
    hex(fields.expiry ?? CERT_EXPIRY),
    fields.serial ?? ISSUER_SERIAL,
    Buffer.from([fields.hashAlgorithm ?? 0x01, fields.publicKeyAlgorithm ?? 0x01, fields.keyLength ?? owner.modulus.length, fields.exponentLength ?? exponent.length]),
    keyField,
  ]);
  return { certificate: signBlock(signer, body, [remainder, exponent, ...(fields.hashedAfter ?? [])], fields), remainder, exponent: Buffer.from(exponent) };
}

/** Table 6: the issuer key certified by the CA. */
export function issuerCertificate(ca: RsaKeyPair, issuer: RsaKeyPair, fields: CertificateFields = {}): Certificate {
  return certificate(ca, issuer, { format: 0x02, identifierBytes: 4, overhead: 36 }, ISSUER_IDENTIFIER, fields);
}

/** Table 14: the ICC key certified by the issuer, the hash covering the static data. */
export function iccCertificate(issuer: RsaKeyPair, icc: RsaKeyPair, fields: CertificateFields = {}): Certificate {
  return certificate(issuer, icc, { format: 0x04, identifierBytes: 10, overhead: 42 }, TEST_PAN, { hashedAfter: [STATIC_DATA], ...fields });
}

/** Table 7: Signed Static Application Data over the static data. */
export function signedStaticData(issuer: RsaKeyPair, fields: BlockOptions & { format?: number; hashAlgorithm?: number; staticData?: Buffer } = {}): Buffer {
  const body = Buffer.concat([Buffer.from([fields.format ?? 0x03, fields.hashAlgorithm ?? 0x01]), DATA_AUTHENTICATION_CODE, Buffer.alloc(issuer.modulus.length - 26, 0xbb)]);
  return signBlock(issuer, body, [fields.staticData ?? STATIC_DATA], fields);
}

/** Table 17: Signed Dynamic Application Data over `terminalData` (DDOL data for DDA, the unpredictable number for CDA). */
export function signedDynamicData(icc: RsaKeyPair, iccDynamicData: Buffer, terminalData: Buffer, fields: BlockOptions & { format?: number; hashAlgorithm?: number; dynamicLength?: number } = {}): Buffer {
  const body = Buffer.concat([
    Buffer.from([fields.format ?? 0x05, fields.hashAlgorithm ?? 0x01, fields.dynamicLength ?? iccDynamicData.length]),
    iccDynamicData,
    Buffer.alloc(icc.modulus.length - iccDynamicData.length - 25, 0xbb),
  ]);
  return signBlock(icc, body, [terminalData], fields);
}

export interface Chain {
  readonly ca: SimulationCa;
  readonly issuer: RsaKeyPair;
  readonly icc: RsaKeyPair;
}

const chains = new Map<string, Chain>();

/**
 * A CA, issuer and ICC key of the sizes given (made once per size and
 * exponent: RSA key generation is the slow part of these tests). The
 * defaults give both remainders: N_I > N_CA − 36 and N_IC > N_I − 42.
 */
export function chain(options: { caBits?: number; issuerBits?: number; iccBits?: number; exponent?: PublicExponent } = {}): Chain {
  const { caBits = 1024, issuerBits = 1024, iccBits = 768, exponent = 3 } = options;
  const key = `${caBits}/${issuerBits}/${iccBits}/${exponent}`;
  const known = chains.get(key);
  if (known !== undefined) return known;
  const made: Chain = {
    ca: makeSimulationCa({ rid: RID, index: CA_INDEX, modulusBits: caBits, publicExponent: exponent }),
    issuer: makeRsaKeyPair(issuerBits, exponent),
    icc: makeRsaKeyPair(iccBits, exponent),
  };
  chains.set(key, made);
  return made;
}

/** Stores data objects as the card's (the way read-records leaves them). */
export function giveCard(ctx: KernelContext, objects: Readonly<Record<string, Buffer | undefined>>): void {
  for (const [tag, value] of Object.entries(objects)) if (value !== undefined) ctx.data.set(tag, value, 'card');
}

/** AIP byte 1 for each method (Book 3 Annex C1), byte 2 zero. */
export const AIP = { sda: hex('4000'), dda: hex('2000'), cda: hex('0100'), none: hex('0000') } as const;
