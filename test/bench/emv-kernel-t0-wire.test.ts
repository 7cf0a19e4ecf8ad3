/**
 * The kernel bench's T=0 line accounting against the exchanges of EMV 4.4
 * Book 1 Annex A (T=0, one C-APDU each), built from their parts: a header is
 * CLA INS P1 P2 P3, the card's first answer a procedure byte or SW1 SW2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apduCase, t0Exchange, wireMs } from '../../bench/emv-kernel/t0-wire.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const bytes = (n: number, fill = 0x5a): Buffer => Buffer.alloc(n, fill);
const SELECT_PSE = Buffer.concat([hex('00 A4 04 00 0E'), Buffer.from('1PAY.SYS.DDF01', 'latin1'), hex('00')]);
const HEADER = 5;
const SW = 2;
const INS = 1;

describe('t0Exchange (Book 1 Annex A)', () => {
  it.each([
    // [name, command, response, reader characters, card characters, TPDUs]
    ['A1 case 1: header with P3 00, then SW1 SW2', hex('00 70 00 00'), hex('90 00'), HEADER, SW, 1],
    ['A2 case 2, READ RECORD with Le 00: 6C Licc, the header again with P3 Licc, INS data SW', hex('00 B2 01 0C 00'), Buffer.concat([bytes(37), hex('90 00')]), HEADER + HEADER, SW + INS + 37 + SW, 2],
    ['case 2 with P3 already Licc: no 6C round', hex('00 B2 01 0C 25'), Buffer.concat([bytes(37), hex('90 00')]), HEADER, INS + 37 + SW, 1],
    ['case 2, 256 bytes for P3 00: no 6C round', hex('00 B2 01 0C 00'), Buffer.concat([bytes(256), hex('90 00')]), HEADER, INS + 256 + SW, 1],
    ['case 2 refused (6A83 record not found): SW1 SW2 at once', hex('00 B2 02 0C 00'), hex('6A 83'), HEADER, SW, 1],
    ['A3 case 3, EXTERNAL AUTHENTICATE: INS, the data, SW', Buffer.concat([hex('00 82 00 00 0A'), bytes(10)]), hex('90 00'), HEADER + 10, INS + SW, 1],
    ['A4 case 4, SELECT: INS, the data, 61 Licc, GET RESPONSE, C0 data SW', SELECT_PSE, Buffer.concat([bytes(23), hex('90 00')]), HEADER + 14 + HEADER, INS + SW + INS + 23 + SW, 2],
    ['case 4 refused (6A82 not found): INS, the data, SW1 SW2', SELECT_PSE, hex('6A 82'), HEADER + 14, INS + SW, 1],
    ['A6 case 4 with a warning (6283 blocked): GET RESPONSE 00, 6C Licc, GET RESPONSE Licc', SELECT_PSE, Buffer.concat([bytes(30), hex('62 83')]), HEADER + 14 + HEADER + HEADER, INS + SW + SW + INS + 30 + SW, 3],
  ] as const)('%s', (_name, command, response, reader, card, tpdus) => {
    expect(t0Exchange(command, response)).toMatchObject({ readerCharacters: reader, cardCharacters: card, tpdus });
  });

  it('tells the four cases of ISO/IEC 7816-4 §5.1 apart by length and Lc', () => {
    expect([hex('00 70 00 00'), hex('00 B2 01 0C 00'), hex('00 82 00 00 02 AA BB'), hex('00 A4 04 00 02 AA BB 00')].map(apduCase)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['shorter than a header', hex('00 A4 04')],
    ['Lc 0', hex('00 A4 04 00 00 00')],
    ['data not as long as Lc', hex('00 A4 04 00 05 AA BB')],
  ])('refuses a command APDU %s', (_name, command) => {
    expect(() => apduCase(command)).toThrow(RangeError);
  });

  it('refuses a response without SW1 SW2', () => {
    expect(() => t0Exchange(hex('00 B2 01 0C 00'), hex('90'))).toThrow(RangeError);
  });

  it('never counts fewer characters than the APDUs hold, and at most three TPDUs', () => {
    const command = fc.oneof(
      fc.constant(hex('00 70 00 00')),
      fc.integer({ min: 0, max: 255 }).map((le) => Buffer.from([0x00, 0xb2, 0x01, 0x0c, le])),
      fc.uint8Array({ minLength: 1, maxLength: 255 }).chain((data) =>
        fc.boolean().map((withLe) => Buffer.concat([hex('80 AE 80 00'), Buffer.from([data.length]), data, withLe ? hex('00') : Buffer.alloc(0)])),
      ),
    );
    const response = fc.tuple(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(0x9000, 0x6283, 0x6a82, 0x6300)).map(([data, sw]) => Buffer.concat([data, Buffer.from([sw >> 8, sw & 0xff])]));
    fc.assert(
      fc.property(command, response, (c, r) => {
        const line = t0Exchange(c, r);
        const dataOut = c.length > 5 ? (c[4] as number) : 0;
        return line.readerCharacters >= HEADER + dataOut && line.cardCharacters >= r.length && line.tpdus >= 1 && line.tpdus <= 3;
      }),
    );
  });
});

describe('wireMs', () => {
  it('800 characters of 12 etu at 9,600 etu/s take one second', () => {
    expect(wireMs(800)).toBeCloseTo(1000, 9);
  });
});
