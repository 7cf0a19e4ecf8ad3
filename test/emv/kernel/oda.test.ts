/**
 * Offline data authentication as a kernel step (EMV 4.4 Book 3 §10.3 over
 * Book 2 §5 and §6), with certificates from the simulation CA and scripted
 * cards: the method chosen, SDA/DDA/CDA verified, and every Book 2 check
 * failing on its own — each a certificate or signature with one defect,
 * giving its method's failed bit (and ICC data missing where data is
 * absent), the TSI bit, and a transaction that goes on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { CapkTable, chooseOdaMethod, performOfflineDataAuthentication, type OdaResult } from '../../../src/emv/kernel/oda/index.js';
import { isPosError, type PosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import type { PublicExponent } from '../../../hw-mocks/chip-card/simulation-ca.js';
import { ok, prim, tmpl } from './card-builders.js';
import { testAid, testContext, testKernelConfig, VISA_AID } from './fixtures.js';
import {
  AIP,
  CA_INDEX,
  chain,
  DATA_AUTHENTICATION_CODE,
  giveCard,
  hex,
  iccCertificate,
  ISSUER_SERIAL,
  issuerCertificate,
  PAN_5A,
  RID,
  signedDynamicData,
  signedStaticData,
  STATIC_DATA,
  type CertificateFields,
  type Chain,
} from './oda-fixtures.js';

type Method = 'sda' | 'dda' | 'cda';

interface CardOptions {
  readonly chain?: Chain;
  readonly issuer?: CertificateFields;
  readonly icc?: CertificateFields;
  /** Data objects to leave out. */
  readonly omit?: readonly string[];
  /** Data objects to set (after the certificates). */
  readonly extra?: Readonly<Record<string, Buffer>>;
}

/** The data objects a card certified for `method` gives in its records. */
function cardObjects(method: Method, options: CardOptions = {}): Record<string, Buffer | undefined> {
  const keys = options.chain ?? chain();
  const issuer = issuerCertificate(keys.ca.key, keys.issuer, options.issuer);
  const objects: Record<string, Buffer | undefined> = {
    '82': AIP[method],
    '5A': PAN_5A,
    '8F': Buffer.from([CA_INDEX]),
    '90': issuer.certificate,
    '92': issuer.remainder.length > 0 ? issuer.remainder : undefined,
    '9F32': issuer.exponent,
  };
  if (method === 'sda') objects['93'] = signedStaticData(keys.issuer);
  else {
    const icc = iccCertificate(keys.issuer, keys.icc, options.icc);
    objects['9F46'] = icc.certificate;
    objects['9F48'] = icc.remainder.length > 0 ? icc.remainder : undefined;
    objects['9F47'] = icc.exponent;
  }
  for (const tag of options.omit ?? []) objects[tag] = undefined;
  return { ...objects, ...options.extra };
}

interface RunOptions extends CardOptions {
  readonly script?: readonly ScriptedExchange[];
  readonly capks?: CapkTable;
  readonly staticData?: Buffer;
  readonly odaRecordFormatError?: boolean;
  readonly defaultDdol?: Buffer;
}

interface Run {
  readonly result: OdaResult;
  readonly tvr: string[];
  readonly tsi: string[];
  readonly ctx: KernelContext;
  readonly card: ScriptedCard;
}

function tableFor(keys: Chain, expiry?: string): CapkTable {
  return CapkTable.load([expiry === undefined ? keys.ca.capk : { ...keys.ca.capk, expiry }], []);
}

function contextFor(card: ScriptedCard, defaultDdol?: Buffer): KernelContext {
  if (defaultDdol === undefined) return testContext(card.transmit);
  const aid = testAid(VISA_AID, { defaultDdol });
  return testContext(card.transmit, { config: testKernelConfig({ aids: [aid] }), aid });
}

async function run(method: Method, options: RunOptions = {}): Promise<Run> {
  const card = new ScriptedCard(options.script ?? []);
  const ctx = contextFor(card, options.defaultDdol);
  giveCard(ctx, cardObjects(method, options));
  const capks = options.capks ?? tableFor(options.chain ?? chain());
  const result = await performOfflineDataAuthentication(ctx, capks, options.staticData ?? STATIC_DATA, options.odaRecordFormatError ?? false);
  return { result, tvr: ctx.tvr.names(), tsi: ctx.tsi.names(), ctx, card };
}

