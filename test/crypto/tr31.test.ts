import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import type { Tr31Header, Tr31OptionalBlock } from '../../src/crypto/tr31/header.js';
import { TR31_USES, deriveTr31Keys, unwrapTr31, wrapTr31 } from '../../src/crypto/tr31/key-block.js';
import { aesCbc } from '../../src/crypto/cipher/aes.js';
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { hex, loadVectors, toHexUpper } from './vectors.js';
import { thrown } from '../pos-error.js';

interface Row {
  id: string;
  kbpk: string;
  keyBlock: string;
  key: string;
  kcv?: string;
  padding?: string;
  header: Omit<Tr31Header, 'optionalBlocks'>;
  optionalBlocks?: Tr31OptionalBlock[];
}
const v = loadVectors<{ vectors: Row[] }>('crypto-tr31.json');

/** The padding a published block used, read back with the derived KBEK (for the wrap direction). */
function paddingOf(r: Row): string {
  const version = r.header.versionId as 'B' | 'D';
  const macChars = version === 'B' ? 16 : 32;
  const headerChars = 16 + (r.optionalBlocks ?? []).reduce((n, b) => n + 4 + b.data.length, 0);
  const body = hex(r.keyBlock.slice(headerChars, -macChars));
  const iv = hex(r.keyBlock.slice(-macChars));
  const { kbek } = deriveTr31Keys(version, hex(r.kbpk));
  const clear = version === 'B' ? tdesCbc(kbek, iv, body, 'decrypt') : aesCbc(kbek, iv, body, 'decrypt');
  return toHexUpper(clear.subarray(2 + r.key.length / 2));
}

describe('TR-31 / X9.143 key blocks, published examples', () => {
  it.each(v.vectors.map((r) => [r.id, r] as const))('%s: unwraps to the key and header', (_id, r) => {
    const { header, key } = unwrapTr31(hex(r.kbpk), r.keyBlock);
    expect(toHexUpper(key)).toBe(r.key);
    expect(header).toEqual({ ...r.header, optionalBlocks: r.optionalBlocks ?? [] });
    if (r.kcv) {
      const algorithm = r.header.algorithm === 'A' ? 'aes' : 'tdes';
      expect(toHexUpper(keyCheckValue(key, algorithm, r.kcv.length / 2))).toBe(r.kcv);
    }
  });

  it.each(v.vectors.map((r) => [r.id, r] as const))('%s: wraps back to the same block with the same padding', (_id, r) => {
    const padding = r.padding ?? paddingOf(r);
    const header = { ...r.header, optionalBlocks: r.optionalBlocks ?? [] };
    // Key data = 2-byte length + key + padding, so this cover length reproduces the published size.
    const maskedKeyLengthBytes = r.key.length / 2 + padding.length / 2 - 2;
    const block = wrapTr31(hex(r.kbpk), header, hex(r.key), { padding, maskedKeyLengthBytes });
    expect(block).toBe(r.keyBlock);
  });
});

describe('TR-31 KBEK and KBMK derivation', () => {
  it.each([
    ['B', 16],
    ['B', 24],
    ['D', 16],
    ['D', 24],
    ['D', 32],
  ] as const)('version %s with a %i-byte KBPK derives keys of the KBPK length', (version, kbpkBytes) => {
    const { kbek, kbmk } = deriveTr31Keys(version, Buffer.alloc(kbpkBytes, 0x5a));
    expect([kbek.length, kbmk.length]).toEqual([kbpkBytes, kbpkBytes]);
  });

  it('TR-31:2018 A.7.4 (AES-256 KBPK) gives the KBEK and KBAK openemv/tr31 test/tr31_crypto_test.c publishes', () => {
    const r = v.vectors.find((x) => x.id === 'TR-31:2018 A.7.4')!;
    const { kbek, kbmk } = deriveTr31Keys('D', hex(r.kbpk));
    expect(toHexUpper(kbek)).toBe('396C9382A6E2E66A088774E1D6E46541F5EAD67D7204F8DD0D7AE8FDA334D3AC');
    expect(toHexUpper(kbmk)).toBe('4EF24317696213840451890756757E573E0673483888F9B7F9B7517827F95022');
  });
});

