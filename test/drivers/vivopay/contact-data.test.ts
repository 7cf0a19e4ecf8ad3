/**
 * The data fields of the NEO 2 contact flow: the driver's builders laid out
 * byte by byte against the guide's tables (8.4.18 p178–179, 8.4.20), its
 * parsers against what the virtual NEO 2 sends (61-01, 61-02, DFEE23), and
 * every parser fed random bytes (a value or a PosError, nothing else).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emvSummaryOf, withoutReaderTags } from '../../../drivers/vivopay/chip-data.js';
import {
  applyHostResponseData,
  msrTracks,
  parseContactAnswer,
  parseDisplayControl,
  parsePinControl,
  PIN_MODE,
  pinControlAnswer,
  readerTransactionType,
  startTransactionData,
} from '../../../drivers/vivopay/contact-data.js';
import { msrDataBlock } from '../../../hw-mocks/vivopay/msr-data.js';
import { displayData, pinControlData } from '../../../hw-mocks/vivopay/reader-callbacks.js';
import { decode, encode, flatten } from '../../../src/emv/index.js';
import { deckCard } from '../reader-harness.js';
import { thrownOrNone } from '../../pos-error.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

describe('60-10 Start Transaction data (guide 8.4.18 p178–179)', () => {
  it('[FallBack][TimeOut1][TimeOut2] then the Transaction Data List: 9F02, 9C, 5F2A, 9F03', () => {
    const data = startTransactionData({ fallbackAllowed: true, cardTimeoutS: 60, authenticateTimeoutS: 30, amountMinor: 1234, currency: '978' });
    expect(hex(data)).toBe(
      [
        '01', // FallBack: fallback to MSR supported
        '003C', // TimeOut1: 60 s for a card to be seated
        '001E', // TimeOut2: 30 s until Authenticate Transaction
        '9F0206000000001234', // Amount, Authorised
        '9C0100', // Transaction Type: purchase
        '5F2A020978', // Transaction Currency Code: EUR
        '9F0306000000000000', // Amount, Other
      ].join(''),
    );
    expect(startTransactionData({ fallbackAllowed: false, cardTimeoutS: 5, authenticateTimeoutS: 1, amountMinor: 0, currency: '840' })[0]).toBe(0x00);
  });

  it('says what the card is read for: 9C 20 for a refund, 09 with the cash in 9F03 for cashback, 00 for a pre-authorization', () => {
    const tags = (purpose: 'purchase' | 'refund' | 'preauth', cashbackMinor?: number) => {
      const data = startTransactionData({
        fallbackAllowed: true,
        cardTimeoutS: 60,
        authenticateTimeoutS: 30,
        amountMinor: 4500,
        currency: '978',
        ...readerTransactionType({ purpose, ...(cashbackMinor === undefined ? {} : { cashbackMinor }) }),
      });
      const list = flatten(decode(data.subarray(5)));
      return [hex(list.get('9C') ?? Buffer.alloc(0)), hex(list.get('9F03') ?? Buffer.alloc(0))];
    };
    expect(tags('refund')).toEqual(['20', '000000000000']);
    expect(tags('purchase', 2000)).toEqual(['09', '000000002000']);
    expect(tags('purchase')).toEqual(['00', '000000000000']);
    expect(tags('preauth')).toEqual(['00', '000000000000']);
  });
});

describe('60-12 Apply Host Response data', () => {
  it('8A then the issuer data as the host sent it; nothing when the host was not reached', () => {
    const issuer = encode([{ tag: '91', value: Buffer.from('00112233445566773030', 'hex') }, { tag: '72', value: Buffer.from('9F180400000001', 'hex') }]);
    expect(hex(applyHostResponseData({ responseCode: '00', issuerTlv: issuer }))).toBe(`8A023030${hex(issuer)}`);
    expect(applyHostResponseData({ unableToGoOnline: true, responseCode: '', issuerTlv: issuer })).toHaveLength(0);
  });
});

describe('60-1x answers: [result code MSB LSB][TLV…]', () => {
  it('reads 00 04 (go online, guide 8.4.19 p185) and its TLVs', () => {
    const answer = parseContactAnswer(Buffer.concat([Buffer.from([0x00, 0x04]), encode([{ tag: '9F27', value: Buffer.from([0x80]) }])]));
    expect(answer.resultCode).toBe(0x0004);
    expect(flatten(answer.tlv).get('9F27')).toEqual(Buffer.from([0x80]));
  });

  it('a bare status has no result code; TLVs that do not decode are the codec’s error', () => {
    expect(parseContactAnswer(Buffer.alloc(0))).toEqual({ tlv: [] });
    expect(thrownOrNone(() => parseContactAnswer(Buffer.from('00049F2705', 'hex')))?.code).toMatch(/^TLV_/);
  });

  it('property: random data gives an answer or a PosError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void thrownOrNone(() => parseContactAnswer(bytes))));
  });
});

describe('61-01 Contact LCD Display Control (guide 8.4.30 p198–199)', () => {
  it('the lines the virtual NEO 2 shows are read back', () => {
    const data = displayData(['USE MAGSTRIPE', 'OR INSERT']);
    expect(parseDisplayControl(data)).toEqual({ mode: 0x03, lines: ['USE MAGSTRIPE', 'OR INSERT'] });
    // Mode, then each field as <Length L><Length H><value>: total timeout 30, minor timeout 10, "EN".
    expect(hex(data.subarray(0, 13))).toBe('03' + '02001E00' + '02000A00' + '0200454E');
  });

  it('a line with the message-ID bit is read as its ID', () => {
    const control = Buffer.from([0x81, 0x2a, 0x1c]);
    const data = Buffer.concat([Buffer.from([0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([control.length, 0]), control, Buffer.from([0, 0])]);
    expect(parseDisplayControl(data).lines).toEqual(['#2A']);
  });

  it('a length running past the data is CHIP_DATA_INVALID naming the field', () => {
    const err = thrownOrNone(() => parseDisplayControl(Buffer.from('03FF00', 'hex')));
    expect(err?.code).toBe('CHIP_DATA_INVALID');
    expect(err?.details).toEqual({ tag: '61-01 total timeout', lengthBytes: 3 });
  });

  it('property: random data gives lines or a PosError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void thrownOrNone(() => parseDisplayControl(bytes))));
  });
});

describe('61-02 Contact Get PIN Control (guide 8.4.31 p201–202)', () => {
  it('the virtual NEO 2 asks for an online PIN (DUKPT), no KSN, no PAN', () => {
    const data = pinControlData();
    expect(parsePinControl(data)).toEqual({ mode: PIN_MODE.onlineDukpt });
    expect(hex(data.subarray(0, 5))).toBe('01' + '0000' + '0000');
  });

  it('the terminal answers entered (mode, empty KSN and block) or cancel (mode alone)', () => {
    expect(hex(pinControlAnswer(PIN_MODE.onlineDukpt))).toBe('0100000000');
    expect(hex(pinControlAnswer(PIN_MODE.cancel))).toBe('00');
  });

  it('property: random data gives a mode or a PosError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => void thrownOrNone(() => parsePinControl(bytes))));
  });
});

describe('DFEE23 MSR Data (plaintext)', () => {
  it('the tracks of the virtual NEO 2’s block come back as a swipe line', () => {
    const card = deckCard('visa-ok');
    const line = msrTracks(msrDataBlock(card)).toString('latin1');
    expect(line.startsWith(`%B${card.pan}^`)).toBe(true);
    expect(line).toContain(`;${card.pan}=`);
    expect(line.endsWith('?')).toBe(true);
  });

  it('lengths past the block are CHIP_DATA_INVALID; random blocks give a line or a PosError', () => {
    expect(thrownOrNone(() => msrTracks(Buffer.from('800310100041', 'hex')))?.code).toBe('CHIP_DATA_INVALID');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => void thrownOrNone(() => msrTracks(bytes))));
  });
});

describe('what the engine keeps of the reader’s TLVs', () => {
  const tlv = encode([
    { tag: '84', value: Buffer.from('A0000000031010', 'hex') },
    { tag: '50', value: Buffer.from('VISA CREDIT', 'latin1') },
    { tag: '82', value: Buffer.from('3C00', 'hex') }, // SDA and DDA supported
    { tag: '95', value: Buffer.from('0000008000', 'hex') },
    { tag: '9B', value: Buffer.from('E800', 'hex') },
    { tag: '9F34', value: Buffer.from('420300', 'hex') },
    { tag: '9F26', value: Buffer.from('0102030405060708', 'hex') },
    { tag: '9F27', value: Buffer.from([0x80]) },
    { tag: '9F36', value: Buffer.from('0007', 'hex') },
    { tag: 'DFEE51', value: Buffer.alloc(10) },
    { tag: 'DF21', value: Buffer.from([0]) },
  ]);

  it('the summary: AID, label, TVR, TSI, CVM results, DDA read from the AIP and a TVR with ODA done, the ARQC', () => {
    expect(emvSummaryOf(flatten(decode(tlv)))).toEqual({
      aid: 'A0000000031010',
      applicationLabel: 'VISA CREDIT',
      tvr: '0000008000',
      tsi: 'E800',
      cvmResults: '420300',
      odaMethod: 'dda',
      cryptogram: '0102030405060708',
      cryptogramType: 'ARQC',
      atc: '0007',
    });
  });

  it('DE 55 does not get the reader’s DF tags', () => {
    expect([...flatten(decode(withoutReaderTags(decode(tlv)))).keys()]).toEqual(['84', '50', '82', '95', '9B', '9F34', '9F26', '9F27', '9F36']);
  });

  it('property: random TLV maps give a summary or none, never a throw', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('84', '4F', '50', '9F12', '95', '9B', '82', '9F27', '9F26', '9F36', '9F34'), fc.uint8Array({ maxLength: 9 })), (entries) => {
        const summary = emvSummaryOf(new Map(Object.entries(entries)));
        if (summary !== undefined) expect(['cda', 'dda', 'sda', 'none']).toContain(summary.odaMethod);
      }),
    );
  });
});