async function rejection(promise: Promise<unknown>): Promise<PosError> {
  try {
    await promise;
  } catch (error) {
    if (isPosError(error)) return error;
    throw error;
  }
  throw new Error('expected the step to terminate');
}

/** The test context's unpredictable number, which the default DDOL (9F37 04) asks for. */
const UN = hex('11223344');
const ICC_DYNAMIC_NUMBER = hex('0102030405060708');
const ICC_DYNAMIC_DATA = Buffer.concat([Buffer.from([ICC_DYNAMIC_NUMBER.length]), ICC_DYNAMIC_NUMBER]);

/** INTERNAL AUTHENTICATE (Book 3 §6.5.9): 00 88 00 00 Lc data 00. */
function internalAuthenticate(ddolData: Buffer): string {
  return `00880000${ddolData.length.toString(16).padStart(2, '0')}${ddolData.toString('hex')}00`;
}

/** The card answering INTERNAL AUTHENTICATE in format 2 with `sdad`. */
function ddaExchange(sdad: Buffer, ddolData = UN): ScriptedExchange {
  return { command: internalAuthenticate(ddolData), response: ok(tmpl('77', prim('9F4B', sdad))) };
}

function goodSdad(keys: Chain = chain(), ddolData = UN): Buffer {
  return signedDynamicData(keys.icc, ICC_DYNAMIC_DATA, ddolData);
}

const FAILED = { sda: 'sdaFailed', dda: 'ddaFailed', cda: 'cdaFailed' } as const;

describe('chooseOdaMethod (Book 3 §10.3)', () => {
  it.each<[string, string, string]>([
    ['61', 'C8', 'cda'],
    ['61', 'C0', 'dda'],
    ['41', '80', 'sda'],
    ['41', '88', 'cda'],
    ['60', 'C8', 'dda'],
    ['40', 'C8', 'sda'],
    ['01', 'C0', 'none'],
    ['20', '80', 'none'],
    ['00', 'C8', 'none'],
    ['61', '00', 'none'],
    ['61', '08', 'cda'],
  ])('AIP byte 1 %s, 9F33 byte 3 %s → %s', (aip, terminal, method) => {
    expect(chooseOdaMethod(hex(`${aip}00`), hex(`E068${terminal}`))).toBe(method);
  });

  it('is none when the card gave no AIP', () => {
    expect(chooseOdaMethod(Buffer.alloc(0), hex('E068C8'))).toBe('none');
  });
});

describe('no method in common', () => {
  it('sets "ODA not performed", leaves the TSI alone and sends nothing', async () => {
    const card = new ScriptedCard([]);
    const ctx = testContext(card.transmit);
    giveCard(ctx, { '82': AIP.none });
    const result = await performOfflineDataAuthentication(ctx, tableFor(chain()), STATIC_DATA, false);
    expect(result).toEqual({ method: 'none' });
    expect(ctx.tvr.names()).toEqual(['odaNotPerformed']);
    expect(ctx.tsi.names()).toEqual([]);
    expect(card.received).toEqual([]);
  });
});

