import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { macX919 } from '../../src/crypto/mac/iso9797.js';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldValue } from '../../src/iso8583/types.js';
import { TerminalMacKey } from '../../src/host/keys.js';
import { chipDataForHost } from '../../src/host/messages/chip-data.js';
import { transmissionDateTime } from '../../src/host/messages/fields.js';
import { encodeFinancialRequest, readFinancialResponse, type CardTransaction, type SealedAdvice } from '../../src/host/messages/financial.js';
import { encodeWithMac } from '../../src/host/messages/mac.js';
import { encodeNetworkRequest, readNetworkResponse } from '../../src/host/messages/network.js';
import { encodeReconciliationRequest, readReconciliationResponse, ZERO_TOTALS, type ReconciliationTotals } from '../../src/host/messages/reconciliation.js';
import { encodeReversalRequest, originalDataElements, parseOriginalDataElements, readReversalResponse, reversalFromPending, type ReversalInput } from '../../src/host/messages/reversal.js';
import { adviceSealingKey, sealAdviceCard } from '../../src/host/messages/sealed-advice.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { cardOf, PURCHASE_AT, purchase, VISA_PURCHASE_FIELDS } from './helpers.js';
import { thrown } from '../pos-error.js';

const KEYS = loadSimulationKeys();
const TAK = KEYS.tak;
const AT = PURCHASE_AT;

/** Chip data as a reader delivers it: with the PAN (5A), track 2 (57) and name (5F20), which must not reach DE 55. */
const CHIP_TLV = encode([
  { tag: '5A', value: Buffer.from('4111111111111111', 'hex') },
  { tag: '57', value: Buffer.from('4111111111111111D30121010000000000', 'hex') },
  { tag: '5F20', value: Buffer.from('TEST/CARD ONE', 'latin1') },
  { tag: '9F26', value: Buffer.from('0102030405060708', 'hex') },
  { tag: '9F36', value: Buffer.from('0001', 'hex') },
  { tag: '77', children: [{ tag: '9F6B', value: Buffer.from('4111111111111111D3012', 'hex') }, { tag: '9F27', value: Buffer.from('80', 'hex') }] },
]);

function chipPurchase(kind: CardTransaction['kind'] = 'purchase'): CardTransaction {
  return {
    ...purchase(cardOf('visa-ok'), 1234, { stan: '000123', at: AT, entryMode: 'chip' }),
    kind,
    pin: { pinBlock: Sensitive.of('pin-block', Buffer.from('0123456789ABCDEF', 'hex')), ksn: Buffer.from('FFFF0000010000200001', 'hex'), format: 'iso0' },
    chip: { tlv: Sensitive.of('data', Buffer.from(CHIP_TLV)) },
  };
}

describe('0200 purchase with PIN, chip data and MAC', () => {
  const bytes = encodeFinancialRequest(iso87ascii, chipPurchase(), { macKey: TAK });
  const sent = decodeMessage(iso87ascii, bytes);

  it.each<[number, string, FieldValue]>([
    ...VISA_PURCHASE_FIELDS,
    [22, 'entry mode: chip, PIN entered', '051'],
    [52, 'encrypted PIN block, 8 bytes', Buffer.from('0123456789ABCDEF', 'hex')],
    [53, 'KSN, 10 bytes', Buffer.from('FFFF0000010000200001', 'hex')],
  ])('carries DE %i (%s)', (field, _what, value) => {
    expect(sent.get(field)).toEqual(value);
  });

  it('carries exactly these fields, the MAC last in DE 64', () => {
    expect(sent.mti).toBe('0200');
    expect(sent.fieldNumbers()).toEqual([2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 35, 41, 42, 49, 52, 53, 55, 64]);
  });

  it('forwards chip data without 5A, 57, 5F20 and 9F6B, at any depth', () => {
    const de55 = decode(sent.bytes(55) ?? Buffer.alloc(0));
    expect(de55.map((n) => n.tag)).toEqual(['9F26', '9F36', '77']);
    expect(de55[2]?.children?.map((n) => n.tag)).toEqual(['9F27']);
  });

  it('MACs the bytes before DE 64 with X9.19 under the TAK (cross-checked with the crypto module)', () => {
    // iso87ascii carries DE 64 as 16 hex characters at the very end.
    const macChars = 16;
    const expected = macX919(TAK, bytes.subarray(0, bytes.length - macChars));
    expect(sent.bytes(64)).toEqual(expected);
    expect(bytes.subarray(bytes.length - macChars).toString('latin1')).toBe(expected.toString('hex').toUpperCase());
  });

  it('puts nothing of the PIN block or the PAN in an encoding error', () => {
    const err = thrown(() => encodeFinancialRequest(iso87ascii, { ...chipPurchase(), stan: '12345' }, { macKey: TAK }));
    expect(err.code).toBe('HOST_REQUEST_INVALID');
    expect(err.details['field']).toBe(11);
    expect(JSON.stringify(err)).not.toMatch(/4111111111111111|0123456789ABCDEF/);
  });

  it.each<[string, CardTransaction, number]>([
    ['a KSN of 9 bytes', { ...chipPurchase(), pin: { pinBlock: Sensitive.of('pin-block', Buffer.alloc(8)), ksn: Buffer.alloc(9), format: 'iso0' } }, 53],
    ['an ISO 4 PIN block', { ...chipPurchase(), pin: { pinBlock: Sensitive.of('pin-block', Buffer.alloc(16)), ksn: Buffer.alloc(10), format: 'iso4' } }, 52],
  ])('refuses %s with HOST_REQUEST_INVALID naming the field', (_what, request, field) => {
    expect(thrown(() => encodeFinancialRequest(iso87ascii, request)).details['field']).toBe(field);
  });
});

