/**
 * The long-lived key objects a host uses on every request — `TdesEcbKey`,
 * `RetailMacKey`, `TdesDukptHost` — must give exactly what the one-shot
 * functions give, on published vectors and on random input, however calls
 * are interleaved (the MAC key carries a CBC chaining value between calls).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tdesEcb } from '../../src/crypto/cipher/des.js';
import { TdesEcbKey, tdesEcbUnder } from '../../src/crypto/cipher/tdes-key.js';
import { deriveTdesIpek, deriveTdesKeyFromBdk, TDES_KEY_USAGES, TdesDukptHost } from '../../src/crypto/dukpt/tdes.js';
import { withTdesCounter } from '../../src/crypto/dukpt/tdes-ksn.js';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { macIso9797Alg3 } from '../../src/crypto/mac/iso9797.js';
import type { PaddingMethod } from '../../src/crypto/mac/padding.js';
import { RetailMacKey } from '../../src/crypto/mac/retail-mac-key.js';
import { hex, loadVectors, toHexUpper, type DesMacVector } from './vectors.js';
import { thrown } from '../pos-error.js';

type DesMac = DesMacVector;
const macVectors = loadVectors<{ iso9797Alg3: DesMac[] }>('crypto-mac.json');
const dukpt = loadVectors<{ bdk: string; initialKsn: string; ipek: string; vectors: { ksn: string; pinKey?: string }[] }>('crypto-dukpt-tdes.json');

const bytes = (min: number, max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const blocks = fc.integer({ min: 1, max: 6 }).chain((n) => bytes(8 * n, 8 * n));
const padding = fc.constantFrom<PaddingMethod>(1, 2);

describe('TdesEcbKey', () => {
  it('enciphers and deciphers as tdesEcb does, for single, double and triple length keys, call after call', () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 16, 24).chain((n) => bytes(n, n)), fc.array(blocks, { minLength: 1, maxLength: 5 }), (key, inputs) => {
        const held = new TdesEcbKey(key);
        for (const data of inputs) {
          expect(held.encrypt(data)).toEqual(tdesEcb(key, data));
          expect(held.decrypt(data)).toEqual(tdesEcb(key, data, 'decrypt'));
          expect(tdesEcbUnder(held, data)).toEqual(tdesEcbUnder(key, data));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps working after the caller wipes its key buffer', () => {
    const key = hex('0123456789ABCDEFFEDCBA9876543210');
    const expected = tdesEcb(key, Buffer.alloc(8));
    const held = new TdesEcbKey(key);
    key.fill(0);
    expect(held.encrypt(Buffer.alloc(8))).toEqual(expected);
  });

  it.each([
    ['a key of the wrong length', () => new TdesEcbKey(Buffer.alloc(10)), 'CRYPTO_KEY_LENGTH', { what: 'TDES key', lengthBytes: 10 }],
    ['data that is not whole blocks', () => new TdesEcbKey(Buffer.alloc(16)).encrypt(Buffer.alloc(12)), 'CRYPTO_INPUT_LENGTH', { lengthBytes: 12 }],
    ['no data', () => new TdesEcbKey(Buffer.alloc(16)).decrypt(Buffer.alloc(0)), 'CRYPTO_INPUT_LENGTH', { lengthBytes: 0 }],
  ])('refuses %s', (_name, fn, code, details) => {
    const err = thrown(fn);
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });

  it('a held issuer master key derives the same card master key as its bytes', () => {
    const imk = hex('0123456789ABCDEFFEDCBA9876543210');
    expect(deriveCardMasterKey(new TdesEcbKey(imk), '4761739001010010', '01', 'A')).toEqual(deriveCardMasterKey(imk, '4761739001010010', '01', 'A'));
  });

  it('the data after a refused call is still enciphered from a clean state', () => {
    const held = new TdesEcbKey(hex('0123456789ABCDEFFEDCBA9876543210'));
    thrown(() => held.encrypt(Buffer.alloc(5)));
    expect(held.encrypt(Buffer.alloc(8))).toEqual(tdesEcb(hex('0123456789ABCDEFFEDCBA9876543210'), Buffer.alloc(8)));
  });
});

describe('RetailMacKey (ISO/IEC 9797-1 algorithm 3 under a held key)', () => {
  it.each(macVectors.iso9797Alg3.map((r) => [r.id, r] as const))('published vector %s', (_id, r) => {
    const key = new RetailMacKey(hex(r.key));
    const data = Buffer.from(r.dataAscii, 'latin1');
    // Twice: the second call runs on the chaining value the first left behind.
    expect(toHexUpper(key.mac(data, r.padding))).toBe(r.mac);
    expect(toHexUpper(key.mac(data, r.padding))).toBe(r.mac);
    expect(key.verify(data, hex(r.mac.slice(0, 8)), r.padding)).toBe(true);
  });

  it('agrees with the one-shot MAC on any sequence of messages of any length', () => {
    fc.assert(
      fc.property(bytes(16, 16), fc.array(fc.tuple(bytes(0, 70), padding), { minLength: 1, maxLength: 8 }), (key, messages) => {
        const held = new RetailMacKey(key);
        for (const [data, method] of messages) {
          const expected = macIso9797Alg3(key, data, method);
          expect(held.mac(data, method)).toEqual(expected);
          expect(held.verify(data, expected.subarray(0, 4), method)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a MAC with one bit flipped, and a MAC shorter than 4 bytes', () => {
    const key = new RetailMacKey(hex('0123456789ABCDEFFEDCBA9876543210'));
    const data = Buffer.from('a message of some forty bytes or so ...', 'latin1');
    const mac = key.mac(data);
    const flipped = Buffer.from(mac);
    flipped[7] = (flipped[7] as number) ^ 0x01;
    expect(key.verify(data, flipped)).toBe(false);
    expect(key.verify(data, mac.subarray(0, 3))).toBe(false);
    expect(key.verify(data, mac)).toBe(true);
  });

  it.each([
    ['a key that is not 16 bytes', () => new RetailMacKey(Buffer.alloc(8)), 'CRYPTO_KEY_LENGTH', { what: 'retail MAC key', lengthBytes: 8 }],
    ['an unknown padding method', () => new RetailMacKey(Buffer.alloc(16)).mac(Buffer.alloc(8), 3 as PaddingMethod), 'CRYPTO_OPTION_INVALID', { what: 'padding method' }],
  ])('refuses %s', (_name, fn, code, details) => {
    const err = thrown(fn);
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });
});

describe('TdesDukptHost (the host side for one BDK)', () => {
  const host = new TdesDukptHost(hex(dukpt.bdk));

  it('derives the published initial key', () => {
    expect(toHexUpper(host.initialKey(hex(dukpt.initialKsn)))).toBe(dukpt.ipek);
  });

  it.each(dukpt.vectors.filter((r) => r.pinKey !== undefined).map((r) => [r.ksn, r] as const))('%s: the published PIN key', (_ksn, r) => {
    expect(toHexUpper(host.workingKey(hex(r.ksn), 'pin'))).toBe(r.pinKey);
  });

  it('agrees with the one-shot derivation for any device, counter and usage', () => {
    fc.assert(
      fc.property(bytes(10, 10), fc.integer({ min: 1, max: 0x1fffff }), fc.constantFrom(...TDES_KEY_USAGES), (ksnBase, counter, usage) => {
        fc.pre(counter.toString(2).replace(/0/g, '').length <= 10);
        const ksn = withTdesCounter(ksnBase, counter);
        expect(host.initialKey(ksn)).toEqual(deriveTdesIpek(hex(dukpt.bdk), ksn));
        expect(host.workingKey(ksn, usage)).toEqual(deriveTdesKeyFromBdk(hex(dukpt.bdk), ksn, usage));
      }),
      { numRuns: 80 },
    );
  });

  it('refuses a BDK of the wrong length and a KSN of the wrong length, as the one-shot calls do', () => {
    expect(thrown(() => new TdesDukptHost(Buffer.alloc(24)))).toMatchObject({ code: 'CRYPTO_KEY_LENGTH', details: { what: 'BDK', lengthBytes: 24 } });
    expect(thrown(() => host.workingKey(hex('FFFF98'), 'pin'))).toMatchObject({ code: 'CRYPTO_INPUT_LENGTH', details: { what: 'KSN', lengthBytes: 3 } });
  });
});
