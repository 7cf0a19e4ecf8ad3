/**
 * GENERATE AC (EMV 4.4 Book 3 §6.5.5, §9.3, §10.8; Book 2 §6.6 for CDA)
 * against scripted cards: the exact command with the CDOL built from the
 * current TVR, both response formats, what the card may and may not answer,
 * the TC hash, and CDA through an injected verifier.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateAc, type CdaVerifier, type CryptogramType } from '../../../src/emv/kernel/generate-ac.js';
import { initiateApplicationProcessing } from '../../../src/emv/kernel/initiate.js';
import type { OdaResult } from '../../../src/emv/kernel/oda/index.js';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { isPosError, PosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import { makeRsaKeyPair, signDynamicData } from '../../../hw-mocks/chip-card/simulation-ca.js';
import { gpoCommand, ok, prim, tmpl } from './card-builders.js';
import { testContext, VISA_AID } from './fixtures.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const NO_ODA: OdaResult = { method: 'none' };
const CDA: OdaResult = { method: 'cda', iccKey: { modulus: hex('C1'.repeat(128)), exponent: hex('03') } };

/** CDOL1: amount, other amount, terminal country, TVR, currency, date, type, unpredictable number (29 bytes). */
const CDOL1 = hex('9F02 06  9F03 06  9F1A 02  95 05  5F2A 02  9A 03  9C 01  9F37 04');
/** CDOL2: ARC, Issuer Authentication Data, TVR, unpredictable number (21 bytes). */
const CDOL2 = hex('8A 02  91 0A  95 05  9F37 04');

/** The CDOL1 data the test context gives: 12.34 GBP on 2026-03-15, purchase, UN 11223344, with the TVR given. */
function cdol1Data(tvr = '0000000000'): string {
  return ['000000001234', '000000000000', '0826', tvr, '0826', '260315', '00', '11223344'].join('');
}

function command(p1: string, data: string): string {
  return `80AE${p1}00${(data.length / 2).toString(16).toUpperCase().padStart(2, '0')}${data}00`;
}

const AC = '1122334455667788';
const IAD = '06010A03A00000';
/** Format 1: 80 L [CID][ATC][AC][IAD]. */
function format1(cid: string, atc = '0001', iad = IAD): string {
  const value = `${cid}${atc}${AC}${iad}`;
  return `80${(value.length / 2).toString(16).padStart(2, '0')}${value}9000`;
}
/** One data object, its length in BER-TLV form (81 xx past 127 bytes). */
function tlv(tag: string, value: string): string {
  const length = value.length / 2;
  const byte = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
  return `${tag}${length > 0x7f ? `81${byte(length)}` : byte(length)}${value}`;
}
/** Format 2: 77 L {objects}. */
function format2(...objects: string[]): string {
  return `${tlv('77', objects.join(''))}9000`;
}

function contextWith(card: ScriptedCard, data: Record<string, string> = {}): KernelContext {
  const ctx = testContext(card.transmit);
  ctx.data.set('8C', CDOL1, 'card');
  ctx.data.set('8D', CDOL2, 'card');
  for (const [tag, value] of Object.entries(data)) ctx.data.set(tag, hex(value), 'card');
  return ctx;
}

/** GET PROCESSING OPTIONS as the kernel sends it for this PDOL, answered with a format 1 AIP (CDA) and AFL. */
function gpo(pdolData: string): ScriptedExchange {
  return { command: gpoCommand(hex(pdolData)), response: ok(prim('80', '0180 08010100')) };
}

/** Initiate application processing with an FCI whose proprietary template holds this PDOL (9F38). */
async function initiate(ctx: KernelContext, pdol: string): Promise<void> {
  const fci = Buffer.concat([prim('84', VISA_AID), tmpl('A5', prim('9F38', pdol))]);
  expect(await initiateApplicationProcessing(ctx, fci)).toBe('ok');
}

async function rejection(promise: Promise<unknown>): Promise<PosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected a PosError');
}