describe('refund, authorization and advice', () => {
  it.each<[string, CardTransaction['kind'], '0100' | '0200', string | undefined, string, number[]]>([
    ['a refund', 'refund', '0200', undefined, '200000', [2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 35, 41, 42, 49, 52, 53, 55, 64]],
    ['an authorization', 'purchase', '0100', undefined, '000000', [2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 35, 41, 42, 49, 52, 53, 55, 64]],
  ])('%s', (_what, kind, mti, authCode, processingCode, fields) => {
    const sent = decodeMessage(iso87ascii, encodeFinancialRequest(iso87ascii, chipPurchase(kind), { mti, macKey: TAK, ...(authCode === undefined ? {} : { offlineAuthCode: authCode }) }));
    expect([sent.mti, sent.get(3), sent.get(38)]).toEqual([mti, processingCode, authCode]);
    expect(sent.fieldNumbers()).toEqual(fields);
  });

  it('an advice: DE 38 from the offline approval, the card sealed to the acquirer in DE 48 — no PAN, track, PIN or chip data in clear', () => {
    const { kind, stan, at, amountMinor, currency, entryMode, terminalId, merchantId } = chipPurchase();
    const rest = { kind, stan, at, amountMinor, currency, entryMode, terminalId, merchantId };
    const binding = { terminalId: rest.terminalId, stan: rest.stan, transmissionDateTime: transmissionDateTime(AT), amount: '000000001234', currency: '978' };
    const sealedCard = sealAdviceCard(adviceSealingKey(KEYS.acquirerAdvicePublicPem), { track2: Buffer.from('4111111111111111=30121010000000000') }, binding);
    const advice: SealedAdvice = { ...rest, maskedPan: '411111******1111', sealedCard };
    const bytes = encodeFinancialRequest(iso87ascii, advice, { mti: '0220', macKey: TAK, offlineAuthCode: 'Y1A2B3' });
    const sent = decodeMessage(iso87ascii, bytes);
    expect([sent.mti, sent.get(3), sent.get(38), sent.get(22)]).toEqual(['0220', '000000', 'Y1A2B3', '052']);
    expect(sent.fieldNumbers()).toEqual([3, 4, 7, 11, 12, 13, 22, 25, 38, 41, 42, 48, 49, 64]);
    expect(bytes.toString('latin1')).not.toContain('4111111111111111');
  });

  it('refuses an advice without the offline auth code', () => {
    const err = thrown(() => encodeFinancialRequest(iso87ascii, chipPurchase(), { mti: '0220' }));
    expect([err.code, err.details['field']]).toEqual(['HOST_REQUEST_INVALID', 38]);
  });
});

