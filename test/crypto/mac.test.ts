import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cmac, verifyCmac } from '../../src/crypto/mac/cmac.js';
import { macIso9797Alg1, macIso9797Alg3, verifyIso9797Alg1, verifyIso9797Alg3 } from '../../src/crypto/mac/iso9797.js';
import { pad, type PaddingMethod } from '../../src/crypto/mac/padding.js';
import { hex, loadVectors, toHexUpper, type DesMacVector } from './vectors.js';
import { thrown } from '../pos-error.js';

type DesMac = DesMacVector;
interface Cmac {
  id: string;
  key: string;
  message: string;
  mac: string;
}
const v = loadVectors<{
  iso9797Alg1: DesMac[];
  iso9797Alg3: DesMac[];
  padding: { data: string; method: PaddingMethod; blockBytes: number; padded: string }[];
  cmacAes: Cmac[];
  cmacTdes: Cmac[];
}>('crypto-mac.json');

describe('ISO/IEC 9797-1 padding', () => {
  it.each(v.padding.map((r) => [`method ${r.method} of "${r.data}" (${r.blockBytes}-byte blocks)`, r] as const))('%s', (_n, r) => {
    expect(toHexUpper(pad(hex(r.data), r.method, r.blockBytes))).toBe(r.padded);
  });
});

describe('ISO/IEC 9797-1 MAC algorithms 1 and 3', () => {
  it.each(v.iso9797Alg1.map((r) => [r.id, r] as const))('algorithm 1, %s', (_id, r) => {
    const data = Buffer.from(r.dataAscii, 'latin1');
    expect(toHexUpper(macIso9797Alg1(hex(r.key), data, r.padding))).toBe(r.mac);
    expect(verifyIso9797Alg1(hex(r.key), data, hex(r.mac), r.padding)).toBe(true);
  });

  it.each(v.iso9797Alg3.map((r) => [r.id, r] as const))('algorithm 3 (X9.19 retail), %s', (_id, r) => {
    const data = Buffer.from(r.dataAscii, 'latin1');
    expect(toHexUpper(macIso9797Alg3(hex(r.key), data, r.padding))).toBe(r.mac);
    expect(verifyIso9797Alg3(hex(r.key), data, hex(r.mac), r.padding)).toBe(true);
    expect(verifyIso9797Alg3(hex(r.key), data, hex(r.mac.slice(0, 8)), r.padding)).toBe(true);
  });

  it('refuses a retail MAC key that is not 16 bytes', () => {
    const err = thrown(() => macIso9797Alg3(hex('0123456789ABCDEF'), Buffer.from('x')));
    expect(err).toMatchObject({ code: 'CRYPTO_KEY_LENGTH', details: { what: 'retail MAC key', lengthBytes: 8 } });
  });
});

describe('CMAC (NIST SP 800-38B)', () => {
  it.each(v.cmacAes.map((r) => [r.id, r] as const))('AES, %s', (_id, r) => {
    expect(toHexUpper(cmac('aes', hex(r.key), hex(r.message)))).toBe(r.mac);
    expect(verifyCmac('aes', hex(r.key), hex(r.message), hex(r.mac))).toBe(true);
  });

  it.each(v.cmacTdes.map((r) => [r.id, r] as const))('TDES, %s', (_id, r) => {
    expect(toHexUpper(cmac('tdes', hex(r.key), hex(r.message)))).toBe(r.mac);
    expect(verifyCmac('tdes', hex(r.key), hex(r.message), hex(r.mac))).toBe(true);
  });
});

describe('MAC verification rejects any one-bit change (fast-check)', () => {
  const tdesKey = hex('0123456789ABCDEFFEDCBA9876543210');
  const aesKey = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const cases = [
    ['X9.19', (d: Uint8Array) => macIso9797Alg3(tdesKey, d, 1), (d: Uint8Array, m: Uint8Array) => verifyIso9797Alg3(tdesKey, d, m, 1)],
    ['ISO 9797-1 alg 1, padding 2', (d: Uint8Array) => macIso9797Alg1(tdesKey, d, 2), (d: Uint8Array, m: Uint8Array) => verifyIso9797Alg1(tdesKey, d, m, 2)],
    ['AES-CMAC', (d: Uint8Array) => cmac('aes', aesKey, d), (d: Uint8Array, m: Uint8Array) => verifyCmac('aes', aesKey, d, m)],
  ] as const;

  it.each(cases)('%s: a flipped bit in the data or in the MAC fails', (_name, generate, verify) => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.boolean(), (data, bitSeed, inMac) => {
        const mac = generate(data);
        expect(verify(data, mac)).toBe(true);
        const target = inMac ? Buffer.from(mac) : Buffer.from(data);
        const bit = bitSeed % (target.length * 8);
        target[bit >> 3] = (target[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(inMac ? verify(data, target) : verify(target, mac)).toBe(false);
      }),
    );
  });
});
