/**
 * Cardholder verification against EMV 4.4 Book 3 §10.5 and Annex C3 (CV
 * Rules), Book 4 Annex A2 (9F33) and A4 (CVM Results). The CVM step sends no
 * APDU: a scripted card with an empty script proves it.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { TRANSACTION_TYPE, type KernelContext, type TransactionRequest } from '../../../src/emv/kernel/context.js';
import { performCardholderVerification, type CvmCapabilities, type RequestOnlinePin } from '../../../src/emv/kernel/cvm.js';
import { parseCvmResults } from '../../../src/emv/interpret/cvm.js';
import { isPosError, PosError } from '../../../src/util/errors.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { hex } from '../helpers.js';
import { testContext, testKernelConfig, testRequest } from './fixtures.js';

/** AIP byte 1 b5: cardholder verification is supported (Book 3 Annex C1). */
const AIP_CVM_SUPPORTED = '1000';
const AIP_CVM_NOT_SUPPORTED = '0800';

/** 9F33 as the fixture has it: IC, online PIN + signature + no CVM required (byte 2 = 68), SDA/DDA/CDA. */
const CAPS_ALL = 'E068C8';

const BOTH: CvmCapabilities = { onlinePin: true, signature: true };

type Rule = readonly [code: number, condition: number];

/** CVM List (8E): [X: 4 bytes binary][Y: 4 bytes binary] then 2-byte CV Rules [CVM code][condition]. */
function cvmList(amountX: number, amountY: number, ...rules: Rule[]): Buffer {
  const out = Buffer.alloc(8 + rules.length * 2);
  out.writeUInt32BE(amountX, 0);
  out.writeUInt32BE(amountY, 4);
  rules.forEach(([code, condition], i) => {
    out[8 + i * 2] = code;
    out[9 + i * 2] = condition;
  });
  return out;
}

interface Setup {
  readonly list?: Buffer;
  readonly aip?: string;
  /** 9F42 as hex; absent when null. */
  readonly applicationCurrency?: string | null;
  readonly request?: Partial<TransactionRequest>;
  readonly terminalType?: number;
  readonly terminalCapabilities?: string;
}

function setup(options: Setup = {}): { ctx: KernelContext; card: ScriptedCard } {
  const card = new ScriptedCard([]);
  const base = testKernelConfig();
  const config = testKernelConfig({
    terminal: { ...base.terminal, terminalType: options.terminalType ?? 22, terminalCapabilities: hex(options.terminalCapabilities ?? CAPS_ALL) },
  });
  const ctx = testContext(card.transmit, { config, request: testRequest(options.request) });
  ctx.data.set('82', hex(options.aip ?? AIP_CVM_SUPPORTED), 'card');
  if (options.list !== undefined) ctx.data.set('8E', options.list, 'card');
  const currency = options.applicationCurrency === undefined ? '0826' : options.applicationCurrency;
  if (currency !== null) ctx.data.set('9F42', hex(currency), 'card');
  return { ctx, card };
}

function pinPad(answer: Awaited<ReturnType<RequestOnlinePin>>): RequestOnlinePin & { calls: number } {
  const fn = Object.assign(() => {
    fn.calls++;
    return Promise.resolve(answer);
  }, { calls: 0 });
  return fn;
}

const cvmResults = (ctx: KernelContext): string | undefined => ctx.data.get('9F34')?.toString('hex').toUpperCase();
const tvrHex = (ctx: KernelContext): string => ctx.tvr.bytes().toString('hex').toUpperCase();
const tsiHex = (ctx: KernelContext): string => ctx.tsi.bytes().toString('hex').toUpperCase();