describe.each<PublicExponent>([3, 65537])('success with every key of exponent %s', (exponent) => {
  const keys = (): Chain => chain({ exponent });

  it('SDA: 93 verifies; TVR shows only "SDA selected", TSI "ODA performed", 9F45 stored', async () => {
    const { result, tvr, tsi, ctx, card } = await run('sda', { chain: keys() });
    expect(result).toEqual({ method: 'sda' });
    expect(tvr).toEqual(['sdaSelected']);
    expect(tsi).toEqual(['odaPerformed']);
    expect(ctx.data.get('9F45')).toEqual(DATA_AUTHENTICATION_CODE);
    expect(card.received).toEqual([]);
  });

  it('DDA: INTERNAL AUTHENTICATE with the default DDOL, 9F4B verifies, 9F4C stored', async () => {
    const sdad = goodSdad(keys());
    const { result, tvr, tsi, ctx, card } = await run('dda', { chain: keys(), script: [ddaExchange(sdad)] });
    expect(result).toEqual({ method: 'dda' });
    expect(tvr).toEqual([]);
    expect(tsi).toEqual(['odaPerformed']);
    expect(card.finished).toBe(true);
    expect(ctx.data.get('9F4B')).toEqual(sdad);
    expect(ctx.data.get('9F4C')).toEqual(ICC_DYNAMIC_NUMBER);
  });

  it('CDA: the ICC key is recovered for GENERATE AC; no TVR bit, TSI left to GENERATE AC', async () => {
    const { result, tvr, tsi, card } = await run('cda', { chain: keys() });
    expect(result.method).toBe('cda');
    expect(result.iccKey).toEqual({ modulus: keys().icc.modulus, exponent: keys().icc.exponent });
    expect(result.failure).toBeUndefined();
    expect(tvr).toEqual([]);
    expect(tsi).toEqual([]);
    expect(card.received).toEqual([]);
  });
});

describe('key lengths: with and without remainders', () => {
  it.each<[string, { caBits: number; issuerBits: number; iccBits: number }]>([
    ['issuer key inside the certificate (no 92), ICC key inside too (no 9F48)', { caBits: 1024, issuerBits: 768, iccBits: 512 }],
    ['issuer key with a remainder (92), ICC key with a remainder (9F48)', { caBits: 1024, issuerBits: 1024, iccBits: 768 }],
  ])('DDA verifies: %s', async (_name, bits) => {
    const keys = chain(bits);
    const { result, tvr, ctx } = await run('dda', { chain: keys, script: [ddaExchange(goodSdad(keys))] });
    expect(result).toEqual({ method: 'dda' });
    expect(tvr).toEqual([]);
    const withRemainders = bits.issuerBits / 8 > bits.caBits / 8 - 36;
    expect(ctx.data.has('92')).toBe(withRemainders);
    expect(ctx.data.has('9F48')).toBe(withRemainders);
  });
});

/** Issuer Public Key Certificate defects (Book 2 §5.3 / §6.3), each alone. */
const ISSUER_DEFECTS: readonly [string, CardOptions, string][] = [
  ['90 not as long as the CA modulus (step 1)', { extra: { '90': hex('00') } }, 'length'],
  ['90 not below the CA modulus: nothing to recover', { extra: { '90': Buffer.alloc(128, 0xff) } }, 'recovery'],
  ['trailer not BC (step 2)', { issuer: { trailer: 0xbd } }, 'trailer'],
  ['header not 6A (step 3)', { issuer: { header: 0x6b } }, 'header'],
  ['format not 02 (step 4)', { issuer: { format: 0x04 } }, 'format'],
  ['hash algorithm indicator not 01 (step 6)', { issuer: { hashAlgorithm: 0x02 } }, 'hash-algorithm'],
  ['hash result wrong (step 7)', { issuer: { badHash: true } }, 'hash'],
  ['a 92 other than the one the CA hashed (step 7)', { extra: { '92': Buffer.alloc(36, 0x55) } }, 'hash'],
  ['issuer identifier not the PAN’s leading digits (step 8)', { issuer: { identifier: '511111' } }, 'issuer-identifier'],
  ['issuer identifier of 2 digits (step 8: 3 to 8)', { issuer: { identifier: '41' } }, 'issuer-identifier'],
  ['certificate expired last month (step 9)', { issuer: { expiry: '0226' } }, 'expired'],
  ['certificate expiry no month (step 9)', { issuer: { expiry: '1326' } }, 'expired'],
  ['public key algorithm indicator not 01 (step 11)', { issuer: { publicKeyAlgorithm: 0x02 } }, 'public-key-algorithm'],
  ['key length longer than the CA key (step 12)', { issuer: { keyLength: 129 } }, 'key-length'],
  ['remainder shorter than the key length leaves (step 12)', { issuer: { remainder: Buffer.alloc(35, 0x55) } }, 'remainder'],
  ['exponent length byte not the length of 9F32', { issuer: { exponentLength: 2 } }, 'exponent'],
  ['exponent neither 3 nor 65537', { issuer: { exponent: hex('05') } }, 'exponent'],
];

