/**
 * The simulation CA's certificates, recovered with the public key
 * (node:crypto, raw RSA) and read field by field against EMV 4.4 Book 2
 * Tables 6, 7, 14 and 17.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXPIRED_DATE,
  issueIccCertificate,
  issueIssuerCertificate,
  makeSimulationCa,
  rsaRecover,
  signDynamicData,
  signStaticApplicationData,
  type IssuerCertificate,
  type SimulationCa,
} from '../../../hw-mocks/chip-card/simulation-ca.js';

const RID = Buffer.from('A000000999', 'hex');
const PAN = '4761739001010119';
const STATIC_DATA = Buffer.from('5A0847617390010101195F24032812319F0702FF00', 'hex');

function sha1(...parts: Buffer[]): Buffer {
  return createHash('sha1').update(Buffer.concat(parts)).digest();
}

/** Splits a recovered block: header, body, hash, trailer. */
function open(recovered: Buffer): { header: number; body: Buffer; hash: Buffer; trailer: number } {
  return { header: recovered[0]!, body: recovered.subarray(1, recovered.length - 21), hash: recovered.subarray(recovered.length - 21, recovered.length - 1), trailer: recovered.at(-1)! };
}

let ca: SimulationCa;
/** Issuer key shorter than N_CA − 36: padded with BB, no remainder. */
let shortIssuer: IssuerCertificate;
/** Issuer key as long as the CA's: a remainder of 36 bytes. */
let longIssuer: IssuerCertificate;

beforeAll(() => {
  ca = makeSimulationCa({ rid: RID, index: 0x92, modulusBits: 1408 });
  shortIssuer = issueIssuerCertificate(ca, { issuerIdentifier: '476173', expiry: '1230', serial: Buffer.from('000123', 'hex'), modulusBits: 1024 });
  longIssuer = issueIssuerCertificate(ca, { issuerIdentifier: '476173', expiry: '1230', modulusBits: 1408, publicExponent: 65537 });
});