describe('financial response reader', () => {
  const request = chipPurchase();
  const good: Record<number, FieldValue> = {
    3: '000000',
    4: '000000001234',
    11: '000123',
    37: '000000000001',
    38: 'A00001',
    39: '00',
    41: 'T0000001',
    55: encode([{ tag: '91', value: Buffer.from('11223344556677883030', 'hex') }, { tag: '9F36', value: Buffer.from('0001', 'hex') }]),
  };
  const signed = (mti: string, fields: Record<number, FieldValue>, key: Buffer = TAK): Iso8583Message =>
    decodeMessage(iso87ascii, encodeWithMac(iso87ascii, { mti, fields }, key));

  it('reads an approval with a good MAC and hands the card only 91/71/72', () => {
    expect(readFinancialResponse(request, signed('0210', good), { macKey: TAK })).toEqual({
      responseCode: '00',
      approved: true,
      authCode: 'A00001',
      rrn: '000000000001',
      stan: '000123',
      issuerTlv: encode([{ tag: '91', value: Buffer.from('11223344556677883030', 'hex') }]),
    });
  });

  it.each<[string, Iso8583Message, number, string]>([
    ['a MAC under another key', signed('0210', good, Buffer.alloc(16, 1)), 64, 'mac'],
    ['no MAC at all', new Iso8583Message('0210', good), 64, 'missing'],
    ['a field changed after MACing', new Iso8583Message('0210', { ...signed('0210', good).fields, 39: '05' }), 64, 'mac'],
    ['the answer to an authorization', signed('0110', good), 0, 'unexpected-mti'],
    ['another STAN', signed('0210', { ...good, 11: '000124' }), 11, 'mismatch'],
    ['another amount', signed('0210', { ...good, 4: '000000001235' }), 4, 'mismatch'],
    ['undecodable issuer data', signed('0210', { ...good, 55: Buffer.from('9F', 'hex') }), 55, 'undecodable'],
  ])('refuses %s with HOST_BAD_RESPONSE naming the field', (_what, reply, field, reason) => {
    const err = thrown(() => readFinancialResponse(request, reply, { macKey: TAK }));
    expect(err.code).toBe('HOST_BAD_RESPONSE');
    expect(err.details).toEqual({ field, reason });
  });
});

describe('0400 reversal', () => {
  const input: ReversalInput = {
    at: AT,
    original: { mti: '0200', stan: '000123', transmissionDateTime: '0615142959' },
    kind: 'purchase',
    amountMinor: 1234,
    currency: '978',
    entryMode: 'chip',
    terminalId: 'T0000001',
    merchantId: 'M00000000000001',
    reason: 'noResponse',
  };
  const sent = decodeMessage(iso87ascii, encodeReversalRequest(iso87ascii, input, TAK));

  it('carries no PAN or track, and its MAC in DE 128 (DE 90 sets the secondary bitmap)', () => {
    expect(sent.fieldNumbers()).toEqual([3, 4, 7, 11, 12, 13, 22, 25, 39, 41, 42, 49, 90, 128]);
  });

  it.each<[number, string, string]>([
    [11, 'the original STAN', '000123'],
    [7, 'now', '0615143005'],
    [39, 'reason: no response', '68'],
    [90, 'original MTI 0200, STAN 000123, DE 7 0615142959, two zero institution IDs', `0200` + `000123` + `0615142959` + '0'.repeat(11) + '0'.repeat(11)],
  ])('carries DE %i (%s)', (field, _what, value) => {
    expect(sent.get(field)).toBe(value);
  });

  it.each<[string, string, string]>([
    ['HOST_TIMEOUT', 'noResponse', '68'],
    ['HOST_BAD_RESPONSE', 'noResponse', '68'],
    ['HOST_CANCELLED', 'customerCancellation', '17'],
  ])('maps a pending reversal after %s to %s (%s)', (reason, expected, code) => {
    const pending = { transactionId: 't1', original: 'purchase' as const, stan: '000123', terminalId: 'T0000001', transmittedAt: '2026-06-15T14:29:59.000Z', amountMinor: 1234, currency: '978', entryMode: 'chip' as const, reason, maskedPan: '411111******1111' };
    const built = reversalFromPending(pending, { merchantId: 'M00000000000001', at: AT, attempt: 2 });
    expect(built).toMatchObject({ mti: '0401', reason: expected, original: input.original });
    expect(decodeMessage(iso87ascii, encodeReversalRequest(iso87ascii, built)).get(39)).toBe(code);
  });

  it.each<[string, boolean]>([
    ['00', true],
    ['25', true],
    ['96', false],
  ])('reads a 0410 with %s as acknowledged=%s', (code, acknowledged) => {
    const reply = decodeMessage(iso87ascii, encodeWithMac(iso87ascii, { mti: '0410', fields: { 11: '000123', 39: code, 41: 'T0000001', 90: sent.text(90) } }, TAK));
    expect(readReversalResponse(input, reply, { macKey: TAK })).toEqual({ responseCode: code, acknowledged, stan: '000123' });
  });

  it('round-trips DE 90, and reads any text as original data or nothing', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{4}$/), fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^\d{10}$/), (mti, stan, de7) => {
        const original = { mti, stan, transmissionDateTime: de7 };
        expect(parseOriginalDataElements(originalDataElements(original))).toEqual(original);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const parsed = parseOriginalDataElements(text);
        if (parsed !== undefined) {
          expect(text).toHaveLength(42);
          expect(`${parsed.mti}${parsed.stan}${parsed.transmissionDateTime}`).toBe(text.slice(0, 20));
        }
      }),
    );
  });
});