/** ICC Public Key Certificate defects (Book 2 §6.4), each alone. */
const ICC_DEFECTS: readonly [string, CardOptions, string][] = [
  ['9F46 not as long as the issuer modulus (step 1)', { extra: { '9F46': hex('6A04') } }, 'length'],
  ['trailer not BC (step 2)', { icc: { trailer: 0x00 } }, 'trailer'],
  ['header not 6A (step 3)', { icc: { header: 0x00 } }, 'header'],
  ['format not 04 (step 4)', { icc: { format: 0x02 } }, 'format'],
  ['hash algorithm indicator not 01 (step 6)', { icc: { hashAlgorithm: 0x00 } }, 'hash-algorithm'],
  ['hash result wrong (step 7)', { icc: { badHash: true } }, 'hash'],
  ['hash over other static data (step 7)', { icc: { hashedAfter: [hex('5A0841111111111111115F2403301231')] } }, 'hash'],
  ['PAN not the card’s 5A (step 8)', { icc: { identifier: '4111111111111112' } }, 'pan'],
  ['PAN only the leading digits of 5A (step 8)', { icc: { identifier: '411111111111' } }, 'pan'],
  ['certificate expired (step 9)', { icc: { expiry: '1220' } }, 'expired'],
  ['public key algorithm indicator not 01 (step 10)', { icc: { publicKeyAlgorithm: 0x03 } }, 'public-key-algorithm'],
  ['ICC key longer than the issuer key (step 11)', { icc: { keyLength: 129 } }, 'key-length'],
  ['remainder longer than the key length leaves (step 11)', { icc: { remainder: Buffer.alloc(11, 0x55) } }, 'remainder'],
  ['exponent neither 3 nor 65537', { icc: { exponent: hex('010003') } }, 'exponent'],
];

describe('SDA: each Book 2 §5.3 check failing alone → "SDA failed", the transaction goes on', () => {
  it.each(ISSUER_DEFECTS)('%s', async (_name, defect, reason) => {
    const { result, tvr, tsi } = await run('sda', defect);
    expect(result).toEqual({ method: 'sda', failure: reason });
    expect(tvr).toEqual(['sdaFailed', 'sdaSelected']);
    expect(tsi).toEqual(['odaPerformed']);
  });

  it('a certificate serial number on the revocation list (step 10)', async () => {
    const keys = chain();
    const capks = CapkTable.load([keys.ca.capk], [{ rid: RID, capkIndex: CA_INDEX, serial: ISSUER_SERIAL }]);
    const { result, tvr } = await run('sda', { capks });
    expect(result.failure).toBe('revoked');
    expect(tvr).toEqual(['sdaFailed', 'sdaSelected']);
  });

  it('the same serial revoked under another CA key index does not count', async () => {
    const keys = chain();
    const capks = CapkTable.load([keys.ca.capk], [{ rid: RID, capkIndex: CA_INDEX + 1, serial: ISSUER_SERIAL }]);
    expect((await run('sda', { capks })).tvr).toEqual(['sdaSelected']);
  });

  it('a certificate that expires this month is still valid (step 9: the last day of the month)', async () => {
    const { result, tvr } = await run('sda', { issuer: { expiry: '0326' } });
    expect(result.failure).toBeUndefined();
    expect(tvr).toEqual(['sdaSelected']);
  });
});