describe('the GENERATE AC command (Book 3 §6.5.5)', () => {
  it.each([
    ['AAC', '00'],
    ['TC', '40'],
    ['ARQC', '80'],
  ] as const)('asks for %s with P1 %s and the CDOL1 data, Le 00', async (request, p1) => {
    const cid = { AAC: '00', TC: '40', ARQC: '80' }[request];
    const card = new ScriptedCard([{ command: command(p1, cdol1Data()), response: format1(cid) }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, request, 'first', NO_ODA);
    expect(result.type).toBe(request);
    expect(card.finished).toBe(true);
    // card action analysis done: TSI byte 1 b6 "card risk management was performed" (Book 3 §10.8); no TVR bit
    expect(ctx.tsi.bytes().toString('hex')).toBe('2000');
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
  });

  it('sends the TSI as it stood to the CDOL; the card risk management bit comes with the answer, once', async () => {
    const cdol1WithTsi = hex('9F37 04  9B 02');
    const card = new ScriptedCard([
      { command: command('80', '11223344' + '0800'), response: format1('80') },
      { command: command('40', '3030' + '00'.repeat(10) + '0000000000' + '11223344'), response: format1('40', '0002') },
    ]);
    const ctx = contextWith(card);
    ctx.data.set('8C', cdol1WithTsi, 'card');
    ctx.data.set('8A', hex('3030'), 'issuer');
    ctx.tsi.set('terminalRiskManagementPerformed');
    await generateAc(ctx, 'ARQC', 'first', NO_ODA);
    expect(ctx.tsi.names()).toEqual(['cardRiskManagementPerformed', 'terminalRiskManagementPerformed']);
    await generateAc(ctx, 'TC', 'second', NO_ODA);
    expect(card.finished).toBe(true);
    expect(ctx.tsi.bytes().toString('hex')).toBe('2800');
  });

  it('sets no TSI bit when the card refuses GENERATE AC', async () => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data()), response: '6985' }]);
    const ctx = contextWith(card);
    expect((await rejection(generateAc(ctx, 'ARQC', 'first', NO_ODA))).code).toBe('EMV_CARD_STATUS');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
  });

  it('builds the CDOL with the TVR as it stands when the command goes', async () => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data('0000008000')), response: format1('80') }]);
    const ctx = contextWith(card);
    ctx.tvr.set('exceedsFloorLimit');
    await generateAc(ctx, 'ARQC', 'first', NO_ODA);
    expect(card.finished).toBe(true);
  });

  it('sends the CDOL2 data for the second GENERATE AC, with the ARC and 91 of the host', async () => {
    const cdol2 = ['3030', '0123456789ABCDEF3030', '0000000000', '11223344'].join('');
    const card = new ScriptedCard([{ command: command('40', cdol2), response: format1('40', '0002') }]);
    const ctx = contextWith(card);
    ctx.data.set('8A', hex('3030'), 'issuer');
    ctx.data.set('91', hex('0123456789ABCDEF3030'), 'issuer');
    const result = await generateAc(ctx, 'TC', 'second', NO_ODA);
    expect(result.type).toBe('TC');
    expect(result.atc.toString('hex')).toBe('0002');
  });

  it('refuses to ask for an ARQC in the second GENERATE AC', async () => {
    const card = new ScriptedCard([]);
    const error = await rejection(generateAc(contextWith(card), 'ARQC', 'second', NO_ODA));
    expect(error.code).toBe('EMV_KERNEL_STATE');
    expect(card.received).toEqual([]);
  });

  it('ends the transaction when the card has no CDOL, or a malformed one', async () => {
    const card = new ScriptedCard([]);
    const ctx = testContext(card.transmit);
    const missing = await rejection(generateAc(ctx, 'TC', 'first', NO_ODA));
    expect([missing.code, missing.details.tag]).toEqual(['EMV_CARD_DATA_MISSING', '8C']);
    ctx.data.set('8C', hex('9F'), 'card');
    const malformed = await rejection(generateAc(ctx, 'TC', 'first', NO_ODA));
    expect([malformed.code, malformed.details.tag]).toEqual(['EMV_CARD_DATA_INVALID', '8C']);
    ctx.data.set('8C', hex('9F0200'), 'card');
    const empty = await rejection(generateAc(ctx, 'TC', 'first', NO_ODA));
    expect([empty.code, empty.details.length]).toEqual(['EMV_CARD_DATA_INVALID', 0]);
    expect(card.received).toEqual([]);
  });
});

