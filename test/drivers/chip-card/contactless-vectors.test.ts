/**
 * Published vectors for the contactless cards' cryptography
 * (test/vectors/contactless-cryptograms.json, each row with its source):
 * the CVC3 of mag-stripe mode, and the key and MAC rules the contactless
 * cryptogram versions share with published Visa CVNs.
 */
import { describe, expect, it } from 'vitest';
import { deriveCardMasterKey } from '../../../src/crypto/emv/card-master-key.js';
import { generateArqc } from '../../../src/crypto/emv/cryptogram.js';
import { keyCheckValue } from '../../../src/crypto/keys/kcv.js';
import { computeCvc3, ivCvc3 } from '../../../hw-mocks/chip-card/contactless-magstripe.js';
import { acSessionKey, CRYPTOGRAM_VERSIONS, type CryptogramVersionName } from '../../../hw-mocks/chip-card/cryptogram-versions.js';
import { hex, loadVectors, toHexUpper } from '../../crypto/vectors.js';

interface Cvc3Row {
  id: string;
  issuerCvc3Key: string;
  pan: string;
  psn: string;
  iccKeyKcv: string;
  track2Data: string;
  atc: string;
  unpredictableNumber: string;
  cvc3: number;
}
interface CryptogramRow {
  id: string;
  issuerMasterKey: string;
  pan: string;
  psn: string;
  cardMasterKeyKcv: string;
  sessionKeyMethod: 'none' | 'emv';
  atc: string;
  unpredictableNumber: string;
  sessionKeyKcv: string;
  data: string;
  padding: 1 | 2;
  arqc: string;
}
const v = loadVectors<{ cvc3: Cvc3Row[]; cryptograms: CryptogramRow[] }>('contactless-cryptograms.json');
const kcv2 = (key: Uint8Array): string => toHexUpper(keyCheckValue(key, 'tdes', 2));
const spaced = (text: string): Buffer => hex(text.replace(/\s+/g, ''));

describe('CVC3 (Track2), Book C-2 mag-stripe mode', () => {
  it.each(v.cvc3.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    const key = deriveCardMasterKey(hex(r.issuerCvc3Key), r.pan, r.psn, 'A');
    expect(kcv2(key)).toBe(r.iccKeyKcv);
    const iv = ivCvc3(key, hex(r.track2Data));
    expect(computeCvc3(key, iv, hex(r.unpredictableNumber), hex(r.atc))).toBe(r.cvc3);
  });

  it('another ATC or UN gives another CVC3 (the code is dynamic)', () => {
    const r = v.cvc3[0]!;
    const key = deriveCardMasterKey(hex(r.issuerCvc3Key), r.pan, r.psn, 'A');
    const iv = ivCvc3(key, hex(r.track2Data));
    expect(computeCvc3(key, iv, hex(r.unpredictableNumber), hex('005F'))).not.toBe(r.cvc3);
    expect(computeCvc3(key, iv, hex('00000900'), hex(r.atc))).not.toBe(r.cvc3);
  });

  it('refuses inputs of the wrong size with CRYPTO_INPUT_LENGTH', () => {
    const key = Buffer.alloc(16, 1);
    expect(() => computeCvc3(key, Buffer.alloc(2), Buffer.alloc(3), Buffer.alloc(2))).toThrow(expect.objectContaining({ code: 'CRYPTO_INPUT_LENGTH' }));
  });
});

/** The contactless version that shares each published row's key derivation and padding. */
const SHARED: Readonly<Record<CryptogramRow['sessionKeyMethod'], CryptogramVersionName>> = { none: 'visa-cvn17', emv: 'mastercard-cvn15' };

describe('the contactless cryptogram versions compute their AC by published rules', () => {
  it.each(v.cryptograms.map((r) => [r.id, SHARED[r.sessionKeyMethod], r] as const))('%s — as %s does', (_id, name, r) => {
    const version = CRYPTOGRAM_VERSIONS[name];
    expect(version.sessionKeyMethod).toBe(r.sessionKeyMethod);
    expect(version.padding).toBe(r.padding);
    const mk = deriveCardMasterKey(hex(r.issuerMasterKey), r.pan, r.psn, 'A');
    expect(kcv2(mk)).toBe(r.cardMasterKeyKcv);
    const key = acSessionKey(version, mk, hex(r.atc), hex(r.unpredictableNumber));
    expect(kcv2(key)).toBe(r.sessionKeyKcv);
    expect(toHexUpper(generateArqc(key, spaced(r.data), version.padding))).toBe(r.arqc);
  });
});
