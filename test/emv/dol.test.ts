import { describe, expect, it } from 'vitest';
import { buildDolData, decode, flatten, parseDol } from '../../src/emv/index.js';
import { toHex } from '../../src/util/hex.js';
import { hex } from './helpers.js';
import { thrown } from '../pos-error.js';

describe('DOL parse (Book 3 section 5.4)', () => {
  it('splits the Visa Debit PDOL into tag and length entries', () => {
    // PDOL from the Lloyds Visa Debit FCI in test/vectors/emv-card-samples.json
    expect(parseDol(hex('9F66049F02069F03069F1A0295055F2A029A039C019F3704')).map((e) => [e.tag, e.length])).toEqual([
      ['9F66', 4],
      ['9F02', 6],
      ['9F03', 6],
      ['9F1A', 2],
      ['95', 5],
      ['5F2A', 2],
      ['9A', 3],
      ['9C', 1],
      ['9F37', 4],
    ]);
  });

  it.each([
    ['tag cut short', '9F0206 9F', 'TLV_TRUNCATED', { offset: 3, path: ['DOL'], part: 'tag' }],
    ['length missing', '9F0206 9F37', 'TLV_TRUNCATED', { offset: 3, path: ['DOL', '9F37'], part: 'length' }],
    ['indefinite length', '9F3780', 'TLV_INDEFINITE_LENGTH', { offset: 2, path: ['DOL', '9F37'] }],
    ['two-byte length', '9F37820004', 'TLV_BAD_LENGTH', { offset: 2, path: ['DOL', '9F37'] }],
    ['tag of 5 bytes', '9F8181818101', 'TLV_BAD_TAG', { offset: 0, path: ['DOL'] }],
  ])('rejects a DOL with %s', (_what, text, code, details) => {
    const err = thrown(() => parseDol(hex(text)));
    expect({ code: err.code, details: err.details }).toEqual({ code, details });
  });
});

describe('DOL data build (Book 3 section 5.4)', () => {
  const store = new Map<string, Uint8Array>([
    ['9F02', hex('000000001000')], // n 12
    ['5A', hex('4761739001010010')], // cn
    ['50', Buffer.from('VISA', 'latin1')], // ans
    ['9F37', hex('38393031')], // b 4
    ['DF7F', hex('ABCD')], // not in the dictionary, but in the store: binary
  ]);

  it.each([
    ['n: as is', '9F0206', '000000001000'],
    ['n: right-justified with leading zeros', '9F0208', '0000000000001000'],
    ['n: truncated from the left', '9F0203', '001000'],
    ['cn: padded with trailing F', '5A0A', '4761739001010010FFFF'],
    ['cn: truncated from the right', '5A04', '47617390'],
    ['ans: padded with trailing spaces', '5006', '564953412020'],
    ['ans: truncated from the right', '5002', '5649'],
    ['b: padded with trailing zeros', '9F3706', '383930310000'],
    ['b: truncated from the right', '9F3702', '3839'],
    ['known tag absent from the store: zeros', '9F1A02', '0000'],
    ['tag the terminal does not know: zeros', 'DF7E03', '000000'],
    ['tag not in the dictionary but in the store: binary', 'DF7F03', 'ABCD00'],
    ['constructed tag: zeros even when present', '7002', '0000'],
    ['zero length: nothing', '9F0200', ''],
  ])('%s', (_rule, dol, data) => {
    const withTemplate = new Map(store).set('70', hex('1234'));
    expect(toHex(buildDolData(hex(dol), withTemplate))).toBe(data);
  });

  it('builds the Visa Debit PDOL data from a TLV data store, as the card log shows it', () => {
    // Values from the same log: TTQ 27000000, amount 10.00, EUR, date 2023-03-01, UN 38393031
    const data = flatten(decode(hex('9F660427000000 9F0206000000001000 9F0306000000000000 9F1A020978 95050000000000 5F2A020978 9A03230301 9C0100 9F370438393031')));
    const built = buildDolData(hex('9F66049F02069F03069F1A0295055F2A029A039C019F3704'), data);
    // The GPO command in the log is 80A8000023 8321 <these 33 bytes> 00
    expect(toHex(built)).toBe('270000000000000010000000000000000978000000000009782303010038393031');
  });

  it('takes a function as the data store', () => {
    expect(toHex(buildDolData(hex('9F3704'), (tag) => (tag === '9F37' ? hex('01020304') : undefined)))).toBe('01020304');
  });
});
