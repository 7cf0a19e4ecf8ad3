import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/emv/index.js';
import { hex } from './helpers.js';

const decoded = (tag: string, value: string, context = {}): unknown => interpret(tag, hex(value), context)?.decoded;

describe('interpreted values', () => {
  it.each([
    ['95', '8000000000', ['Offline data authentication was not performed']],
    ['95', '0000008000', ['Transaction exceeds floor limit']],
    ['95', '0000000001', ['RFU (byte 5 bit 1)']],
    ['95', '0000000000', []],
    ['9B', 'E800', ['Offline data authentication was performed', 'Cardholder verification was performed', 'Card risk management was performed', 'Terminal risk management was performed']],
    ['82', '1980', ['Cardholder verification is supported', 'Terminal risk management is to be performed', 'CDA supported', 'EMV mode is supported (contactless)']],
    ['82', '7C00', ['SDA supported', 'DDA supported', 'Cardholder verification is supported', 'Terminal risk management is to be performed', 'Issuer authentication is supported']],
    ['9F07', 'FFC0', ['Valid for domestic cash transactions', 'Valid for international cash transactions', 'Valid for domestic goods', 'Valid for international goods', 'Valid for domestic services', 'Valid for international services', 'Valid at ATMs', 'Valid at terminals other than ATMs', 'Domestic cashback allowed', 'International cashback allowed']],
    ['9F33', 'E0B0C8', ['Manual key entry', 'Magnetic stripe', 'IC with contacts', 'Plaintext PIN for ICC verification', 'Signature (paper)', 'Enciphered PIN for offline verification', 'SDA', 'DDA', 'CDA']],
    ['9F40', '6000F0A001', ['Goods', 'Services', 'Numeric keys', 'Alphabetic and special characters keys', 'Command keys', 'Function keys', 'Print, attendant', 'Display, attendant', 'Code table 1']],
    ['9F66', '27000000', ['EMV mode supported', 'Online PIN supported', 'Signature supported', 'Offline data authentication for online authorizations supported']],
  ])('%s %s sets the named bits', (tag, value, set) => {
    expect(decoded(tag, value)).toEqual({ set });
  });

  it('leaves a bit map of the wrong length uninterpreted', () => {
    expect(interpret('95', hex('0000'))).toBeUndefined();
  });

  it('reads the girocard CVM List (8E) rule by rule', () => {
    expect(decoded('8E', '00000000000000001F030203')).toEqual({
      amountX: 0,
      amountY: 0,
      rules: [
        { method: 'No CVM required', condition: 'If terminal supports the CVM', ifUnsuccessful: 'fail cardholder verification' },
        { method: 'Enciphered PIN verified online', condition: 'If terminal supports the CVM', ifUnsuccessful: 'fail cardholder verification' },
      ],
    });
    expect(decoded('8E', '000003E800000000420341031E031F03')).toMatchObject({
      amountX: 1000,
      rules: [
        { method: 'Enciphered PIN verified online', ifUnsuccessful: 'apply next rule' },
        { method: 'Plaintext PIN verification performed by ICC', ifUnsuccessful: 'apply next rule' },
        { method: 'Signature (paper)' },
        { method: 'No CVM required' },
      ],
    });
  });

  it.each([
    ['410302', { method: 'Plaintext PIN verification performed by ICC', condition: 'If terminal supports the CVM', result: 'Successful' }],
    ['1E0300', { method: 'Signature (paper)', condition: 'If terminal supports the CVM', result: 'Unknown' }],
    ['3F0000', { method: 'No CVM performed', condition: 'Always', result: 'Unknown' }],
    ['020001', { method: 'Enciphered PIN verified online', condition: 'Always', result: 'Failed' }],
  ])('reads CVM Results %s', (value, expected) => {
    expect(decoded('9F34', value)).toEqual(expected);
  });

  it.each([
    ['22', { operatedBy: 'Merchant', environment: 'Attended, offline with online capability' }],
    ['14', { operatedBy: 'Financial institution', environment: 'Unattended, online only' }],
  ])('reads Terminal Type %s', (value, expected) => {
    expect(decoded('9F35', value)).toEqual(expected);
  });

  it('reads the AFL as entries', () => {
    expect(decoded('94', '0802020010010400')).toEqual({
      entries: [
        { sfi: 1, firstRecord: 2, lastRecord: 2, offlineAuthRecords: 0 },
        { sfi: 2, firstRecord: 1, lastRecord: 4, offlineAuthRecords: 0 },
      ],
    });
    expect(interpret('94', hex('080101'))).toBeUndefined();
  });

  it.each([
    ['5F24', '250228', '2025-02-28'],
    ['9A', '241002', '2024-10-02'],
    ['5F25', '991231', '1999-12-31'],
    ['9A', '240229', '2024-02-29'],
  ])('reads the date %s %s', (tag, value, date) => {
    expect(decoded(tag, value)).toEqual({ date });
  });

  it.each([['230229'], ['241301'], ['2410A1']])('does not read the impossible date %s', (value) => {
    expect(interpret('9A', hex(value))).toBeUndefined();
  });

  it.each([
    ['000000001000', 978, { minorUnits: '1000', amount: '10.00', exponent: 2, currency: 'EUR' }],
    ['000000001000', 392, { minorUnits: '1000', amount: '1000', exponent: 0, currency: 'JPY' }],
    ['000000001000', 414, { minorUnits: '1000', amount: '1.000', exponent: 3, currency: 'KWD' }],
    ['000000000005', 840, { minorUnits: '5', amount: '0.05', exponent: 2, currency: 'USD' }],
    ['000000001000', 999, { minorUnits: '1000', amount: null, exponent: null, currency: null }],
  ])('reads the amount %s with the exponent of currency %i', (value, currencyCode, expected) => {
    expect(decoded('9F02', value, { currencyCode })).toEqual(expected);
  });

  it.each([
    ['5F2A', '0978', { numeric: 978, alpha: 'EUR', name: 'Euro', exponent: 2 }],
    ['9F42', '0826', { numeric: 826, alpha: 'GBP', name: 'Pound Sterling', exponent: 2 }],
    ['5F2A', '0999', { numeric: 999, alpha: null, name: null, exponent: null }],
    ['9F1A', '0840', { numeric: 840, alpha2: 'US', name: 'United States of America' }],
    ['5F28', '0276', { numeric: 276, alpha2: 'DE', name: 'Germany' }],
  ])('names the code %s %s', (tag, value, expected) => {
    expect(decoded(tag, value)).toEqual(expected);
  });

  it('splits Track 2 Equivalent Data, masking the PAN unless asked', () => {
    const track2 = '4921828094896752D25022013650000000000F';
    expect(decoded('57', track2)).toEqual({ pan: '492182******6752', expiry: '2502', serviceCode: '201', discretionaryDigits: 13 });
    expect(decoded('57', track2, { unmasked: true })).toMatchObject({ pan: '4921828094896752' });
    expect(interpret('57', hex(track2))?.summary).not.toContain('4921828094896752');
  });

  it.each([
    ['80', { type: 'ARQC', adviceRequired: false, reason: 'No information given' }],
    ['40', { type: 'TC', adviceRequired: false, reason: 'No information given' }],
    ['00', { type: 'AAC', adviceRequired: false, reason: 'No information given' }],
    ['0A', { type: 'AAC', adviceRequired: true, reason: 'PIN Try Limit exceeded' }],
  ])('reads Cryptogram Information Data %s', (value, expected) => {
    expect(decoded('9F27', value)).toEqual(expected);
  });

  it('lists a DOL as named entries', () => {
    expect(decoded('9F38', '9F66049F0206DF7F01')).toEqual({
      entries: [
        { tag: '9F66', length: 4, name: 'Terminal Transaction Qualifiers (TTQ)' },
        { tag: '9F02', length: 6, name: 'Amount, Authorised (Numeric)' },
        { tag: 'DF7F', length: 1, name: null },
      ],
    });
  });

  it('reads text elements, but not the cardholder name unless asked', () => {
    expect(decoded('50', '5649534120444542495420')).toEqual({ text: 'VISA DEBIT ' });
    expect(interpret('5F20', hex('4A4F484E'))).toBeUndefined();
    expect(decoded('5F20', '4A4F484E', { unmasked: true })).toEqual({ text: 'JOHN' });
  });
});