describe('the GENERATE AC response (Book 3 §6.5.5.4)', () => {
  it('reads format 1: CID ‖ ATC ‖ AC ‖ IAD, and keeps them as card data', async () => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data()), response: format1('80', '0007') }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'ARQC', 'first', NO_ODA);
    expect(result).toMatchObject({ cid: 0x80, type: 'ARQC', adviceRequired: false, reasonCode: 0 });
    expect(result.cryptogram.toString('hex').toUpperCase()).toBe(AC);
    expect(result.atc.toString('hex')).toBe('0007');
    expect(result.issuerApplicationData?.toString('hex').toUpperCase()).toBe(IAD);
    expect(result.cdaVerified).toBeUndefined();
    for (const [tag, value] of [['9F27', '80'], ['9F36', '0007'], ['9F26', AC], ['9F10', IAD]] as const) {
      expect(ctx.data.get(tag)?.toString('hex').toUpperCase()).toBe(value);
      expect(ctx.data.sourceOf(tag)).toBe('card');
    }
  });

  it('reads format 1 without Issuer Application Data', async () => {
    const card = new ScriptedCard([{ command: command('40', cdol1Data()), response: format1('40', '0001', '') }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'TC', 'first', NO_ODA);
    expect(result.issuerApplicationData).toBeUndefined();
    expect(ctx.data.has('9F10')).toBe(false);
  });

  it('reads format 2, whatever the order of its data objects, and ignores proprietary ones', async () => {
    const response = format2(tlv('9F36', '0003'), tlv('9F10', IAD), tlv('DF01', 'AA'), tlv('9F27', '40'), tlv('9F26', AC));
    const card = new ScriptedCard([{ command: command('40', cdol1Data()), response }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'TC', 'first', NO_ODA);
    expect(result).toMatchObject({ cid: 0x40, type: 'TC' });
    expect(result.atc.toString('hex')).toBe('0003');
    expect(ctx.data.get('9F26')?.toString('hex').toUpperCase()).toBe(AC);
    expect(ctx.data.has('DF01')).toBe(false);
  });

  it.each([
    ['TC asked, AAC given', 'TC', '00', 'AAC'],
    ['ARQC asked, TC given', 'ARQC', '40', 'TC'],
    ['ARQC asked, AAC given', 'ARQC', '00', 'AAC'],
  ] as const)('accepts a lower cryptogram than asked (§9.3): %s', async (_name, request, cid, type) => {
    const p1 = { AAC: '00', TC: '40', ARQC: '80' }[request];
    const card = new ScriptedCard([{ command: command(p1, cdol1Data()), response: format1(cid) }]);
    expect((await generateAc(contextWith(card), request, 'first', NO_ODA)).type).toBe(type);
  });

  it.each([
    ['AAC asked, TC given', 'AAC', 'first', '40', 'TC'],
    ['AAC asked, ARQC given', 'AAC', 'first', '80', 'ARQC'],
    ['TC asked, ARQC given', 'TC', 'first', '80', 'ARQC'],
    ['second GENERATE AC: TC asked, ARQC given', 'TC', 'second', '80', 'ARQC'],
    ['second GENERATE AC: AAC asked, TC given', 'AAC', 'second', '40', 'TC'],
  ] as const)('ends the transaction on a higher cryptogram than asked: %s', async (_name, request, which, cid, returned) => {
    const p1 = { AAC: '00', TC: '40' }[request];
    const data = which === 'first' ? cdol1Data() : `0000 ${'00'.repeat(10)} 0000000000 11223344`.replace(/\s/g, '');
    const card = new ScriptedCard([{ command: command(p1, data), response: format1(cid) }]);
    const ctx = contextWith(card);
    const error = await rejection(generateAc(ctx, request, which, NO_ODA));
    expect(error.code).toBe('EMV_CARD_DATA_INVALID');
    expect(error.details).toMatchObject({ tag: '9F27', requested: request, returned });
    expect(ctx.data.has('9F26')).toBe(false);
  });

  it('keeps the CID\'s advice and reason bits (Book 3 Table 14)', async () => {
    const card = new ScriptedCard([{ command: command('40', cdol1Data()), response: format1('0B') }]);
    const result = await generateAc(contextWith(card), 'TC', 'first', NO_ODA);
    expect(result).toMatchObject({ cid: 0x0b, type: 'AAC', adviceRequired: true, reasonCode: 3 });
  });

  it.each([
    ['a reserved cryptogram type (CID 11xxxxxx)', format1('C0'), 'EMV_CARD_DATA_INVALID', '9F27'],
    ['format 1 shorter than CID ‖ ATC ‖ AC', `800A80000111223344556677${'9000'}`, 'EMV_CARD_DATA_INVALID', '80'],
    ['format 1 with 33 bytes of IAD', format1('80', '0001', '00'.repeat(33)), 'EMV_CARD_DATA_INVALID', '80'],
    ['format 2 without CID', format2(tlv('9F36', '0001'), tlv('9F26', AC)), 'EMV_CARD_DATA_MISSING', '9F27'],
    ['format 2 without ATC', format2(tlv('9F27', '80'), tlv('9F26', AC)), 'EMV_CARD_DATA_MISSING', '9F36'],
    ['format 2 without AC', format2(tlv('9F27', '80'), tlv('9F36', '0001')), 'EMV_CARD_DATA_MISSING', '9F26'],
    ['format 2 with a 7-byte AC', format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F26', AC.slice(2))), 'EMV_CARD_DATA_INVALID', '9F26'],
    ['format 2 with a 3-byte ATC', format2(tlv('9F27', '80'), tlv('9F36', '000001'), tlv('9F26', AC)), 'EMV_CARD_DATA_INVALID', '9F36'],
    ['format 2 with 33 bytes of IAD', format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F26', AC), tlv('9F10', '00'.repeat(33))), 'EMV_CARD_DATA_INVALID', '9F10'],
    ['format 2 repeating the CID', format2(tlv('9F27', '80'), tlv('9F27', '00'), tlv('9F36', '0001'), tlv('9F26', AC)), 'EMV_CARD_DATA_INVALID', '9F27'],
    ['another template (70)', `${tlv('70', tlv('9F27', '80'))}9000`, 'EMV_CARD_DATA_INVALID', '70'],
  ])('ends the transaction on %s', async (_name, response, code, tag) => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data()), response }]);
    const error = await rejection(generateAc(contextWith(card), 'ARQC', 'first', NO_ODA));
    expect([error.code, error.details.tag, error.details.step]).toEqual([code, tag, 'generate-ac']);
  });

  it.each([
    ['a truncated template', '8012800001112233449000'],
    ['a second object after the template', `${format1('80').slice(0, -4)}9F360100${'9000'}`],
    ['no data at all', '9000'],
  ])('ends the transaction on %s', async (_name, response) => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data()), response }]);
    const error = await rejection(generateAc(contextWith(card), 'ARQC', 'first', NO_ODA));
    expect(error.code).toBe('EMV_CARD_DATA_INVALID');
  });

  it.each(['6985', '6A81', '6400'])('ends the transaction on status %s, naming it', async (sw) => {
    const card = new ScriptedCard([{ command: command('80', cdol1Data()), response: sw }]);
    const error = await rejection(generateAc(contextWith(card), 'ARQC', 'first', NO_ODA));
    expect(error.code).toBe('EMV_CARD_STATUS');
    expect(error.details).toMatchObject({ command: 'GENERATE AC', sw });
  });
});