describe('TR-31 refusals', () => {
  const r = v.vectors.find((x) => x.id === 'TR-31:2018 A.7.4')!;

  it('refuses a wrong KBPK', () => {
    const wrong = hex(r.kbpk);
    wrong[0] = (wrong[0] as number) ^ 0x01;
    const err = thrown(() => unwrapTr31(wrong, r.keyBlock));
    expect(err).toMatchObject({ code: 'TR31_MAC_MISMATCH', details: { versionId: 'D' } });
  });

  it('refuses any altered character of the header, key data or MAC', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: r.keyBlock.length - 1 }), (at) => {
        const c = r.keyBlock[at]!;
        const replacement = c === 'A' ? 'B' : 'A';
        const tampered = r.keyBlock.slice(0, at) + replacement + r.keyBlock.slice(at + 1);
        const err = thrown(() => unwrapTr31(hex(r.kbpk), tampered));
        expect(['TR31_MAC_MISMATCH', 'TR31_HEADER_INVALID', 'TR31_UNSUPPORTED']).toContain(err.code);
        expect(err.message).not.toContain(r.key);
      }),
    );
  });

  it('refuses a header that does not allow the use', () => {
    const err = thrown(() => unwrapTr31(hex(r.kbpk), r.keyBlock, TR31_USES.pinDecrypt));
    expect(err.code).toBe('TR31_USE_NOT_ALLOWED');
    expect(err.details).toEqual({ field: 'modeOfUse', value: 'E', allowed: ['D', 'B'] });
    expect(unwrapTr31(hex(r.kbpk), r.keyBlock, TR31_USES.pinEncrypt).key).toEqual(hex(r.key));
  });

  it('refuses a BDK block used as a PIN key', () => {
    const bdkBlock = v.vectors.find((x) => x.header.keyUsage === 'B0' && x.header.versionId === 'B')!;
    expect(unwrapTr31(hex(bdkBlock.kbpk), bdkBlock.keyBlock, TR31_USES.bdk).key).toEqual(hex(bdkBlock.key));
    const err = thrown(() => unwrapTr31(hex(bdkBlock.kbpk), bdkBlock.keyBlock, TR31_USES.pinEncrypt));
    expect(err.details).toMatchObject({ field: 'keyUsage', value: 'B0' });
  });

  it.each([
    ['version A', 'A0072P0TE00E0000F5161ED902807AF26F1D62263644BD24192FDB3193C730301CEE8701', 'TR31_UNSUPPORTED', { versionId: 'A' }],
    ['a length that does not match', 'D0113P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34', 'TR31_HEADER_INVALID', { reason: 'length mismatch' }],
    ['a short header', 'D0010P0AE', 'TR31_HEADER_INVALID', { reason: 'shorter than 16 characters' }],
    ['a bad optional block count', 'B0016P0TE00N0X00', 'TR31_HEADER_INVALID', { reason: 'number of optional blocks is not 2 digits' }],
  ])('refuses %s', (_n, block, code, details) => {
    const err = thrown(() => unwrapTr31(hex(r.kbpk), block));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });
});

describe('TR-31 wrap → unwrap (fast-check)', () => {
  it.each([
    ['B', 16, 16],
    ['B', 24, 24],
    ['D', 16, 16],
    ['D', 24, 24],
    ['D', 32, 32],
    ['D', 32, 24],
  ] as const)('version %s, KBPK %i bytes, key %i bytes', (versionId, kbpkBytes, keyBytes) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: kbpkBytes, maxLength: kbpkBytes }),
        fc.uint8Array({ minLength: keyBytes, maxLength: keyBytes }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(fc.stringMatching(/^[0-9A-F]{1,20}$/), { nil: undefined }),
        (kbpk, key, seed, ks) => {
          const header: Tr31Header = {
            versionId: versionId,
            keyUsage: 'P0',
            algorithm: versionId === 'D' ? 'A' : 'T',
            modeOfUse: 'E',
            keyVersionNumber: '00',
            exportability: 'E',
            optionalBlocks: ks === undefined ? [] : [{ id: 'KS', data: ks }],
          };
          const block = wrapTr31(kbpk, header, key, { padding: (n) => seed.subarray(0, n) });
          const out = unwrapTr31(kbpk, block);
          expect(out.key).toEqual(Buffer.from(key));
          expect(out.header.optionalBlocks.filter((b) => b.id !== 'PB')).toEqual(header.optionalBlocks);
        },
      ),
      { numRuns: 40 },
    );
  });
});
