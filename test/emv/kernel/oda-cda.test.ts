/**
 * CDA's signature check, EMV 4.4 Book 2 §6.6.2 (Tables 18 and 19): the
 * Signed Dynamic Application Data a GENERATE AC returns, recovered with the
 * ICC key, its CID and hash checked, then the transaction data hash code
 * over PDOL data ‖ CDOL data ‖ the response's other data objects. Signed
 * by the simulation CA's `signDynamicData`, as the virtual cards sign; and
 * end to end: ODA recovers the ICC key, GENERATE AC verifies with it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateAc } from '../../../src/emv/kernel/generate-ac.js';
import { initiateApplicationProcessing } from '../../../src/emv/kernel/initiate.js';
import { CapkTable, performOfflineDataAuthentication, verifyCdaSignature, type RsaPublicKey } from '../../../src/emv/kernel/oda/index.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { signDynamicData, type RsaKeyPair } from '../../../hw-mocks/chip-card/simulation-ca.js';
import { gpoCommand, ok, prim, tmpl } from './card-builders.js';
import { testContext, VISA_AID } from './fixtures.js';
import { AIP, CA_INDEX, chain, giveCard, hex, iccCertificate, issuerCertificate, PAN_5A, signedDynamicData, STATIC_DATA } from './oda-fixtures.js';

const UN = hex('11223344');
const ICC_DYNAMIC_NUMBER = hex('A1A2A3A4A5A6A7A8');
const AC = hex('1122334455667788');
const CID_ARQC = 0x80;
/** PDOL data ‖ CDOL1 data ‖ the response's 9F27, 9F36 and 9F10 as coded. */
const HASH_INPUT = hex('0826 000000001234 11223344 9F270180 9F36020001 9F100706010A03A00000');

const sha1 = (data: Buffer): Buffer => createHash('sha1').update(data).digest();

/** Table 19: [length][ICC dynamic number][CID][AC][transaction data hash code]. */
function iccDynamicData(options: { cid?: number; hashInput?: Buffer; number?: Buffer } = {}): Buffer {
  const number = options.number ?? ICC_DYNAMIC_NUMBER;
  return Buffer.concat([Buffer.from([number.length]), number, Buffer.from([options.cid ?? CID_ARQC]), AC, sha1(options.hashInput ?? HASH_INPUT)]);
}

function publicKey(pair: RsaKeyPair): RsaPublicKey {
  return { modulus: pair.modulus, exponent: pair.exponent };
}