describe('the TC hash (Book 3 §9.2.2)', () => {
  /** CDOL1 asking for the TC Hash Value before the TVR. */
  const CDOL1_WITH_HASH = hex('98 14  95 05  9F37 04');
  const sha1 = (data: string): string => createHash('sha1').update(hex(data)).digest('hex').toUpperCase();

  it('hashes the card\'s TDOL (97) related data', async () => {
    const tdolData = '000000001234 260315'.replace(/\s/g, '');
    const expected = `${sha1(tdolData)}0000000000 11223344`.replace(/\s/g, '');
    const card = new ScriptedCard([{ command: command('40', expected), response: format1('40') }]);
    const ctx = contextWith(card, { '8C': '9814 9505 9F3704', '97': '9F0206 9A03' });
    await generateAc(ctx, 'TC', 'first', NO_ODA);
    expect(ctx.tvr.names()).toEqual([]);
    expect(ctx.data.get('98')?.toString('hex').toUpperCase()).toBe(sha1(tdolData));
    expect(ctx.data.sourceOf('98')).toBe('terminal');
  });

  it('falls back to the default TDOL and says so in the TVR the CDOL carries', async () => {
    // the fixtures' default TDOL: 9F02 06, 9A 03, 9F37 04
    const tdolData = '000000001234 260315 11223344'.replace(/\s/g, '');
    const expected = `${sha1(tdolData)} 0000000080 11223344`.replace(/\s/g, '');
    const card = new ScriptedCard([{ command: command('40', expected), response: format1('40') }]);
    const ctx = contextWith(card);
    ctx.data.set('8C', CDOL1_WITH_HASH, 'card');
    await generateAc(ctx, 'TC', 'first', NO_ODA);
    expect(ctx.tvr.names()).toEqual(['defaultTdolUsed']);
    expect(card.finished).toBe(true);
  });

  it('does not compute a hash the CDOL does not ask for', async () => {
    const card = new ScriptedCard([{ command: command('40', cdol1Data()), response: format1('40') }]);
    const ctx = contextWith(card);
    await generateAc(ctx, 'TC', 'first', NO_ODA);
    expect(ctx.data.has('98')).toBe(false);
    expect(ctx.tvr.names()).toEqual([]);
  });

  it('ends the transaction on a malformed card TDOL', async () => {
    const card = new ScriptedCard([]);
    const ctx = contextWith(card, { '8C': '9814', '97': '9F02' });
    const error = await rejection(generateAc(ctx, 'TC', 'first', NO_ODA));
    expect([error.code, error.details.tag]).toEqual(['EMV_CARD_DATA_INVALID', '97']);
  });
});