describe('SDA: the CA public key (§5.2) and Signed Static Application Data (§5.4)', () => {
  it.each<[string, RunOptions, string]>([
    ['no CAPK for the RID and index in 8F', { extra: { '8F': Buffer.from([CA_INDEX - 1]) } }, 'capk-missing'],
    ['8F not one byte', { extra: { '8F': hex('E500') } }, 'capk-missing'],
    ['93 not as long as the issuer modulus (step 1)', { extra: { '93': hex('6A03') } }, 'length'],
    ['93 trailer not BC (step 2)', { extra: { '93': signedStaticData(chain().issuer, { trailer: 0xcb }) } }, 'trailer'],
    ['93 header not 6A (step 3)', { extra: { '93': signedStaticData(chain().issuer, { header: 0x5a }) } }, 'header'],
    ['93 format not 03 (step 4)', { extra: { '93': signedStaticData(chain().issuer, { format: 0x05 }) } }, 'format'],
    ['93 hash algorithm not 01 (step 6)', { extra: { '93': signedStaticData(chain().issuer, { hashAlgorithm: 0x02 }) } }, 'hash-algorithm'],
    ['93 hash wrong (step 7)', { extra: { '93': signedStaticData(chain().issuer, { badHash: true }) } }, 'hash'],
    ['static data not what the issuer signed (step 7)', { staticData: Buffer.concat([STATIC_DATA, hex('82021980')]) }, 'hash'],
  ])('%s → "SDA failed"', async (_name, options, reason) => {
    const { result, tvr, tsi } = await run('sda', options);
    expect(result.failure).toBe(reason);
    expect(tvr).toEqual(['sdaFailed', 'sdaSelected']);
    expect(tsi).toEqual(['odaPerformed']);
  });

  it('a CAPK past its expiry date is not used → "SDA failed"', async () => {
    const { result, tvr } = await run('sda', { capks: tableFor(chain(), '2026-03-14') });
    expect(result.failure).toBe('capk-missing');
    expect(tvr).toEqual(['sdaFailed', 'sdaSelected']);
  });

  it('a CAPK whose last day is today is used', async () => {
    expect((await run('sda', { capks: tableFor(chain(), '2026-03-15') })).tvr).toEqual(['sdaSelected']);
  });

  it.each(['8F', '90', '9F32', '93'])('%s missing → "ICC data missing" and "SDA failed"', async (tag) => {
    const { result, tvr, tsi } = await run('sda', { omit: [tag] });
    expect(result.failure).toBe('data-missing');
    expect(tvr).toEqual(['sdaFailed', 'iccDataMissing', 'sdaSelected']);
    expect(tsi).toEqual(['odaPerformed']);
  });

  it('92 missing when the issuer key needs it → "ICC data missing" and "SDA failed"', async () => {
    const { result, tvr } = await run('sda', { omit: ['92'] });
    expect(result.failure).toBe('data-missing');
    expect(tvr).toEqual(['sdaFailed', 'iccDataMissing', 'sdaSelected']);
  });

  it('a record for ODA that was not a 70 template (Book 3 §10.3) → "SDA failed" with valid certificates', async () => {
    const { result, tvr, tsi } = await run('sda', { odaRecordFormatError: true });
    expect(result.failure).toBe('record-format');
    expect(tvr).toEqual(['sdaFailed', 'sdaSelected']);
    expect(tsi).toEqual(['odaPerformed']);
  });

  it('an 8F the terminal set itself is not the card’s', async () => {
    const card = new ScriptedCard([]);
    const ctx = testContext(card.transmit);
    giveCard(ctx, cardObjects('sda', { omit: ['8F'] }));
    ctx.data.set('8F', Buffer.from([CA_INDEX]), 'terminal');
    const result = await performOfflineDataAuthentication(ctx, tableFor(chain()), STATIC_DATA, false);
    expect(result.failure).toBe('data-missing');
  });
});