describe('when cardholder verification is not performed (Book 3 §10.5)', () => {
  it('AIP byte 1 b5 = 0: nothing is done, CVM Results 3F0000, TSI and TVR untouched', async () => {
    const { ctx, card } = setup({ aip: AIP_CVM_NOT_SUPPORTED, list: cvmList(0, 0, [0x02, 0x00]) });
    const pin = pinPad('entered');
    expect(await performCardholderVerification(ctx, BOTH, pin)).toEqual({ onlinePinEntered: false, signatureRequired: false });
    expect(pin.calls).toBe(0);
    expect(cvmResults(ctx)).toBe('3F0000');
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(tsiHex(ctx)).toBe('0000');
    expect(card.finished).toBe(true);
  });

  it('no CVM List: ICC data missing (TVR byte 1 b6), CVM Results 3F0000, TSI not set', async () => {
    const { ctx } = setup();
    expect(await performCardholderVerification(ctx, BOTH, pinPad('entered'))).toEqual({ onlinePinEntered: false, signatureRequired: false });
    expect(tvrHex(ctx)).toBe('2000000000');
    expect(ctx.tvr.names()).toEqual(['iccDataMissing']);
    expect(cvmResults(ctx)).toBe('3F0000');
    expect(tsiHex(ctx)).toBe('0000');
  });

  it('a CVM List with amounts and no rules is the same as no list', async () => {
    const { ctx } = setup({ list: cvmList(100, 200) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(ctx.tvr.names()).toEqual(['iccDataMissing']);
    expect(cvmResults(ctx)).toBe('3F0000');
    expect(tsiHex(ctx)).toBe('0000');
  });

  it.each([
    ['shorter than the two amounts', '00000000 000000'],
    ['a rule cut in half', '00000000 00000000 1F'],
    ['a whole rule and half of another', '00000000 00000000 1F00 02'],
  ])('a CVM List %s ends the transaction: EMV_CARD_DATA_INVALID naming 8E', async (_name, list) => {
    const { ctx } = setup({ list: hex(list) });
    const error = await performCardholderVerification(ctx, BOTH, pinPad('entered')).catch((e: unknown) => e);
    expect(isPosError(error, 'EMV_CARD_DATA_INVALID')).toBe(true);
    expect((error as PosError).details).toEqual({ step: 'cardholder verification', tag: '8E', length: hex(list).length });
  });

  it('without an AIP the step refuses: EMV_CARD_DATA_MISSING naming 82', async () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    ctx.data.set('8E', cvmList(0, 0, [0x1f, 0x00]), 'card');
    const error = await performCardholderVerification(ctx, BOTH, pinPad('entered')).catch((e: unknown) => e);
    expect(isPosError(error, 'EMV_CARD_DATA_MISSING')).toBe(true);
    expect((error as PosError).details).toMatchObject({ tag: '82' });
  });
});

describe('CVM condition codes (Book 3 Annex C3), each with the rule "No CVM required" so that 9F34 says whether it applied', () => {
  const { cash, purchase, purchaseWithCashback, refund } = TRANSACTION_TYPE;
  const ATTENDED = 22;
  const UNATTENDED = 25;
  const X = 1000;
  const Y = 5000;
  const rows: readonly (readonly [string, number, Setup, boolean])[] = [
    ['00 always', 0x00, {}, true],
    ['01 if unattended cash: cash at an unattended terminal', 0x01, { request: { transactionType: cash }, terminalType: UNATTENDED }, true],
    ['01 if unattended cash: cash at an attended terminal', 0x01, { request: { transactionType: cash }, terminalType: ATTENDED }, false],
    ['01 if unattended cash: a purchase at an unattended terminal', 0x01, { request: { transactionType: purchase }, terminalType: UNATTENDED }, false],
    ['02 if not unattended cash, not manual cash, not cashback: a purchase', 0x02, { request: { transactionType: purchase } }, true],
    ['02 …: a refund', 0x02, { request: { transactionType: refund } }, true],
    ['02 …: manual cash', 0x02, { request: { transactionType: cash }, terminalType: ATTENDED }, false],
    ['02 …: unattended cash', 0x02, { request: { transactionType: cash }, terminalType: UNATTENDED }, false],
    ['02 …: purchase with cashback', 0x02, { request: { transactionType: purchaseWithCashback, amountOtherMinor: 500 } }, false],
    ['03 if terminal supports the CVM: 9F33 byte 2 b4 set', 0x03, {}, true],
    ['03 if terminal supports the CVM: 9F33 byte 2 b4 clear', 0x03, { terminalCapabilities: 'E060C8' }, false],
    ['04 if manual cash: cash at an attended terminal', 0x04, { request: { transactionType: cash }, terminalType: ATTENDED }, true],
    ['04 if manual cash: cash at an unattended terminal', 0x04, { request: { transactionType: cash }, terminalType: UNATTENDED }, false],
    ['04 if manual cash: a purchase', 0x04, { request: { transactionType: purchase } }, false],
    ['05 if purchase with cashback: 9C = 09', 0x05, { request: { transactionType: purchaseWithCashback, amountOtherMinor: 500 } }, true],
    ['05 if purchase with cashback: a purchase', 0x05, {}, false],
    ['06 under X: amount X − 1', 0x06, { request: { amountMinor: X - 1 } }, true],
    ['06 under X: amount X', 0x06, { request: { amountMinor: X } }, false],
    ['07 over X: amount X + 1', 0x07, { request: { amountMinor: X + 1 } }, true],
    ['07 over X: amount X', 0x07, { request: { amountMinor: X } }, false],
    ['08 under Y: amount Y − 1', 0x08, { request: { amountMinor: Y - 1 } }, true],
    ['08 under Y: amount Y', 0x08, { request: { amountMinor: Y } }, false],
    ['09 over Y: amount Y + 1', 0x09, { request: { amountMinor: Y + 1 } }, true],
    ['09 over Y: amount Y', 0x09, { request: { amountMinor: Y } }, false],
    ['06 under X, but the transaction is not in the application currency (9F42 0978, 5F2A 0826)', 0x06, { request: { amountMinor: 1 }, applicationCurrency: '0978' }, false],
    ['07 over X, but the transaction is not in the application currency', 0x07, { request: { amountMinor: X + 1 }, applicationCurrency: '0978' }, false],
    ['08 under Y, but the transaction is not in the application currency', 0x08, { request: { amountMinor: 1 }, applicationCurrency: '0978' }, false],
    ['09 over Y, but the transaction is not in the application currency', 0x09, { request: { amountMinor: Y + 1 }, applicationCurrency: '0978' }, false],
    ['06 under X with no Application Currency Code: the data the condition needs is absent', 0x06, { request: { amountMinor: 1 }, applicationCurrency: null }, false],
    ['06 under X with a malformed Application Currency Code', 0x06, { request: { amountMinor: 1 }, applicationCurrency: '000826' }, false],
    ['0A (RFU): not understood, passed over', 0x0a, {}, false],
    ['80 (payment system): not understood, passed over', 0x80, {}, false],
  ];

  it.each(rows)('%s', async (_name, condition, options, applies) => {
    const { ctx } = setup({ ...options, list: cvmList(X, Y, [0x1f, condition]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    if (applies) {
      expect(cvmResults(ctx)).toBe(`1F${condition.toString(16).toUpperCase().padStart(2, '0')}02`);
      expect(tvrHex(ctx)).toBe('0000000000');
    } else {
      // The only rule was passed over: the list ended with nothing performed.
      expect(cvmResults(ctx)).toBe('3F0001');
      expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed']);
    }
    expect(ctx.tsi.names()).toEqual(['cardholderVerificationPerformed']);
  });
});

describe('CVMs (Book 3 §10.5.1–§10.5.3) and their CVM Results (Book 4 Annex A4)', () => {
  it('online PIN entered: TVR "Online PIN entered" (byte 3 b3), 9F34 02 00 00 (result unknown), TSI byte 1 b7', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x00]) });
    const pin = pinPad('entered');
    expect(await performCardholderVerification(ctx, BOTH, pin)).toEqual({ onlinePinEntered: true, signatureRequired: false });
    expect(pin.calls).toBe(1);
    expect(tvrHex(ctx)).toBe('0000040000');
    expect(cvmResults(ctx)).toBe('020000');
    expect(tsiHex(ctx)).toBe('4000');
    expect(parseCvmResults(ctx.data.get('9F34') as Buffer)).toEqual({ method: 'Enciphered PIN verified online', condition: 'Always', result: 'Unknown' });
  });

  it('CVM Results byte 1 is the rule\'s CVM code byte as the card coded it, b7 included (42 03 00)', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x42, 0x03], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(cvmResults(ctx)).toBe('420300');
  });

  it('online PIN bypassed, b7 = 0: "PIN entry required, PIN pad present, but PIN was not entered" and verification failed; 9F34 02 00 01', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x00], [0x1f, 0x00]) });
    expect(await performCardholderVerification(ctx, BOTH, pinPad('bypassed'))).toEqual({ onlinePinEntered: false, signatureRequired: false });
    expect(tvrHex(ctx)).toBe('0000880000');
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'pinNotEntered']);
    expect(cvmResults(ctx)).toBe('020001');
    expect(tsiHex(ctx)).toBe('4000');
  });

  it('online PIN bypassed, b7 = 1: the next rule (signature) applies; the bypass stays in the TVR', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x42, 0x00], [0x1e, 0x00]) });
    expect(await performCardholderVerification(ctx, BOTH, pinPad('bypassed'))).toEqual({ onlinePinEntered: false, signatureRequired: true });
    expect(ctx.tvr.names()).toEqual(['pinNotEntered']);
    expect(cvmResults(ctx)).toBe('1E0000');
  });

  it('a PIN bypassed once is not asked for again by a later online PIN rule', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x42, 0x00], [0x42, 0x03], [0x1f, 0x00]) });
    const pin = pinPad('bypassed');
    await performCardholderVerification(ctx, BOTH, pin);
    expect(pin.calls).toBe(1);
    expect(ctx.tvr.names()).toEqual(['pinNotEntered']);
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it('PIN pad unavailable: "PIN entry required and PIN pad not present or not working" (byte 3 b5); nothing performed, 9F34 3F0001', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('unavailable'));
    expect(tvrHex(ctx)).toBe('0000900000');
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'pinPadNotPresentOrNotWorking']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('9F33 claims online PIN but the PIN pad is not working (caps.onlinePin false): the PIN pad is not asked, byte 3 b5 set', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x42, 0x00], [0x1f, 0x00]) });
    const pin = pinPad('entered');
    await performCardholderVerification(ctx, { onlinePin: false, signature: true }, pin);
    expect(pin.calls).toBe(0);
    expect(ctx.tvr.names()).toEqual(['pinPadNotPresentOrNotWorking']);
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it('online PIN not supported (9F33 byte 2 b7 clear), condition "always": byte 3 b5 set, the CVM failed', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x00]), terminalCapabilities: 'E028C8' });
    const pin = pinPad('entered');
    await performCardholderVerification(ctx, BOTH, pin);
    expect(pin.calls).toBe(0);
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'pinPadNotPresentOrNotWorking']);
  });

  it('online PIN not supported, condition "if terminal supports the CVM": the rule is passed over with no TVR bit', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x03], [0x1f, 0x00]), terminalCapabilities: 'E028C8' });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it.each([
    ['01 plaintext PIN verification performed by ICC', 0x01],
    ['03 plaintext PIN by ICC and signature', 0x03],
    ['04 enciphered PIN verification performed by ICC', 0x04],
    ['05 enciphered PIN by ICC and signature', 0x05],
  ])('offline PIN is not supported (%s): byte 3 b5 set, the CVM failed, 9F34 3F0001', async (_name, code) => {
    const { ctx } = setup({ list: cvmList(0, 0, [code, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'pinPadNotPresentOrNotWorking']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('offline PIN with b7 = 1 falls through to online PIN: byte 3 b5 and b3', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x41, 0x00], [0x42, 0x00]) });
    expect(await performCardholderVerification(ctx, BOTH, pinPad('entered'))).toEqual({ onlinePinEntered: true, signatureRequired: false });
    expect(tvrHex(ctx)).toBe('0000140000');
    expect(cvmResults(ctx)).toBe('420000');
  });

  it('offline PIN with condition "if terminal supports the CVM" is passed over with no TVR bit', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x44, 0x03], [0x1f, 0x03]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(cvmResults(ctx)).toBe('1F0302');
  });

  it('signature at an attended terminal with a signature line: signatureRequired, 9F34 1E 03 00', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x1e, 0x03]) });
    expect(await performCardholderVerification(ctx, BOTH, pinPad('entered'))).toEqual({ onlinePinEntered: false, signatureRequired: true });
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(cvmResults(ctx)).toBe('1E0300');
  });

  it.each([
    ['no signature line (caps.signature false)', { onlinePin: true, signature: false }, 22, CAPS_ALL],
    ['an unattended terminal (9F35 25)', BOTH, 25, CAPS_ALL],
    ['9F33 byte 2 b6 clear', BOTH, 22, 'E048C8'],
  ])('signature is not supported with %s: the CVM failed, nothing performed', async (_name, caps, terminalType, terminalCapabilities) => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x1e, 0x00]), terminalType, terminalCapabilities });
    expect(await performCardholderVerification(ctx, caps, pinPad('entered'))).toEqual({ onlinePinEntered: false, signatureRequired: false });
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('no CVM required: 9F34 1F 00 02 (successful), no TVR bit', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it('no CVM required when 9F33 byte 2 b4 is clear: not supported, the CVM failed', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x1f, 0x00]), terminalCapabilities: 'E060C8' });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('fail CVM processing (00): verification failed, 9F34 00 00 01', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x00, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000800000');
    expect(cvmResults(ctx)).toBe('000001');
    expect(tsiHex(ctx)).toBe('4000');
  });

  it('fail CVM processing with b7 = 1 (40): the next rule applies', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x40, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000000000');
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it.each([
    ['06 (RFU for EMV)', 0x06],
    ['20 (payment system)', 0x20],
    ['30 (issuer)', 0x30],
    ['3F (not available for use)', 0x3f],
  ])('CVM %s is not recognised: "Unrecognised CVM" (byte 3 b7), the CVM failed', async (_name, code) => {
    const { ctx } = setup({ list: cvmList(0, 0, [code, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(tvrHex(ctx)).toBe('0000C00000');
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'unrecognisedCvm']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('an unrecognised CVM with b7 = 1: bit set, the next rule applies', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x60, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(ctx.tvr.names()).toEqual(['unrecognisedCvm']);
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it('b8 of the CVM code is RFU and does not change the method (9F = no CVM required)', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x9f, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('entered'));
    expect(cvmResults(ctx)).toBe('9F0002');
  });

  it('a chain with b7 = 1 throughout: offline PIN, online PIN bypassed, signature without a line, then no CVM required', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x41, 0x00], [0x42, 0x00], [0x5e, 0x00], [0x1f, 0x00]) });
    const pin = pinPad('bypassed');
    expect(await performCardholderVerification(ctx, { onlinePin: true, signature: false }, pin)).toEqual({ onlinePinEntered: false, signatureRequired: false });
    expect(pin.calls).toBe(1);
    expect(tvrHex(ctx)).toBe('0000180000');
    expect(cvmResults(ctx)).toBe('1F0002');
  });

  it('when the list fails after a performed CVM, 9F34 names the last one performed', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x42, 0x00], [0x01, 0x00]) });
    await performCardholderVerification(ctx, BOTH, pinPad('bypassed'));
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed', 'pinPadNotPresentOrNotWorking', 'pinNotEntered']);
    expect(cvmResults(ctx)).toBe('420001');
  });

  it('a rule whose b7 = 0 stops the list even when later rules would succeed', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x1e, 0x00], [0x1f, 0x00]) });
    await performCardholderVerification(ctx, { onlinePin: true, signature: false }, pinPad('entered'));
    expect(ctx.tvr.names()).toEqual(['cardholderVerificationFailed']);
    expect(cvmResults(ctx)).toBe('3F0001');
  });

  it('the PIN pad\'s own failure (the cardholder cancels) goes up unchanged', async () => {
    const { ctx } = setup({ list: cvmList(0, 0, [0x02, 0x00]) });
    const cancelled = new PosError('PIN_ENTRY_CANCELLED', 'cancel key');
    await expect(performCardholderVerification(ctx, BOTH, () => Promise.reject(cancelled))).rejects.toBe(cancelled);
  });
});

