/**
 * The new transaction types on the ISO 8583 wire, field by field against the
 * header comments of `financial.ts`, `additional-amounts.ts`, `follow-up.ts`
 * and `reversal.ts`: processing codes, DE 54's blocks, DE 90 for each kind
 * of original, and completions and tip adjustments without card data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  additionalAmountOf,
  AMOUNT_TYPES,
  encodeAdditionalAmounts,
  parseAdditionalAmounts,
  tipAndCashbackField,
  type AdditionalAmount,
} from '../../src/host/messages/additional-amounts.js';
import { encode } from '../../src/emv/ber-tlv.js';
import { chipDataMap } from '../../src/host/messages/chip-data.js';
import { encodeFinancialRequest } from '../../src/host/messages/financial.js';
import { encodeFollowUpRequest, readFollowUpResponse } from '../../src/host/messages/follow-up.js';
import { parseOriginalDataElements, reversalFromPending, reversalMessage, reversalReasonFor } from '../../src/host/messages/reversal.js';
import type { CardRequest, FollowUpRequest, OriginalTransaction } from '../../src/host/model.js';
import type { PendingReversal } from '../../src/host/reversal-store.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { toHex } from '../../src/util/hex.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { thrown } from '../pos-error.js';
import { cardOf, PURCHASE_AT, purchase } from './helpers.js';

const CARD_FIELDS = [2, 14, 35, 45, 52, 53, 55];
const sentOf = (bytes: Buffer): Iso8583Message => decodeMessage(iso87ascii, bytes);

describe('DE 54 additional amounts: [account n2][amount type n2][currency n3][sign C|D][amount n12]', () => {
  it('writes a cashback then a tip as two 20-character blocks, account 00, sign D', () => {
    const de54 = tipAndCashbackField('978', { tipMinor: 250, cashbackMinor: 2000 });
    expect(de54).toBe(['00', '40', '978', 'D', '000000002000'].join('') + ['00', '44', '978', 'D', '000000000250'].join(''));
  });

  it('writes nothing when there is neither tip nor cashback', () => {
    expect(tipAndCashbackField('978', {})).toBeUndefined();
    expect(tipAndCashbackField('978', { tipMinor: 0, cashbackMinor: 0 })).toBeUndefined();
  });

  it('reads back what it writes, balances and credits too', () => {
    const amounts: AdditionalAmount[] = [
      { accountType: '10', amountType: AMOUNT_TYPES.availableBalance, currency: '840', sign: 'C', amountMinor: 123456 },
      { accountType: '00', amountType: AMOUNT_TYPES.gratuity, currency: '840', sign: 'D', amountMinor: 0 },
    ];
    const de54 = encodeAdditionalAmounts(amounts);
    expect(de54).toBe('1002840C000000123456' + '0044840D000000000000');
    expect(parseAdditionalAmounts(de54)).toEqual(amounts);
    expect(additionalAmountOf(amounts, AMOUNT_TYPES.availableBalance)).toBe(123456);
    expect(additionalAmountOf(amounts, AMOUNT_TYPES.cashback)).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['a short block', '0040978D00000000200'],
    ['a sign other than C or D', '0040978X000000002000'],
    ['letters in the amount', '0040978D00000000200A'],
    ['seven blocks', '0040978D000000002000'.repeat(7)],
  ])('refuses %s', (_what, de54) => {
    expect(parseAdditionalAmounts(de54)).toBeUndefined();
  });

  it('refuses to write seven blocks or a bad code (HOST_REQUEST_INVALID, field 54)', () => {
    const block: AdditionalAmount = { accountType: '00', amountType: '40', currency: '978', sign: 'D', amountMinor: 1 };
    expect(thrown(() => encodeAdditionalAmounts(Array.from({ length: 7 }, () => block))).details).toMatchObject({ field: 54, reason: 'block-count' });
    expect(thrown(() => encodeAdditionalAmounts([{ ...block, currency: 'EUR' }])).details).toMatchObject({ field: 54, reason: 'block-code', block: 0 });
  });

  it('parses any text to amounts or undefined, and what it parses writes back the same (fuzz)', () => {
    const blockText = fc
      .tuple(fc.stringMatching(/^\d{2}$/), fc.stringMatching(/^\d{2}$/), fc.stringMatching(/^\d{3}$/), fc.constantFrom('C', 'D'), fc.stringMatching(/^\d{12}$/))
      .map((parts) => parts.join(''));
    const text = fc.oneof(fc.string({ maxLength: 130 }), fc.array(blockText, { minLength: 0, maxLength: 7 }).map((b) => b.join('')));
    fc.assert(
      fc.property(text, (de54) => {
        const amounts = parseAdditionalAmounts(de54);
        if (amounts !== undefined) expect(encodeAdditionalAmounts(amounts)).toBe(de54);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('card requests: DE 3, the MTI and DE 54', () => {
  const base = purchase(cardOf('visa-ok'), 5000, { stan: '000200', at: PURCHASE_AT });

  it.each<[string, CardRequest, string, string, string | undefined]>([
    ['a purchase', base, '0200', '000000', undefined],
    ['a purchase with cashback: 09, DE 54 type 40', { ...base, cashbackMinor: 2000 }, '0200', '090000', '0040978D000000002000'],
    ['a purchase with a tip: 00, DE 54 type 44', { ...base, tipMinor: 500 }, '0200', '000000', '0044978D000000000500'],
    ['a refund: 20', { ...base, kind: 'refund' }, '0200', '200000', undefined],
    ['a pre-authorization: 0100, 00', { ...base, kind: 'preauth' }, '0100', '000000', undefined],
  ])('%s', (_what, request, mti, de3, de54) => {
    const sent = sentOf(encodeFinancialRequest(iso87ascii, request, request.kind === 'preauth' ? { mti: '0100' } : {}));
    expect(sent.mti).toBe(mti);
    expect(sent.get(3)).toBe(de3);
    expect(sent.get(4)).toBe('000000005000');
    expect(sent.get(54)).toBe(de54);
  });

  it('carries the chip data of a cashback purchase as the reader gave it: 9C 09 and 9F03 the cash, the PAN stripped', () => {
    const tlv = encode([
      { tag: '9F02', value: Buffer.from('000000005000', 'hex') },
      { tag: '9F03', value: Buffer.from('000000002000', 'hex') },
      { tag: '9C', value: Buffer.from('09', 'hex') },
      { tag: '5A', value: Buffer.from('4111111111111111', 'hex') },
    ]);
    const sent = sentOf(encodeFinancialRequest(iso87ascii, { ...base, entryMode: 'chip', cashbackMinor: 2000, chip: { tlv: Sensitive.of('data', tlv) } }));
    const de55 = sent.get(55);
    if (!Buffer.isBuffer(de55)) throw new Error('no DE 55');
    const chip = chipDataMap(de55);
    expect(toHex(chip.get('9C') ?? Buffer.alloc(0))).toBe('09');
    expect(toHex(chip.get('9F03') ?? Buffer.alloc(0))).toBe('000000002000');
    expect(chip.has('5A')).toBe(false);
    expect(sent.get(3)).toBe('090000');
  });

  it('sends a pre-authorization as 0100 without being told', () => {
    expect(sentOf(encodeFinancialRequest(iso87ascii, { ...base, kind: 'preauth' })).mti).toBe('0100');
  });

  it.each<[string, CardRequest, Record<string, unknown>]>([
    ['a refund with cashback', { ...base, kind: 'refund', cashbackMinor: 100 }, { field: 3, reason: 'cashback-kind' }],
    ['a pre-authorization with cashback', { ...base, kind: 'preauth', cashbackMinor: 100 }, { field: 3, reason: 'cashback-kind' }],
    ['a refund with a tip', { ...base, kind: 'refund', tipMinor: 100 }, { field: 54, reason: 'tip-kind' }],
    ['tip and cashback over the whole amount', { ...base, tipMinor: 3000, cashbackMinor: 2001 }, { field: 4, reason: 'parts-over-amount' }],
    ['a negative tip', { ...base, tipMinor: -1 }, { field: 54, reason: 'part' }],
    ['a fractional cashback', { ...base, cashbackMinor: 1.5 }, { field: 54, reason: 'part' }],
  ])('refuses %s before sending (HOST_REQUEST_INVALID)', (_what, request, details) => {
    const err = thrown(() => encodeFinancialRequest(iso87ascii, request));
    expect(err.code).toBe('HOST_REQUEST_INVALID');
    expect(err.details).toMatchObject(details);
  });

  it('refuses a pre-authorization as 0200 and a refund as 0100', () => {
    expect(thrown(() => encodeFinancialRequest(iso87ascii, { ...base, kind: 'preauth' }, { mti: '0200' })).details).toMatchObject({ reason: 'kind-mti' });
    expect(thrown(() => encodeFinancialRequest(iso87ascii, { ...base, kind: 'refund' }, { mti: '0100' })).details).toMatchObject({ reason: 'kind-mti' });
  });
});

const HOLD: OriginalTransaction = {
  transactionId: 'txn-hold',
  kind: 'preauth',
  stan: '000150',
  transmittedAt: '2026-06-15T12:00:01.000Z',
  amountMinor: 10000,
  currency: '978',
  authCode: 'A00007',
  rrn: '000000000007',
  entryMode: 'chip',
  maskedPan: '411111******1111',
};
const SALE: OriginalTransaction = { ...HOLD, transactionId: 'txn-sale', kind: 'purchase', stan: '000151', amountMinor: 4200, authCode: 'A00008', rrn: '000000000008' };

function followUp(kind: FollowUpRequest['kind'], more: Partial<FollowUpRequest> = {}): FollowUpRequest {
  return {
    kind,
    stan: '000201',
    at: PURCHASE_AT,
    amountMinor: kind === 'completion' ? 8250 : kind === 'incremental' ? 2500 : 4650,
    ...(kind === 'tip-adjust' ? { tipMinor: 450 } : {}),
    currency: '978',
    terminalId: 'T0000001',
    merchantId: 'M00000000000001',
    original: kind === 'tip-adjust' ? SALE : HOLD,
    ...more,
  };
}

describe('completion of a pre-authorization', () => {
  const sent = sentOf(encodeFollowUpRequest(iso87ascii, followUp('completion')));

  it.each<[number, string, string | undefined]>([
    [3, 'processing code 00: goods and services', '000000'],
    [4, 'the amount captured', '000000008250'],
    [7, 'now, UTC', '0615143005'],
    [11, "the completion's own STAN", '000201'],
    [22, "the pre-authorization's entry mode", '052'],
    [25, 'POS condition 06: preauthorized request', '06'],
    [37, "the pre-authorization's RRN", '000000000007'],
    [38, "the pre-authorization's auth code", 'A00007'],
    [41, 'terminal ID', 'T0000001'],
    [42, 'merchant ID', 'M00000000000001'],
    [49, 'currency', '978'],
    [54, 'no tip: absent', undefined],
    [90, 'original: MTI 0100, its STAN, its DE 7, zero institution IDs', '0100' + '000150' + '0615120001' + '0'.repeat(22)],
  ])('carries DE %i (%s)', (field, _what, value) => {
    expect(sent.get(field)).toBe(value);
  });

  it('is a 0220 advice by default, with no card data at all, MAC in DE 128', () => {
    expect(sent.mti).toBe('0220');
    expect(sent.fieldNumbers().filter((n) => CARD_FIELDS.includes(n))).toEqual([]);
    expect(sent.fieldNumbers()).toEqual([3, 4, 7, 11, 12, 13, 22, 25, 37, 38, 41, 42, 49, 90]);
    const macd = sentOf(encodeFollowUpRequest(iso87ascii, followUp('completion'), { macKey: Buffer.alloc(16, 0x11) }));
    expect(macd.has(128)).toBe(true);
    expect(macd.has(64)).toBe(false);
  });

  it('is a 0200 when the dialect wants a request, a 0221 when repeated', () => {
    expect(sentOf(encodeFollowUpRequest(iso87ascii, followUp('completion'), { completionMessage: 'request' })).mti).toBe('0200');
    expect(sentOf(encodeFollowUpRequest(iso87ascii, followUp('completion'), { repeat: true })).mti).toBe('0221');
  });

  it('carries its tip in DE 54 when it has one', () => {
    expect(sentOf(encodeFollowUpRequest(iso87ascii, followUp('completion', { tipMinor: 750 }))).get(54)).toBe('0044978D000000000750');
  });

  it.each<[string, Partial<FollowUpRequest>, Record<string, unknown>]>([
    ['a completion naming a purchase', { original: SALE }, { field: 90, reason: 'original-kind' }],
    ['an original without an auth code', { original: { ...HOLD, authCode: null } }, { field: 38, reason: 'auth-code' }],
    ['a tip over the amount', { tipMinor: 9000 }, { field: 54, reason: 'tip' }],
    ['an original time that is not a date', { original: { ...HOLD, transmittedAt: 'yesterday' } }, { field: 90 }],
  ])('refuses %s before sending', (_what, more, details) => {
    const err = thrown(() => encodeFollowUpRequest(iso87ascii, followUp('completion', more)));
    expect(err.code).toBe('HOST_REQUEST_INVALID');
    expect(err.details).toMatchObject(details);
  });
});

describe('tip adjustment', () => {
  const sent = sentOf(encodeFollowUpRequest(iso87ascii, followUp('tip-adjust')));

  it('is a 0220 with DE 3 02 (debit adjustment), the new whole amount, the new tip, DE 90 naming the 0200', () => {
    expect(sent.mti).toBe('0220');
    expect(sent.get(3)).toBe('020000');
    expect(sent.get(4)).toBe('000000004650');
    expect(sent.get(25)).toBe('00');
    expect(sent.get(38)).toBe('A00008');
    expect(sent.get(54)).toBe('0044978D000000000450');
    expect(parseOriginalDataElements(String(sent.get(90)))).toEqual({ mti: '0200', stan: '000151', transmissionDateTime: '0615120001' });
    expect(sent.fieldNumbers().filter((n) => CARD_FIELDS.includes(n))).toEqual([]);
  });

  it('says a removed tip as an explicit 0, and stays an advice whatever the completion setting', () => {
    const removed = sentOf(encodeFollowUpRequest(iso87ascii, followUp('tip-adjust', { tipMinor: 0, amountMinor: 4200 }), { completionMessage: 'request' }));
    expect(removed.mti).toBe('0220');
    expect(removed.get(54)).toBe('0044978D000000000000');
  });

  it('refuses one naming a pre-authorization', () => {
    expect(thrown(() => encodeFollowUpRequest(iso87ascii, followUp('tip-adjust', { original: HOLD }))).details).toMatchObject({ field: 90, reason: 'original-kind' });
  });
});

describe('incremental authorization', () => {
  const sent = sentOf(encodeFollowUpRequest(iso87ascii, followUp('incremental')));

  it('is a 0100 with DE 3 00, the amount added, DE 25 00, DE 90 naming the 0100, no card data', () => {
    expect(sent.mti).toBe('0100');
    expect(sent.get(3)).toBe('000000');
    expect(sent.get(4)).toBe('000000002500');
    expect(sent.get(11)).toBe('000201');
    expect(sent.get(25)).toBe('00');
    expect(sent.get(37)).toBe('000000000007');
    expect(sent.get(38)).toBe('A00007');
    expect(sent.get(54)).toBeUndefined();
    expect(parseOriginalDataElements(String(sent.get(90)))).toEqual({ mti: '0100', stan: '000150', transmissionDateTime: '0615120001' });
    expect(sent.fieldNumbers()).toEqual([3, 4, 7, 11, 12, 13, 22, 25, 37, 38, 41, 42, 49, 90]);
  });

  it('stays a 0100 whatever the completion setting and is never an advice repeat', () => {
    expect(sentOf(encodeFollowUpRequest(iso87ascii, followUp('incremental'), { completionMessage: 'request' })).mti).toBe('0100');
    expect(sentOf(encodeFollowUpRequest(iso87ascii, followUp('incremental'), { repeat: true })).mti).toBe('0100');
  });

  it('reads its answer as a 0110, and refuses a 0230', () => {
    const answer = (mti: string): Iso8583Message => new Iso8583Message(mti, { 4: '000000002500', 11: '000201', 38: 'A00007', 39: '51', 41: 'T0000001' });
    expect(readFollowUpResponse(followUp('incremental'), answer('0110'))).toMatchObject({ responseCode: '51', approved: false });
    expect(thrown(() => readFollowUpResponse(followUp('incremental'), answer('0230'))).code).toBe('HOST_BAD_RESPONSE');
  });

  it('refuses one naming a purchase', () => {
    expect(thrown(() => encodeFollowUpRequest(iso87ascii, followUp('incremental', { original: SALE }))).details).toMatchObject({ field: 90, reason: 'original-kind' });
  });
});

describe('the follow-up answer', () => {
  const answer = (mti: string, fields: Record<number, string>): Iso8583Message =>
    new Iso8583Message(mti, { 4: '000000008250', 11: '000201', 37: '000000000009', 38: 'A00007', 39: '00', 41: 'T0000001', ...fields });

  it('reads a 0230 to a 0220 and a 0210 to a 0200', () => {
    expect(readFollowUpResponse(followUp('completion'), answer('0230', {}))).toEqual({ responseCode: '00', approved: true, authCode: 'A00007', rrn: '000000000009', stan: '000201' });
    expect(readFollowUpResponse(followUp('completion'), answer('0210', { 39: '13' }), { completionMessage: 'request' })).toMatchObject({ responseCode: '13', approved: false });
  });

  it.each<[string, string, Record<number, string>, number]>([
    ['the wrong MTI', '0210', {}, 0],
    ['another amount', '0230', { 4: '000000008251' }, 4],
    ['another STAN', '0230', { 11: '000202' }, 11],
    ['another terminal', '0230', { 41: 'T0000002' }, 41],
  ])('refuses an answer with %s (HOST_BAD_RESPONSE naming the field)', (_what, mti, fields, field) => {
    const err = thrown(() => readFollowUpResponse(followUp('completion'), answer(mti, fields)));
    expect(err.code).toBe('HOST_BAD_RESPONSE');
    expect(err.details['field']).toBe(field);
  });
});

describe('reversal of each kind of original', () => {
  const pending = (original: PendingReversal['original'], more: Partial<PendingReversal> = {}): PendingReversal => ({
    transactionId: 'txn-1',
    original,
    stan: '000160',
    terminalId: 'T0000001',
    transmittedAt: '2026-06-15T12:00:01.000Z',
    amountMinor: 7000,
    currency: '978',
    entryMode: 'chip',
    reason: 'TXN_VOIDED',
    maskedPan: '411111******1111',
    ...more,
  });
  const reversal = (p: PendingReversal, completionMessage?: 'advice' | 'request'): Iso8583Message => {
    const message = reversalMessage(reversalFromPending(p, { merchantId: 'M00000000000001', at: PURCHASE_AT, ...(completionMessage === undefined ? {} : { completionMessage }) }));
    return new Iso8583Message(message.mti, message.fields as Record<number, string>);
  };

  it.each<[string, PendingReversal, 'advice' | 'request' | undefined, string, string]>([
    ['a purchase (a void) names its 0200', pending('purchase'), undefined, '000000', '0200'],
    ['a purchase with cashback keeps DE 3 09', pending('purchase', { cashbackMinor: 500 }), undefined, '090000', '0200'],
    ['a refund (a void) names its 0200', pending('refund'), undefined, '200000', '0200'],
    ['a pre-authorization (a release) names its 0100', pending('preauth', { reason: 'TXN_RELEASED' }), undefined, '000000', '0100'],
    ['a completion names its 0220', pending('completion'), undefined, '000000', '0220'],
    ['a completion sent as a request names its 0200', pending('completion'), 'request', '000000', '0200'],
    ['a tip adjustment names its 0220, DE 3 02', pending('tip-adjust'), 'request', '020000', '0220'],
    ['an increment names its 0100', pending('incremental'), 'request', '000000', '0100'],
  ])('%s', (_what, p, completionMessage, de3, originalMti) => {
    const sent = reversal(p, completionMessage);
    expect(sent.mti).toBe('0400');
    expect(sent.get(3)).toBe(de3);
    expect(sent.get(11)).toBe('000160');
    expect(parseOriginalDataElements(String(sent.get(90)))).toEqual({ mti: originalMti, stan: '000160', transmissionDateTime: '0615120001' });
  });

  it.each([
    ['TXN_VOIDED', '17'],
    ['TXN_RELEASED', '17'],
    ['HOST_CANCELLED', '17'],
    ['HOST_TIMEOUT', '68'],
    ['HOST_BAD_RESPONSE', '68'],
  ])('gives %s DE 39 %s', (code, de39) => {
    expect(reversalReasonFor(code)).toBe(de39 === '17' ? 'customerCancellation' : 'noResponse');
    expect(reversal(pending('purchase', { reason: code })).get(39)).toBe(de39);
  });
});