describe.each<Method>(['dda', 'cda'])('%s: each Book 2 §6.3 / §6.4 check failing alone → its failed bit', (method) => {
  const script = (): readonly ScriptedExchange[] => [];

  it.each([...ISSUER_DEFECTS, ...ICC_DEFECTS.map(([name, defect, reason]): [string, CardOptions, string] => [`ICC: ${name}`, defect, reason])])(
    '%s',
    async (_name, defect, reason) => {
      const { result, tvr, tsi, card } = await run(method, { ...defect, script: script() });
      expect(result).toEqual({ method, failure: reason });
      expect(tvr).toEqual([FAILED[method]]);
      expect(tsi).toEqual(['odaPerformed']);
      expect(card.received).toEqual([]);
    },
  );

  it.each(['8F', '90', '9F32', '9F46', '9F47'])('%s missing → "ICC data missing" too', async (tag) => {
    const { result, tvr, tsi } = await run(method, { omit: [tag] });
    expect(result).toEqual({ method, failure: 'data-missing' });
    expect(tvr).toEqual(['iccDataMissing', FAILED[method]]);
    expect(tsi).toEqual(['odaPerformed']);
  });

  it('9F48 missing when the ICC key needs it → "ICC data missing" too', async () => {
    const { result, tvr } = await run(method, { omit: ['9F48'] });
    expect(result.failure).toBe('data-missing');
    expect(tvr).toEqual(['iccDataMissing', FAILED[method]]);
  });

  it('the issuer serial number revoked', async () => {
    const capks = CapkTable.load([chain().ca.capk], [{ rid: RID, capkIndex: CA_INDEX, serial: ISSUER_SERIAL }]);
    const { result, tvr } = await run(method, { capks });
    expect(result.failure).toBe('revoked');
    expect(tvr).toEqual([FAILED[method]]);
  });

  it('an expired CAPK', async () => {
    const { result, tvr } = await run(method, { capks: tableFor(chain(), '2025-12-31') });
    expect(result.failure).toBe('capk-missing');
    expect(tvr).toEqual([FAILED[method]]);
  });

  it('a record format error (Book 3 §10.3), whatever the certificates', async () => {
    const { result, tvr, tsi } = await run(method, { odaRecordFormatError: true });
    expect(result).toEqual({ method, failure: 'record-format' });
    expect(tvr).toEqual([FAILED[method]]);
    expect(tsi).toEqual(['odaPerformed']);
  });
});