describe('any CVM List (fast-check)', () => {
  const ruleArb = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })) as fc.Arbitrary<Rule>;
  const listArb = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.array(ruleArb, { maxLength: 12 })).map(([x, y, rules]) => cvmList(x, y, ...rules)),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  );

  it('gives a typed outcome: CVM Results of 3 bytes, TVR bits of CVM processing only, never an untyped throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        listArb,
        fc.constantFrom('1000', '0000', '10', '100000'),
        fc.option(fc.constantFrom('0826', '0978', '08', ''), { nil: null }),
        fc.record({ onlinePin: fc.boolean(), signature: fc.boolean() }),
        fc.constantFrom<'entered' | 'bypassed' | 'unavailable'>('entered', 'bypassed', 'unavailable'),
        fc.constantFrom(...Object.values(TRANSACTION_TYPE)),
        fc.constantFrom(11, 22, 25, 34),
        fc.integer({ min: 0, max: 10_000_000 }),
        async (list, aip, currency, caps, answer, transactionType, terminalType, amountMinor) => {
          const { ctx } = setup({ list, aip, applicationCurrency: currency, request: { transactionType, amountMinor }, terminalType });
          const pin = vi.fn(() => Promise.resolve(answer));
          let outcome;
          try {
            outcome = await performCardholderVerification(ctx, caps, pin);
          } catch (error) {
            expect(error).toBeInstanceOf(PosError);
            expect(['EMV_CARD_DATA_INVALID']).toContain((error as PosError).code);
            return;
          }
          const results = ctx.data.get('9F34');
          expect(results?.length).toBe(3);
          expect([0, 1, 2]).toContain(results?.[2]);
          const allowed = ['iccDataMissing', 'cardholderVerificationFailed', 'unrecognisedCvm', 'pinPadNotPresentOrNotWorking', 'pinNotEntered', 'onlinePinEntered'];
          for (const name of ctx.tvr.names()) expect(allowed).toContain(name);
          expect(outcome.onlinePinEntered).toBe(ctx.tvr.has('onlinePinEntered'));
          expect(pin.mock.calls.length).toBeLessThanOrEqual(1);
          if (ctx.tvr.has('cardholderVerificationFailed')) {
            expect(outcome).toEqual({ onlinePinEntered: false, signatureRequired: false });
            expect(results?.[2]).toBe(1);
          }
          if (outcome.onlinePinEntered || outcome.signatureRequired) expect(results?.[2]).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
