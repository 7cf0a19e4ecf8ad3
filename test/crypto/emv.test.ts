import { describe, expect, it } from 'vitest';
import { deriveCardMasterKey, type CardKeyOption } from '../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1, generateArpcMethod2, generateArqc, verifyArqc } from '../../src/crypto/emv/cryptogram.js';
import { deriveAcSessionKey, deriveCommonSessionKey, sessionKeyDiversifier } from '../../src/crypto/emv/session-key.js';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import type { PaddingMethod } from '../../src/crypto/mac/padding.js';
import { hex, loadVectors, toHexUpper } from './vectors.js';
import { thrown } from '../pos-error.js';

interface Row {
  id: string;
  pan: string;
  psn: string;
  option: CardKeyOption;
  cardMasterKeyKcv?: string;
  cardMasterKey?: string;
  r: string;
  sessionKeyKcv?: string;
  sessionKey?: string;
  data: string;
  padding: PaddingMethod;
  arqc: string;
  arc?: string;
  arpc1CardMasterKey?: string;
  arpc1SessionKey?: string;
  csu?: string;
  proprietaryAuthData?: string;
  arpc2?: string;
}
const v = loadVectors<{ issuerMasterKey: string; issuerMasterKeyKcv: string; vectors: Row[] }>('crypto-emv.json');
const imk = hex(v.issuerMasterKey);
const kcv2 = (key: Uint8Array) => toHexUpper(keyCheckValue(key, 'tdes', 2));

describe('EMV Book 2 Annex A1 (pyemv HSM-checked examples)', () => {
  it('issuer master key check value', () => {
    expect(kcv2(imk)).toBe(v.issuerMasterKeyKcv);
  });

  it.each(v.vectors.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    const mk = deriveCardMasterKey(imk, r.pan, r.psn, r.option);
    if (r.cardMasterKeyKcv) expect(kcv2(mk)).toBe(r.cardMasterKeyKcv);
    if (r.cardMasterKey) expect(toHexUpper(mk)).toBe(r.cardMasterKey);
    const sk = deriveCommonSessionKey(mk, hex(r.r));
    if (r.sessionKeyKcv) expect(kcv2(sk)).toBe(r.sessionKeyKcv);
    if (r.sessionKey) expect(toHexUpper(sk)).toBe(r.sessionKey);
    // Card side generates, host side verifies.
    expect(toHexUpper(generateArqc(sk, hex(r.data), r.padding))).toBe(r.arqc);
    expect(verifyArqc(sk, hex(r.data), hex(r.arqc), r.padding)).toBe(true);
    if (r.arpc1CardMasterKey) expect(toHexUpper(generateArpcMethod1(mk, hex(r.arqc), hex(r.arc!)))).toBe(r.arpc1CardMasterKey);
    if (r.arpc1SessionKey) expect(toHexUpper(generateArpcMethod1(sk, hex(r.arqc), hex(r.arc!)))).toBe(r.arpc1SessionKey);
    if (r.arpc2) {
      const pad = r.proprietaryAuthData === undefined ? undefined : hex(r.proprietaryAuthData);
      expect(toHexUpper(generateArpcMethod2(sk, hex(r.arqc), hex(r.csu!), pad))).toBe(r.arpc2);
    }
  });

  it('picks option B by itself for PANs longer than 16 digits', () => {
    const r = v.vectors.find((x) => x.option === 'B' && x.pan.length > 16)!;
    expect(deriveCardMasterKey(imk, r.pan, r.psn)).toEqual(deriveCardMasterKey(imk, r.pan, r.psn, 'B'));
    expect(deriveCardMasterKey(imk, r.pan, r.psn)).not.toEqual(deriveCardMasterKey(imk, r.pan, r.psn, 'A'));
  });

  it('rejects an ARQC computed over different data', () => {
    const r = v.vectors[0]!;
    const sk = deriveCommonSessionKey(deriveCardMasterKey(imk, r.pan, r.psn), hex(r.r));
    const tampered = hex(r.data);
    tampered[0] = (tampered[0] as number) ^ 0x01;
    expect(verifyArqc(sk, tampered, hex(r.arqc), r.padding)).toBe(false);
  });
});

describe('AC session key methods', () => {
  const mk = deriveCardMasterKey(imk, '5413330089600010', '00');
  const atc = hex('0001');
  const un = hex('12345678');

  it('EMV common session key uses R = ATC ‖ 000000000000', () => {
    expect(toHexUpper(sessionKeyDiversifier('emv', atc))).toBe('0001000000000000');
    expect(deriveAcSessionKey('emv', mk, atc)).toEqual(deriveCommonSessionKey(mk, hex('0001000000000000')));
  });

  it('Mastercard session key uses R = ATC ‖ 0000 ‖ UN, so it changes with the UN', () => {
    expect(toHexUpper(sessionKeyDiversifier('mastercard', atc, un))).toBe('0001000012345678');
    expect(deriveAcSessionKey('mastercard', mk, atc, un)).toEqual(deriveCommonSessionKey(mk, hex('0001000012345678')));
    expect(deriveAcSessionKey('mastercard', mk, atc, un)).not.toEqual(deriveAcSessionKey('mastercard', mk, atc, hex('12345679')));
  });

  it('"none" uses the card master key itself', () => {
    expect(deriveAcSessionKey('none', mk, atc)).toEqual(mk);
  });

  it.each([
    ['ATC', () => deriveAcSessionKey('emv', mk, hex('01')), { what: 'ATC', lengthBytes: 1 }],
    ['UN', () => deriveAcSessionKey('mastercard', mk, atc), { what: 'unpredictable number', lengthBytes: 0 }],
    ['CSU', () => generateArpcMethod2(mk, hex('0011223344556677'), hex('00')), { what: 'CSU', lengthBytes: 1 }],
  ])('refuses a %s of the wrong length', (_n, fn, details) => {
    const err = thrown(fn);
    expect(err.code).toBe('CRYPTO_INPUT_LENGTH');
    expect(err.details).toMatchObject(details);
  });

  it.each([
    ['24-byte', Buffer.alloc(24, 0x22)],
    ['8-byte', Buffer.alloc(8, 0x22)],
  ])('refuses a %s issuer master key by its length (a double-length key is required), whatever its parity', (_n, key) => {
    const err = thrown(() => deriveCardMasterKey(key, '5413330089600010', '00'));
    expect(err).toMatchObject({ code: 'CRYPTO_KEY_LENGTH', details: { what: 'issuer master key', lengthBytes: key.length, expected: [16] } });
  });

  it('refuses a PAN with a letter, without echoing it', () => {
    const err = thrown(() => deriveCardMasterKey(imk, '54133300896000X0', '00'));
    expect(err.code).toBe('PAN_INVALID');
    expect(err.message).not.toContain('5413');
  });
});