describe('DDA: the DDOL and the dynamic signature (Book 2 §6.5)', () => {
  it('uses the card’s DDOL (9F49) over the default one', async () => {
    const ddolData = Buffer.concat([UN, hex('000000001234')]);
    const { tvr, card } = await run('dda', { extra: { '9F49': hex('9F3704 9F0206') }, script: [ddaExchange(goodSdad(chain(), ddolData), ddolData)] });
    expect(tvr).toEqual([]);
    expect(card.finished).toBe(true);
  });

  it('accepts the format 1 answer (80 SDAD)', async () => {
    const sdad = goodSdad();
    const { result, ctx } = await run('dda', { script: [{ command: internalAuthenticate(UN), response: ok(prim('80', sdad)) }] });
    expect(result).toEqual({ method: 'dda' });
    expect(ctx.data.get('9F4C')).toEqual(ICC_DYNAMIC_NUMBER);
  });

  it.each<[string, RunOptions]>([
    ['a card DDOL without 9F37', { extra: { '9F49': hex('9F0206') } }],
    ['a default DDOL without 9F37 and no card DDOL', { defaultDdol: hex('9F0206') }],
    ['no card DDOL and an empty default DDOL', { defaultDdol: Buffer.alloc(0) }],
    ['a card DDOL that does not parse', { extra: { '9F49': hex('9F37') } }],
  ])('%s → "DDA failed", no INTERNAL AUTHENTICATE', async (_name, options) => {
    const { result, tvr, tsi, card } = await run('dda', options);
    expect(result).toEqual({ method: 'dda', failure: 'ddol' });
    expect(tvr).toEqual(['ddaFailed']);
    expect(tsi).toEqual(['odaPerformed']);
    expect(card.received).toEqual([]);
  });

  const icc = (): Chain['icc'] => chain().icc;
  it.each<[string, () => Buffer, string]>([
    ['9F4B not as long as the ICC modulus (step 1)', () => hex('6A05'), 'length'],
    ['trailer not BC (step 2)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { trailer: 0xbb }), 'trailer'],
    ['header not 6A (step 3)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { header: 0x4a }), 'header'],
    ['format not 05 (step 4)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { format: 0x03 }), 'format'],
    ['hash algorithm not 01 (step 6)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { hashAlgorithm: 0x02 }), 'hash-algorithm'],
    ['hash wrong (step 7)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { badHash: true }), 'hash'],
    ['signed over another unpredictable number (step 7)', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, hex('11223345')), 'hash'],
    ['L_DD longer than the block holds', () => signedDynamicData(icc(), ICC_DYNAMIC_DATA, UN, { dynamicLength: 0x60 }), 'dynamic-data'],
    ['an ICC dynamic number of 1 byte', () => signedDynamicData(icc(), hex('01AA'), UN), 'dynamic-data'],
    ['an ICC dynamic number of 9 bytes', () => signedDynamicData(icc(), hex('09 010203040506070809'), UN), 'dynamic-data'],
    ['a dynamic number length past the dynamic data', () => signedDynamicData(icc(), hex('08 0102'), UN), 'dynamic-data'],
  ])('%s → "DDA failed"', async (_name, sdad, reason) => {
    const { result, tvr, tsi, ctx, card } = await run('dda', { script: [ddaExchange(sdad())] });
    expect(result).toEqual({ method: 'dda', failure: reason });
    expect(tvr).toEqual(['ddaFailed']);
    expect(tsi).toEqual(['odaPerformed']);
    expect(card.finished).toBe(true);
    expect(ctx.data.has('9F4C')).toBe(false);
  });
});

describe('DDA: a card that breaks INTERNAL AUTHENTICATE (Book 3 §6.5.9.4) terminates', () => {
  it.each<[string, string, string, Record<string, unknown>]>([
    ['a status word other than 9000', '6985', 'EMV_CARD_STATUS', { command: 'INTERNAL AUTHENTICATE', sw: '6985' }],
    ['an answer in neither format', `${tmpl('70', prim('9F4B', hex('00'))).toString('hex')}9000`, 'EMV_CARD_DATA_INVALID', { step: 'oda', tag: '70' }],
    ['format 2 without 9F4B', ok(tmpl('77', prim('9F4C', hex('0102')))), 'EMV_CARD_DATA_MISSING', { step: 'oda', tag: '9F4B' }],
    ['format 2 with 9F4B twice', ok(tmpl('77', prim('9F4B', hex('01')), prim('9F4B', hex('02')))), 'EMV_CARD_DATA_INVALID', { step: 'oda', tag: '9F4B' }],
    ['two data objects', ok(Buffer.concat([prim('80', hex('01')), prim('80', hex('02'))])), 'EMV_CARD_DATA_INVALID', { step: 'oda', objects: 2 }],
    ['bytes that are not BER-TLV', '9F9000', 'EMV_CARD_DATA_INVALID', { step: 'oda' }],
  ])('%s', async (_name, response, code, details) => {
    const error = await rejection(run('dda', { script: [{ command: internalAuthenticate(UN), response }] }));
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject(details);
  });
});

describe('fast-check: random bytes where certificates and signatures go', () => {
  const keys = chain();
  const capks = tableFor(keys);

  it.each<[Method, string]>([
    ['sda', '90'],
    ['sda', '93'],
    ['dda', '9F46'],
    ['cda', '90'],
    ['cda', '9F46'],
  ])('%s with a random %s: the failed bit, never a throw', async (method, tag) => {
    const base = cardObjects(method, { chain: keys });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.uint8Array({ minLength: 128, maxLength: 128 })), async (bytes) => {
        const ctx = testContext(new ScriptedCard([]).transmit);
        giveCard(ctx, { ...base, [tag]: Buffer.from(bytes) });
        const result = await performOfflineDataAuthentication(ctx, capks, STATIC_DATA, false);
        expect(result.failure).toBeDefined();
        expect(result.iccKey).toBeUndefined();
        expect(ctx.tvr.has(FAILED[method])).toBe(true);
        expect(ctx.tsi.has('odaPerformed')).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('DDA with a random SDAD from the card: "DDA failed", never a throw', async () => {
    const base = cardObjects('dda', { chain: keys });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ minLength: 96, maxLength: 96 })), async (bytes) => {
        const card = new ScriptedCard([ddaExchange(Buffer.from(bytes))]);
        const ctx = testContext(card.transmit);
        giveCard(ctx, base);
        const result = await performOfflineDataAuthentication(ctx, capks, STATIC_DATA, false);
        expect(result).toEqual({ method: 'dda', failure: expect.any(String) as unknown });
        expect(ctx.tvr.names()).toEqual(['ddaFailed']);
      }),
      { numRuns: 60 },
    );
  });
});