describe('CDA in GENERATE AC (Book 2 §6.6)', () => {
  const SDAD = 'AB'.repeat(128);
  const RECOVERED_AC = 'CAFEBABE00112233';
  const DYNAMIC_NUMBER = '0102030405060708';
  const IAD_OBJECT = tlv('9F10', IAD);

  interface VerifierCall {
    readonly sdad: string;
    readonly unpredictableNumber: string;
    readonly cid: number;
    readonly hashInput: string;
  }
  function recordingVerifier(outcome: ReturnType<CdaVerifier>): { verify: CdaVerifier; calls: VerifierCall[] } {
    const calls: VerifierCall[] = [];
    const verify: CdaVerifier = (_key, sdad, unpredictableNumber, cid, hashInput) => {
      calls.push({ sdad: sdad.toString('hex').toUpperCase(), unpredictableNumber: unpredictableNumber.toString('hex'), cid, hashInput: hashInput.toString('hex').toUpperCase() });
      return outcome;
    };
    return { verify, calls };
  }
  const verified = { ok: true as const, applicationCryptogram: hex(RECOVERED_AC), iccDynamicNumber: hex(DYNAMIC_NUMBER) };

  it('asks for a CDA signature (P1 b5) with an ARQC, and takes the AC from the verified SDAD', async () => {
    const response = format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD), IAD_OBJECT);
    const card = new ScriptedCard([gpo('0826'), { command: command('90', cdol1Data()), response }]);
    const ctx = contextWith(card);
    await initiate(ctx, '9F1A02');
    const { verify, calls } = recordingVerifier(verified);
    const result = await generateAc(ctx, 'ARQC', 'first', CDA, { verifyCda: verify });
    expect(result).toMatchObject({ type: 'ARQC', cdaVerified: true });
    expect(result.cryptogram.toString('hex').toUpperCase()).toBe(RECOVERED_AC);
    expect(ctx.data.get('9F26')?.toString('hex').toUpperCase()).toBe(RECOVERED_AC);
    expect(ctx.data.get('9F4C')?.toString('hex')).toBe(DYNAMIC_NUMBER);
    expect(ctx.tsi.names()).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
    expect(ctx.tvr.names()).toEqual([]);
    // PDOL data ‖ CDOL1 data ‖ the response's objects as sent, without 9F4B
    expect(calls).toEqual([{ sdad: SDAD, unpredictableNumber: '11223344', cid: 0x80, hashInput: `0826${cdol1Data()}${tlv('9F27', '80')}${tlv('9F36', '0001')}${IAD_OBJECT}` }]);
  });

  it('hashes the PDOL data as GET PROCESSING OPTIONS sent it, not as the data stands at GENERATE AC', async () => {
    // PDOL: country, CVM Results, TVR, UN. At GPO the CVM Results are not known yet and the TVR is zero;
    // by GENERATE AC cardholder verification and risk management have set both.
    const pdolDataAtGpo = '0826' + '000000' + '0000000000' + '11223344';
    const card = new ScriptedCard([
      gpo(pdolDataAtGpo),
      { command: command('90', cdol1Data('0000008000')), response: format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) },
    ]);
    const ctx = contextWith(card);
    await initiate(ctx, '9F1A02 9F3403 9505 9F3704');
    ctx.data.set('9F34', hex('420300'), 'terminal');
    ctx.tvr.set('exceedsFloorLimit');
    const { verify, calls } = recordingVerifier(verified);
    await generateAc(ctx, 'ARQC', 'first', CDA, { verifyCda: verify });
    expect(card.finished).toBe(true);
    expect(calls[0]?.hashInput).toBe(`${pdolDataAtGpo}${cdol1Data('0000008000')}${tlv('9F27', '80')}${tlv('9F36', '0001')}`);
  });

  it('hashes no PDOL data when GET PROCESSING OPTIONS sent none (83 00)', async () => {
    const card = new ScriptedCard([
      { command: gpoCommand(), response: ok(prim('80', '0180 08010100')) },
      { command: command('90', cdol1Data()), response: format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) },
    ]);
    const ctx = contextWith(card);
    expect(await initiateApplicationProcessing(ctx, Buffer.concat([prim('84', VISA_AID), tmpl('A5')]))).toBe('ok');
    const { verify, calls } = recordingVerifier(verified);
    await generateAc(ctx, 'ARQC', 'first', CDA, { verifyCda: verify });
    expect(calls[0]?.hashInput).toBe(`${cdol1Data()}${tlv('9F27', '80')}${tlv('9F36', '0001')}`);
  });

  it('signs CDOL1 ‖ CDOL2 data for the second GENERATE AC', async () => {
    const cdol2 = `3030${'00'.repeat(10)}000000000011223344`;
    const card = new ScriptedCard([
      { command: command('90', cdol1Data()), response: format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) },
      { command: command('50', cdol2), response: format2(tlv('9F27', '40'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) },
    ]);
    const ctx = contextWith(card);
    const { verify, calls } = recordingVerifier(verified);
    await generateAc(ctx, 'ARQC', 'first', CDA, { verifyCda: verify });
    ctx.data.set('8A', hex('3030'), 'issuer');
    const second = await generateAc(ctx, 'TC', 'second', CDA, { verifyCda: verify });
    expect(second).toMatchObject({ type: 'TC', cdaVerified: true });
    expect(calls[1]?.hashInput).toBe(`${cdol1Data()}${cdol2}${tlv('9F27', '40')}${tlv('9F36', '0001')}`);
  });

  it.each([
    ['the signature does not verify', format2(tlv('9F27', '40'), tlv('9F36', '0001'), tlv('9F4B', SDAD)), { ok: false as const, reason: 'hash' }],
    ['the card sends no SDAD', format2(tlv('9F27', '40'), tlv('9F36', '0001'), tlv('9F26', AC)), verified],
    ['the card answers in format 1', format1('40'), verified],
    ['the verifier recovers an AC of the wrong length', format2(tlv('9F27', '40'), tlv('9F36', '0001'), tlv('9F4B', SDAD)), { ...verified, applicationCryptogram: hex('0102') }],
  ])('sets CDA failed and turns a TC into an AAC when %s', async (_name, response, outcome) => {
    const card = new ScriptedCard([{ command: command('50', cdol1Data()), response }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'TC', 'first', CDA, { verifyCda: recordingVerifier(outcome).verify });
    expect(result).toMatchObject({ cid: 0x40, type: 'AAC', cdaVerified: false });
    expect(result.cryptogram.length).toBe(0);
    expect(ctx.tvr.names()).toEqual(['cdaFailed']);
    expect(ctx.tsi.names()).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
    expect(ctx.data.has('9F26')).toBe(false);
  });

  it('fails closed when the verifier throws', async () => {
    const card = new ScriptedCard([{ command: command('90', cdol1Data()), response: format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'ARQC', 'first', CDA, {
      verifyCda: () => {
        throw new RangeError('bad modulus');
      },
    });
    expect(result).toMatchObject({ type: 'AAC', cdaVerified: false });
    expect(ctx.tvr.names()).toEqual(['cdaFailed']);
    expect(ctx.tsi.names()).toEqual(['odaPerformed', 'cardRiskManagementPerformed']);
  });

  it('fails closed without an ICC public key', async () => {
    const card = new ScriptedCard([{ command: command('90', cdol1Data()), response: format2(tlv('9F27', '80'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) }]);
    const ctx = contextWith(card);
    const { verify, calls } = recordingVerifier(verified);
    const result = await generateAc(ctx, 'ARQC', 'first', { method: 'cda' }, { verifyCda: verify });
    expect(result).toMatchObject({ type: 'AAC', cdaVerified: false });
    expect(calls).toEqual([]);
  });

  it('takes an AAC in clear without a signature', async () => {
    const card = new ScriptedCard([{ command: command('90', cdol1Data()), response: format2(tlv('9F27', '00'), tlv('9F36', '0001'), tlv('9F26', AC)) }]);
    const ctx = contextWith(card);
    const { verify, calls } = recordingVerifier(verified);
    const result = await generateAc(ctx, 'ARQC', 'first', CDA, { verifyCda: verify });
    expect(result.type).toBe('AAC');
    expect(result.cdaVerified).toBeUndefined();
    expect(result.cryptogram.toString('hex').toUpperCase()).toBe(AC);
    expect(calls).toEqual([]);
    // no signature to check: CDA was not performed at this GENERATE AC, nothing failed
    expect(ctx.tvr.names()).toEqual([]);
    expect(ctx.tsi.names()).toEqual(['cardRiskManagementPerformed']);
  });

  it.each([
    ['an AAC is asked for', 'AAC', '00', false],
    ['CDA already failed before the GENERATE AC', 'ARQC', '80', true],
  ] as const)('asks for no signature when %s', async (_name, request, p1, failedBefore) => {
    const card = new ScriptedCard([{ command: command(p1, cdol1Data(failedBefore ? '0400000000' : '0000000000')), response: format1(p1) }]);
    const ctx = contextWith(card);
    if (failedBefore) ctx.tvr.set('cdaFailed');
    const result = await generateAc(ctx, request, 'first', CDA, { verifyCda: recordingVerifier(verified).verify });
    expect(result.type).toBe(request);
    expect(result.cdaVerified).toBeUndefined();
  });

  it('by default checks with the ODA module\'s verifier: a forged SDAD fails', async () => {
    const card = new ScriptedCard([{ command: command('50', cdol1Data()), response: format2(tlv('9F27', '40'), tlv('9F36', '0001'), tlv('9F4B', SDAD)) }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'TC', 'first', CDA);
    expect(result).toMatchObject({ type: 'AAC', cdaVerified: false });
    expect(ctx.tvr.names()).toEqual(['cdaFailed']);
  });
});

describe('CDA signed by a card of the simulation CA, checked by verifyCdaSignature (Book 2 §6.6.1, §6.6.2)', () => {
  const icc = makeRsaKeyPair(1024);
  const oda: OdaResult = { method: 'cda', iccKey: { modulus: icc.modulus, exponent: icc.exponent } };
  const DYNAMIC_NUMBER = hex('A1A2A3A4A5A6A7A8');
  const SIGNED_AC = '8877665544332211';

  /** The card's SDAD: Table 19 ICC dynamic data [length][ICC dynamic number][CID][AC][SHA-1 of the transaction data], with the UN it was given. */
  function sdad(cid: string, transactionData: Buffer, unpredictableNumber = hex('11223344')): string {
    const hashCode = createHash('sha1').update(transactionData).digest();
    const dynamicData = Buffer.concat([Buffer.of(DYNAMIC_NUMBER.length), DYNAMIC_NUMBER, hex(cid), hex(SIGNED_AC), hashCode]);
    return signDynamicData(icc, dynamicData, unpredictableNumber).toString('hex').toUpperCase();
  }
  /** The objects the card returns beside the SDAD, which the transaction data ends with. */
  const unsigned = (cid: string): string => tlv('9F27', cid) + tlv('9F36', '0005') + tlv('9F10', IAD);

  it('takes the AC and ICC dynamic number from a signature over PDOL ‖ CDOL1 data ‖ the response', async () => {
    const signature = sdad('80', hex(`0826${cdol1Data()}${unsigned('80')}`));
    const card = new ScriptedCard([gpo('0826'), { command: command('90', cdol1Data()), response: format2(tlv('9F27', '80'), tlv('9F36', '0005'), tlv('9F10', IAD), tlv('9F4B', signature)) }]);
    const ctx = contextWith(card);
    await initiate(ctx, '9F1A02');
    const result = await generateAc(ctx, 'ARQC', 'first', oda);
    expect(result).toMatchObject({ type: 'ARQC', cdaVerified: true });
    expect(result.cryptogram.toString('hex').toUpperCase()).toBe(SIGNED_AC);
    expect(ctx.data.get('9F4C')?.equals(DYNAMIC_NUMBER)).toBe(true);
    expect(ctx.tvr.names()).toEqual([]);
  });

  it.each([
    ['the card signed other transaction data (another amount)', () => sdad('40', hex(`${cdol1Data().replace('000000001234', '000000009999')}${unsigned('40')}`)), '40'],
    ['the CID inside the signature is not 9F27', () => sdad('80', hex(`${cdol1Data()}${unsigned('40')}`)), '40'],
    ['the card signed another unpredictable number', () => sdad('40', hex(`${cdol1Data()}${unsigned('40')}`), hex('99999999')), '40'],
  ])('sets CDA failed and declines when %s', async (_name, signature, cid) => {
    const card = new ScriptedCard([{ command: command('50', cdol1Data()), response: format2(tlv('9F27', cid), tlv('9F36', '0005'), tlv('9F10', IAD), tlv('9F4B', signature())) }]);
    const ctx = contextWith(card);
    const result = await generateAc(ctx, 'TC', 'first', oda);
    expect(result).toMatchObject({ cid: 0x40, type: 'AAC', cdaVerified: false });
    expect(ctx.tvr.names()).toEqual(['cdaFailed']);
  });
});

describe('GENERATE AC against random answers', () => {
  const RANK: Record<CryptogramType, number> = { AAC: 0, TC: 1, ARQC: 2 };
  const cid = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
  const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex'));
  const object = fc.oneof(
    fc.tuple(fc.constant('9F27'), fc.oneof(cid, bytes(0, 2))),
    fc.tuple(fc.constant('9F36'), bytes(1, 3)),
    fc.tuple(fc.constant('9F26'), bytes(7, 9)),
    fc.tuple(fc.constant('9F10'), bytes(0, 34)),
    fc.tuple(fc.constant('9F4B'), bytes(0, 40)),
    fc.tuple(fc.constantFrom('DF01', '5A'), bytes(0, 4)),
  );
  const answer = fc.oneof(
    fc.tuple(cid, bytes(0, 45)).map(([c, rest]) => `${tlv('80', c + rest)}9000`),
    fc.array(object, { maxLength: 7 }).map((objects) => format2(...objects.map(([tag, value]) => tlv(tag, value)))),
    fc.tuple(bytes(0, 60), fc.constantFrom('9000', '6985', '')).map(([data, sw]) => data + sw),
  );

  it('gives a typed outcome, never a cryptogram above the request, never a TC the card did not send', async () => {
    await fc.assert(
      fc.asyncProperty(answer, fc.constantFrom<CryptogramType>('AAC', 'TC', 'ARQC'), fc.boolean(), fc.boolean(), async (response, request, cda, signatureOk) => {
        const script: ScriptedExchange[] = [{ command: command(({ AAC: 0x00, TC: 0x40, ARQC: 0x80 }[request] | (cda && request !== 'AAC' ? 0x10 : 0)).toString(16).padStart(2, '0').toUpperCase(), cdol1Data()), response }];
        const card = new ScriptedCard(script);
        const ctx = contextWith(card);
        const verifyCda: CdaVerifier = () => (signatureOk ? { ok: true, applicationCryptogram: hex(AC), iccDynamicNumber: hex('01') } : { ok: false, reason: 'no' });
        try {
          const result = await generateAc(ctx, request, 'first', cda ? CDA : NO_ODA, { verifyCda });
          expect(RANK[result.type]).toBeLessThanOrEqual(RANK[request]);
          if (result.type === 'TC') expect(result.cid & 0xc0).toBe(0x40);
          if (result.type !== 'AAC') expect(result.cryptogram.length).toBe(8);
          expect(ctx.data.get('9F27')?.[0]).toBe(result.cid);
        } catch (error) {
          expect(isPosError(error)).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