describe('makeSimulationCa', () => {
  it('gives a CAPK whose checksum is SHA-1(RID ‖ index ‖ modulus ‖ exponent)', () => {
    expect(ca.capk.rid).toEqual(RID);
    expect(ca.capk.index).toBe(0x92);
    expect(ca.capk.modulus.length).toBe(176);
    expect(ca.capk.exponent).toEqual(Buffer.from([3]));
    expect(ca.capk.expiry).toBe('2049-12-31');
    expect(ca.capk.checksum).toEqual(sha1(RID, Buffer.from([0x92]), ca.capk.modulus, ca.capk.exponent));
  });

  it('refuses a modulus that is not whole bytes or too long for EMV', () => {
    expect(() => makeSimulationCa({ rid: RID, index: 1, modulusBits: 1001 })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => makeSimulationCa({ rid: RID, index: 1, modulusBits: 2048 })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('issueIssuerCertificate (Book 2 §5.3 Table 6)', () => {
  it('recovers with the CA key, field by field, with the issuer key padded BB', () => {
    const recovered = rsaRecover(ca.capk.modulus, ca.capk.exponent, shortIssuer.certificate);
    expect(recovered.length).toBe(176);
    const { header, body, hash, trailer } = open(recovered);
    expect(header).toBe(0x6a);
    expect(trailer).toBe(0xbc);
    expect(body[0]).toBe(0x02); // certificate format
    expect(body.subarray(1, 5).toString('hex')).toBe('476173ff'); // issuer identifier, padded F
    expect(body.subarray(5, 7).toString('hex')).toBe('1230'); // expiry MMYY
    expect(body.subarray(7, 10).toString('hex')).toBe('000123'); // serial
    expect([...body.subarray(10, 14)]).toEqual([0x01, 0x01, 128, 1]); // hash alg, key alg, N_I, exponent length
    const keyField = body.subarray(14);
    expect(keyField.length).toBe(176 - 36);
    expect(keyField.subarray(0, 128)).toEqual(shortIssuer.key.modulus);
    expect(keyField.subarray(128)).toEqual(Buffer.alloc(176 - 36 - 128, 0xbb));
    expect(shortIssuer.remainder.length).toBe(0);
    expect(shortIssuer.exponent).toEqual(Buffer.from([3]));
    expect(hash).toEqual(sha1(body, shortIssuer.remainder, shortIssuer.exponent));
  });

  it('puts the modulus bytes the certificate cannot hold into the remainder (92)', () => {
    const { body, hash } = open(rsaRecover(ca.capk.modulus, ca.capk.exponent, longIssuer.certificate));
    expect(body[12]).toBe(176);
    expect(body[13]).toBe(3);
    expect(longIssuer.exponent).toEqual(Buffer.from('010001', 'hex'));
    expect(longIssuer.remainder.length).toBe(36);
    expect(Buffer.concat([body.subarray(14), longIssuer.remainder])).toEqual(longIssuer.key.modulus);
    expect(hash).toEqual(sha1(body, longIssuer.remainder, longIssuer.exponent));
  });

  it.each([
    ['hash', (body: Buffer, hash: Buffer, issuer: IssuerCertificate) => expect(hash).not.toEqual(sha1(body, issuer.remainder, issuer.exponent))],
    ['identifier', (body: Buffer) => expect(body.subarray(1, 5).toString('hex')).toBe('576173ff')],
    ['expired', (body: Buffer) => expect(body.subarray(5, 7).toString('hex')).toBe(EXPIRED_DATE)],
  ] as const)('a %s defect is the only thing wrong', (defect, check) => {
    const issuer = issueIssuerCertificate(ca, { issuerIdentifier: '476173', expiry: '1230', modulusBits: 1024, defect });
    const { header, body, hash, trailer } = open(rsaRecover(ca.capk.modulus, ca.capk.exponent, issuer.certificate));
    expect([header, trailer]).toEqual([0x6a, 0xbc]);
    check(body, hash, issuer);
    if (defect !== 'hash') expect(hash).toEqual(sha1(body, issuer.remainder, issuer.exponent));
  });

  it('refuses an issuer key longer than the CA key', () => {
    expect(() => issueIssuerCertificate(ca, { issuerIdentifier: '4761', expiry: '1230', modulusBits: 1416 })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('issueIccCertificate (Book 2 §6.3 Table 14)', () => {
  it.each([
    ['shorter than N_I − 42: padded BB', () => shortIssuer, 512, 0],
    ['as long as the issuer key: a remainder of 42 bytes', () => longIssuer, 1408, 42],
  ] as const)('recovers with the issuer key, %s', (_name, issuerOf, iccBits, remainderBytes) => {
    const issuer = issuerOf();
    const icc = issueIccCertificate(issuer, { pan: PAN, expiry: '1228', serial: Buffer.from('0A0B0C', 'hex'), staticData: STATIC_DATA, modulusBits: iccBits });
    const recovered = rsaRecover(issuer.key.modulus, issuer.exponent, icc.certificate);
    expect(recovered.length).toBe(issuer.key.modulus.length);
    const { header, body, hash, trailer } = open(recovered);
    expect([header, trailer]).toEqual([0x6a, 0xbc]);
    expect(body[0]).toBe(0x04);
    expect(body.subarray(1, 11).toString('hex')).toBe('4761739001010119ffff'); // PAN padded F to 10 bytes
    expect(body.subarray(11, 13).toString('hex')).toBe('1228');
    expect(body.subarray(13, 16).toString('hex')).toBe('0a0b0c');
    expect([...body.subarray(16, 20)]).toEqual([0x01, 0x01, iccBits / 8, 1]);
    expect(icc.remainder.length).toBe(remainderBytes);
    const keyField = body.subarray(20);
    expect(keyField.length).toBe(issuer.key.modulus.length - 42);
    expect(Buffer.concat([keyField, icc.remainder]).subarray(0, iccBits / 8)).toEqual(icc.key.modulus);
    if (remainderBytes === 0) expect(keyField.subarray(iccBits / 8)).toEqual(Buffer.alloc(keyField.length - iccBits / 8, 0xbb));
    expect(hash).toEqual(sha1(body, icc.remainder, icc.exponent, STATIC_DATA));
  });

  it('a hash over other static data does not match (the records changed after personalisation)', () => {
    const icc = issueIccCertificate(shortIssuer, { pan: PAN, expiry: '1228', staticData: STATIC_DATA, modulusBits: 512 });
    const { body, hash } = open(rsaRecover(shortIssuer.key.modulus, shortIssuer.exponent, icc.certificate));
    expect(hash).not.toEqual(sha1(body, icc.remainder, icc.exponent, Buffer.concat([STATIC_DATA, Buffer.from([0])])));
  });

  it('refuses an ICC key longer than the issuer key', () => {
    expect(() => issueIccCertificate(shortIssuer, { pan: PAN, expiry: '1228', staticData: STATIC_DATA, modulusBits: 1152 })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('signStaticApplicationData (Book 2 §5.4 Table 7)', () => {
  it('recovers with the issuer key: format 03, SHA-1, the DAC, BB padding, hash over the static data', () => {
    const signed = signStaticApplicationData(shortIssuer, STATIC_DATA, Buffer.from('DAC1', 'hex'));
    const { header, body, hash, trailer } = open(rsaRecover(shortIssuer.key.modulus, shortIssuer.exponent, signed));
    expect([header, trailer]).toEqual([0x6a, 0xbc]);
    expect([...body.subarray(0, 4)]).toEqual([0x03, 0x01, 0xda, 0xc1]);
    expect(body.subarray(4)).toEqual(Buffer.alloc(128 - 26, 0xbb));
    expect(hash).toEqual(sha1(body, STATIC_DATA));
  });
});

describe('signDynamicData (Book 2 §6.5.1 Table 17)', () => {
  it('recovers with the ICC key: format 05, L_DD, the ICC dynamic data, BB padding, hash with the terminal data', () => {
    const icc = issueIccCertificate(shortIssuer, { pan: PAN, expiry: '1228', staticData: STATIC_DATA, modulusBits: 768 });
    const iccDynamic = Buffer.from('0411223344', 'hex');
    const terminalDynamic = Buffer.from('CAFEBABE', 'hex');
    for (const signer of [icc, icc.key]) {
      const signed = signDynamicData(signer, iccDynamic, terminalDynamic);
      const { header, body, hash, trailer } = open(rsaRecover(icc.key.modulus, icc.exponent, signed));
      expect([header, trailer]).toEqual([0x6a, 0xbc]);
      expect([...body.subarray(0, 3)]).toEqual([0x05, 0x01, 5]);
      expect(body.subarray(3, 8)).toEqual(iccDynamic);
      expect(body.subarray(8)).toEqual(Buffer.alloc(96 - 5 - 25, 0xbb));
      expect(hash).toEqual(sha1(body, terminalDynamic));
    }
  });
});
