import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import { adjustOddParity, checkOddParity, checkTypedTdesKey, hasOddParity, parityErrors } from '../../src/crypto/keys/parity.js';
import { hex, toHexUpper } from './vectors.js';
import { thrown } from '../pos-error.js';

describe('key check values', () => {
  it.each([
    // pyemv tests/test_kd_hsm.py: IMK 0123…3210 has check digits 08D7; openemv/tr31 tests give 3 and 5 bytes.
    ['TDES, pyemv IMK', '0123456789ABCDEFFEDCBA9876543210', 'tdes', 2, '08D7'],
    ['TDES, TR-31:2018 A.7.2.2 key', '3F419E1CB7079442AA37474C2EFBF8B8', 'tdes', 3, '57C409'],
    ['AES, TR-31:2018 A.7.4 key', '3F419E1CB7079442AA37474C2EFBF8B8', 'aes', 3, '08793E'],
    ['AES, X9.143:2021 8.1 key (5 bytes)', '3F419E1CB7079442AA37474C2EFBF8B8', 'aes', 5, '08793E25AB'],
  ] as const)('%s', (_n, key, alg, len, kcv) => {
    expect(toHexUpper(keyCheckValue(hex(key), alg, len))).toBe(kcv);
  });

  it('defaults to 3 bytes for TDES and 5 for AES', () => {
    expect(keyCheckValue(hex('3F419E1CB7079442AA37474C2EFBF8B8'), 'tdes')).toHaveLength(3);
    expect(keyCheckValue(hex('3F419E1CB7079442AA37474C2EFBF8B8'), 'aes')).toHaveLength(5);
  });
});

describe('odd parity', () => {
  it('finds the bytes with even parity', () => {
    expect(parityErrors(hex('0123456789ABCDEF'))).toEqual([]);
    expect(parityErrors(hex('0023456789ABCD00'))).toEqual([0, 7]);
  });

  it('adjusting gives odd parity and changes only the low bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 24 }), (key) => {
        const adjusted = adjustOddParity(key);
        expect(hasOddParity(adjusted)).toBe(true);
        adjusted.forEach((b, i) => {
          expect(b & 0xfe).toBe((key[i] as number) & 0xfe);
        });
      }),
    );
  });

  it('names the bad positions, not the key', () => {
    const err = thrown(() => checkOddParity(hex('0023456789ABCDEF'), '--key'));
    expect(err).toMatchObject({ code: 'CRYPTO_KEY_PARITY', details: { what: '--key', bytes: [0] } });
    expect(err.message).not.toContain('0023');
  });

  describe('a typed TDES key: length before parity', () => {
    // 0x22 has even parity, so every byte of these keys fails the parity check.
    it.each([
      ['24 bytes where 16 are required', 24, [16], { code: 'CRYPTO_KEY_LENGTH', details: { what: '--imk', lengthBytes: 24, expected: [16] } }],
      ['8 bytes where 16 are required', 8, [16], { code: 'CRYPTO_KEY_LENGTH', details: { what: '--imk', lengthBytes: 8, expected: [16] } }],
      ['16 bytes where 16 are required', 16, [16], { code: 'CRYPTO_KEY_PARITY', details: { what: '--imk', bytes: [...Array(16).keys()] } }],
    ])('%s', (_n, lengthBytes, allowed, expected) => {
      expect(thrown(() => checkTypedTdesKey(Buffer.alloc(lengthBytes, 0x22), allowed, '--imk'))).toMatchObject(expected);
    });

    it('accepts a key of an allowed length with odd parity', () => {
      expect(() => checkTypedTdesKey(hex('0123456789ABCDEFFEDCBA9876543210'), [16], '--imk')).not.toThrow();
    });
  });
});