describe('verifyCdaSignature (Book 2 §6.6.2)', () => {
  const icc = chain().icc;
  const key = publicKey(icc);

  it('recovers the application cryptogram and the ICC dynamic number from a good signature', () => {
    const sdad = signDynamicData(icc, iccDynamicData(), UN);
    expect(verifyCdaSignature(key, sdad, UN, CID_ARQC, HASH_INPUT)).toEqual({ ok: true, applicationCryptogram: AC, iccDynamicNumber: ICC_DYNAMIC_NUMBER });
  });

  it('works with an ICC key of exponent 65537', () => {
    const icc65537 = chain({ exponent: 65537 }).icc;
    const sdad = signDynamicData(icc65537, iccDynamicData(), UN);
    expect(verifyCdaSignature(publicKey(icc65537), sdad, UN, CID_ARQC, HASH_INPUT)).toMatchObject({ ok: true, applicationCryptogram: AC });
  });

  it.each<[string, () => { sdad: Buffer; un?: Buffer; cid?: number; hashInput?: Buffer }, string]>([
    ['SDAD not as long as the ICC modulus (step 1)', () => ({ sdad: signDynamicData(icc, iccDynamicData(), UN).subarray(1) }), 'length'],
    ['trailer not BC (step 2)', () => ({ sdad: signedDynamicData(icc, iccDynamicData(), UN, { trailer: 0x00 }) }), 'trailer'],
    ['header not 6A (step 3)', () => ({ sdad: signedDynamicData(icc, iccDynamicData(), UN, { header: 0x6b }) }), 'header'],
    ['format not 05 (step 4)', () => ({ sdad: signedDynamicData(icc, iccDynamicData(), UN, { format: 0x04 }) }), 'format'],
    ['ICC dynamic data too short for CID, AC and hash code (step 5)', () => ({ sdad: signDynamicData(icc, iccDynamicData().subarray(0, 30), UN) }), 'dynamic-data'],
    ['CID in the signature not the response’s (step 6)', () => ({ sdad: signDynamicData(icc, iccDynamicData({ cid: 0x40 }), UN) }), 'cid'],
    ['the response’s CID not the signature’s (step 6)', () => ({ sdad: signDynamicData(icc, iccDynamicData(), UN), cid: 0x00 }), 'cid'],
    ['hash algorithm not 01 (step 7)', () => ({ sdad: signedDynamicData(icc, iccDynamicData(), UN, { hashAlgorithm: 0x05 }) }), 'hash-algorithm'],
    ['signed over another unpredictable number (steps 7–9)', () => ({ sdad: signDynamicData(icc, iccDynamicData(), UN), un: hex('11223345') }), 'hash'],
    ['hash result wrong (step 9)', () => ({ sdad: signedDynamicData(icc, iccDynamicData(), UN, { badHash: true }) }), 'hash'],
    ['transaction data not what the card hashed (steps 10–12)', () => ({ sdad: signDynamicData(icc, iccDynamicData(), UN), hashInput: Buffer.concat([HASH_INPUT, hex('00')]) }), 'transaction-data-hash'],
  ])('%s → not verified', (_name, make, reason) => {
    const { sdad, un = UN, cid = CID_ARQC, hashInput = HASH_INPUT } = make();
    expect(verifyCdaSignature(key, sdad, un, cid, hashInput)).toEqual({ ok: false, reason });
  });

  it('fast-check: random signatures, keys and inputs → ok false, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.uint8Array({ minLength: 96, maxLength: 96 })),
        fc.oneof(fc.constant(key), fc.record({ modulus: fc.uint8Array({ minLength: 0, maxLength: 96 }), exponent: fc.uint8Array({ minLength: 0, maxLength: 4 }) })),
        fc.uint8Array({ maxLength: 8 }),
        fc.integer({ min: -1, max: 256 }),
        (sdad, candidate, un, cid) => {
          const rsaKey = { modulus: Buffer.from(candidate.modulus), exponent: Buffer.from(candidate.exponent) };
          const outcome = verifyCdaSignature(rsaKey, Buffer.from(sdad), Buffer.from(un), cid, HASH_INPUT);
          expect(outcome.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('CDA end to end: ODA recovers the ICC key, the first GENERATE AC verifies with it', () => {
  const keys = chain();
  /** PDOL: Terminal Country Code; GET PROCESSING OPTIONS sends 08 26. */
  const PDOL = hex('9F1A02');
  const PDOL_DATA = hex('0826');
  const CDOL1 = hex('9F02 06 9F37 04');
  const CDOL1_DATA = hex('000000001234 11223344');
  /** GENERATE AC asking for an ARQC with a CDA signature: P1 = 80 | 10. */
  const GENERATE_AC = `80AE9000${CDOL1_DATA.length.toString(16).padStart(2, '0')}${CDOL1_DATA.toString('hex')}00`;

  async function firstGenerateAc(response: (sdad: Buffer) => Buffer): Promise<{ result: Awaited<ReturnType<typeof generateAc>>; tvr: string[]; tsi: string[] }> {
    const signed = prim('9F27', hex('80'));
    const atc = prim('9F36', hex('0001'));
    const iad = prim('9F10', hex('06010A03A00000'));
    const hashInput = Buffer.concat([PDOL_DATA, CDOL1_DATA, signed, atc, iad]);
    const sdad = signDynamicData(keys.icc, iccDynamicData({ hashInput }), UN);
    const card = new ScriptedCard([
      { command: gpoCommand(PDOL_DATA), response: ok(prim('80', Buffer.concat([AIP.cda, hex('18010300')]))) },
      { command: GENERATE_AC, response: ok(response(sdad)) },
    ]);
    const ctx = testContext(card.transmit);
    expect(await initiateApplicationProcessing(ctx, Buffer.concat([prim('84', VISA_AID), tmpl('A5', prim('9F38', PDOL))]))).toBe('ok');
    const issuer = issuerCertificate(keys.ca.key, keys.issuer);
    const icc = iccCertificate(keys.issuer, keys.icc);
    giveCard(ctx, { '82': AIP.cda, '5A': PAN_5A, '8F': Buffer.from([CA_INDEX]), '90': issuer.certificate, '92': issuer.remainder, '9F32': issuer.exponent, '9F46': icc.certificate, '9F48': icc.remainder, '9F47': icc.exponent, '8C': CDOL1 });
    const oda = await performOfflineDataAuthentication(ctx, CapkTable.load([keys.ca.capk], []), STATIC_DATA, false);
    expect(oda.iccKey).toBeDefined();
    const result = await generateAc(ctx, 'ARQC', 'first', oda);
    expect(card.finished).toBe(true);
    return { result, tvr: ctx.tvr.names(), tsi: ctx.tsi.names() };
  }

  it('verifies: the ARQC stands, its cryptogram from the signature, TSI "ODA performed"', async () => {
    const { result, tvr, tsi } = await firstGenerateAc((sdad) => tmpl('77', prim('9F27', hex('80')), prim('9F36', hex('0001')), prim('9F4B', sdad), prim('9F10', hex('06010A03A00000'))));
    expect(result).toMatchObject({ type: 'ARQC', cdaVerified: true, cryptogram: AC });
    expect(tvr).toEqual([]);
    expect(tsi).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
  });

  it('a response object changed after signing (9F10) → "CDA failed", the terminal takes it as an AAC', async () => {
    const { result, tvr, tsi } = await firstGenerateAc((sdad) => tmpl('77', prim('9F27', hex('80')), prim('9F36', hex('0001')), prim('9F4B', sdad), prim('9F10', hex('06010A03A00001'))));
    expect(tsi).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
    expect(result).toMatchObject({ type: 'AAC', cdaVerified: false });
    expect(tvr).toEqual(['cdaFailed']);
  });
});
