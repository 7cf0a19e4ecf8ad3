import { describe, expect, it } from 'vitest';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldValue } from '../../src/iso8583/types.js';
import { encodeFinancialRequest, readFinancialResponse } from '../../src/host/messages/financial.js';
import type { EntryMode } from '../../src/devices/card-reader.js';
import { cardOf, magstripe, PURCHASE_AT, purchase, VISA_PURCHASE_FIELDS } from './helpers.js';
import { thrown } from '../pos-error.js';

describe('0200 purchase request', () => {
  const request = purchase(cardOf('visa-ok'), 1234, { stan: '000123', at: PURCHASE_AT });
  const sent = decodeMessage(iso87ascii, encodeFinancialRequest(iso87ascii, request));

  it.each<[number, string, string]>([
    ...VISA_PURCHASE_FIELDS,
    [22, 'entry mode: swipe, no PIN entry capability', '902'],
  ])('carries DE %i (%s)', (field, _what, value) => {
    expect(sent.get(field)).toBe(value);
  });

  it('carries nothing else', () => {
    expect(sent.mti).toBe('0200');
    expect(sent.fieldNumbers()).toEqual([2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 35, 41, 42, 49]);
  });

  it.each<[EntryMode, string]>([
    ['swipe', '902'],
    ['chip', '052'],
    ['contactless', '072'],
    ['fallback', '802'],
    ['manual', '012'],
  ])('maps entry mode %s to DE 22 %s', (entryMode, code) => {
    const bytes = encodeFinancialRequest(iso87ascii, purchase(cardOf('visa-ok'), 1, { entryMode }));
    expect(decodeMessage(iso87ascii, bytes).get(22)).toBe(code);
  });

  it.each<[string, Parameters<typeof purchase>, number | string]>([
    ['a negative amount', [cardOf('visa-ok'), -1], 4],
    ['a fractional amount', [cardOf('visa-ok'), 1.5], 4],
    ['an amount over twelve digits', [cardOf('visa-ok'), 1_000_000_000_000], 4],
    ['a five-digit STAN', [cardOf('visa-ok'), 1, { stan: '12345' }], 11],
    ['a STAN with a letter', [cardOf('visa-ok'), 1, { stan: '12345A' }], 11],
    ['a PAN of 20 digits', [magstripe('41111111111111111111'), 1], 2],
    ['an invalid date', [cardOf('visa-ok'), 1, { at: new Date(Number.NaN) }], 7],
  ])('refuses %s with HOST_REQUEST_INVALID naming the field', (_what, args, field) => {
    const err = thrown(() => encodeFinancialRequest(iso87ascii, purchase(...args)));
    expect(err.code).toBe('HOST_REQUEST_INVALID');
    expect(err.details['field']).toBe(field);
    expect(JSON.stringify(err)).not.toContain('41111111111111111111');
  });
});

describe('0210 purchase response', () => {
  const request = purchase(cardOf('visa-ok'), 1234, { stan: '000123' });
  const good: Record<number, FieldValue> = { 4: '000000001234', 11: '000123', 37: '000000000001', 38: 'A00001', 39: '00', 41: 'T0000001' };
  const reply = (mti: string, fields: Record<number, FieldValue | undefined>): Iso8583Message =>
    new Iso8583Message(mti, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<number, FieldValue>);

  it('reads an approval', () => {
    expect(readFinancialResponse(request, reply('0210', good))).toEqual({ responseCode: '00', approved: true, authCode: 'A00001', rrn: '000000000001', stan: '000123' });
  });

  it.each([
    ['00', true],
    ['08', true],
    ['10', true],
    ['11', true],
    ['05', false],
    ['51', false],
    ['Z3', false],
  ])('reads DE 39 %s as approved: %s (isApproval)', (code, approved) => {
    expect(readFinancialResponse(request, reply('0210', { ...good, 39: code })).approved).toBe(approved);
  });

  it('reads a decline without an auth code', () => {
    expect(readFinancialResponse(request, reply('0210', { ...good, 38: undefined, 39: '51' }))).toEqual({
      responseCode: '51',
      approved: false,
      authCode: null,
      rrn: '000000000001',
      stan: '000123',
    });
  });

  it.each<[string, string, Record<number, FieldValue | undefined>, number, string]>([
    ['another MTI', '0110', good, 0, 'unexpected-mti'],
    ['another STAN', '0210', { ...good, 11: '000124' }, 11, 'mismatch'],
    ['another terminal', '0210', { ...good, 41: 'T0000002' }, 41, 'mismatch'],
    ['another amount', '0210', { ...good, 4: '000000001235' }, 4, 'mismatch'],
    ['no amount', '0210', { ...good, 4: undefined }, 4, 'missing'],
    ['no response code', '0210', { ...good, 39: undefined }, 39, 'missing'],
    ['a binary response code', '0210', { ...good, 39: Buffer.from('00') }, 39, 'binary'],
  ])('refuses %s with HOST_BAD_RESPONSE naming the field', (_what, mti, fields, field, reason) => {
    const err = thrown(() => readFinancialResponse(request, reply(mti, fields)));
    expect(err.code).toBe('HOST_BAD_RESPONSE');
    expect(err.details).toEqual({ field, reason });
  });
});