describe('0800 network management and 0500 reconciliation', () => {
  it.each<['001' | '301' | '161', string]>([
    ['001', 'sign-on'],
    ['301', 'echo test'],
    ['161', 'key change'],
  ])('builds an 0800 with DE 70 %s (%s), MAC in DE 128', (code) => {
    const sent = decodeMessage(iso87ascii, encodeNetworkRequest(iso87ascii, { code, stan: '000009', at: AT, terminalId: 'T0000001' }, TAK));
    expect([sent.mti, sent.fieldNumbers(), sent.get(70)]).toEqual(['0800', [7, 11, 41, 70, 128], code]);
  });

  it('reads a key change 0810 whose DE 62 unwraps under the KEK to an M3 key', () => {
    const request = { code: '161' as const, stan: '000010', at: AT, terminalId: 'T0000001' };
    const block = KEYS.file.terminal.tak.keyBlock;
    const reply = decodeMessage(iso87ascii, encodeWithMac(iso87ascii, { mti: '0810', fields: { 11: '000010', 39: '00', 41: 'T0000001', 62: block, 70: '161' } }, TAK));
    const response = readNetworkResponse(request, reply, { macKey: TAK });
    expect(response).toEqual({ responseCode: '00', accepted: true, keyBlock: block });
    expect(TerminalMacKey.fromKeyBlock(KEYS.tdesKbpk, block).kcv()).toBe(KEYS.file.terminal.tak.kcv);
  });

  it('refuses an approved key change without a key block', () => {
    const request = { code: '161' as const, stan: '000010', at: AT, terminalId: 'T0000001' };
    const reply = new Iso8583Message('0810', { 11: '000010', 39: '00', 41: 'T0000001', 70: '161' });
    expect(thrown(() => readNetworkResponse(request, reply)).details).toEqual({ field: 62, reason: 'missing' });
  });

  const totals: ReconciliationTotals = { ...ZERO_TOTALS, debitsCount: 3, debitsAmountMinor: 4500, debitsReversalCount: 1, debitsReversalAmountMinor: 1000, creditsCount: 1, creditsAmountMinor: 200 };
  const recon = { stan: '000011', at: AT, terminalId: 'T0000001', merchantId: 'M00000000000001', currency: '978', totals };

  it('builds a 0500 with the 1987 totals fields', () => {
    const sent = decodeMessage(iso87ascii, encodeReconciliationRequest(iso87ascii, recon, TAK));
    expect(sent.fieldNumbers()).toEqual([7, 11, 41, 42, 50, 74, 75, 76, 77, 86, 87, 88, 89, 128]);
    expect([74, 75, 76, 77, 86, 87, 88, 89].map((n) => sent.get(n))).toEqual([
      '0000000001',
      '0000000000',
      '0000000003',
      '0000000001',
      '0000000000000200',
      '0000000000000000',
      '0000000000004500',
      '0000000000001000',
    ]);
  });

  it('reads a 0510 with 95 and the host totals', () => {
    const sent = decodeMessage(iso87ascii, encodeReconciliationRequest(iso87ascii, { ...recon, totals: ZERO_TOTALS }));
    const reply = decodeMessage(iso87ascii, encodeWithMac(iso87ascii, { mti: '0510', fields: { ...sent.fields, 39: '95', 74: '0000000001', 128: undefined } }, TAK));
    expect(readReconciliationResponse(recon, reply, { macKey: TAK })).toEqual({ responseCode: '95', inBalance: false, hostTotals: { ...ZERO_TOTALS, creditsCount: 1 } });
  });
});

describe('DE 55 filtering', () => {
  const SENSITIVE = ['57', '5A', '5F20', '9F1F', '9F20', '56', '9F6B', '9F0B'];
  const SAFE = ['9F26', '9F27', '9F36', '95', '9A', '9C', '5F2A', '82', '9F10'];

  it('keeps every safe tag and drops every sensitive one, whatever the mix and nesting', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...SENSITIVE, ...SAFE), fc.uint8Array({ maxLength: 8 }), fc.boolean()), { maxLength: 12 }), (items) => {
        const nodes = items.map(([tag, value, nested]) => (nested ? { tag: '77', children: [{ tag, value }] } : { tag, value }));
        const out = decode(chipDataForHost(Sensitive.of('data', encode(nodes))));
        const tags = out.flatMap((n) => [n.tag, ...(n.children ?? []).map((c) => c.tag)]);
        expect(tags.filter((t) => SENSITIVE.includes(t))).toEqual([]);
        expect(tags.filter((t) => SAFE.includes(t))).toEqual(items.map(([tag]) => tag).filter((t) => SAFE.includes(t)));
      }),
    );
  });

});
