/**
 * The data fields of the NEO 2's contactless Activate Transaction (02-40,
 * guide 8.5.2 p209–233): the command data laid out byte by byte against the
 * guide's table (p210), each answer the guide describes read back (00 and
 * 23 p229–231, 0A with FFEE1F p232–233, 0E p221, 08), and the parser fed
 * random bytes (a value or a PosError, nothing else).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activateTransactionData,
  CAPTURED,
  CONTACTLESS_ERROR,
  isMagstripeTap,
  parseActivateAnswer,
} from '../../../drivers/vivopay/activate-data.js';
import { VIVOPAY_STATUS } from '../../../drivers/vivopay/protocol.js';
import { encode, flatten } from '../../../src/emv/index.js';
import { thrown, thrownOrNone } from '../../pos-error.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

describe('02-40 Activate Transaction command data (guide 8.5.2 p210)', () => {
  it('[Timeout 1] then the Activate Command TLVs: 9F02, 9F03, 9C, 5F2A', () => {
    const data = activateTransactionData({ timeoutS: 30, amountMinor: 1234, currency: '978' });
    expect(hex(data)).toBe(
      [
        '1E', // Timeout: 30 s to present a card
        '9F0206000000001234', // Amount, Authorised
        '9F0306000000000000', // Amount, Other
        '9C0100', // Transaction Type: purchase
        '5F2A020978', // Transaction Currency Code: EUR
      ].join(''),
    );
  });

  it('the Timeout byte is kept within 1–255 seconds', () => {
    expect(activateTransactionData({ timeoutS: 600, amountMinor: 1, currency: '978' })[0]).toBe(0xff);
    expect(activateTransactionData({ timeoutS: 0, amountMinor: 1, currency: '978' })[0]).toBe(0x01);
  });
});

describe('02-40 answers', () => {
  const clearing = encode([
    { tag: '9F27', value: Buffer.from([0x80]) },
    { tag: '9F39', value: Buffer.from([0x07]) },
  ]);

  it('23 Request Online Authorization: [Attribution][TLV…] (p229–231)', () => {
    const answer = parseActivateAnswer(VIVOPAY_STATUS.REQUEST_ONLINE_AUTHORIZATION, Buffer.concat([Buffer.from([CAPTURED.contactlessEmv]), clearing]));
    expect(answer.kind).toBe('online');
    if (answer.kind !== 'online') return;
    expect(answer.attribution).toBe(0x01);
    expect(hex(flatten(answer.tlv).get('9F39') ?? new Uint8Array())).toBe('07');
    expect(isMagstripeTap(answer.attribution)).toBe(false);
  });

  it('00 OK: a transaction the card completed offline, its mag-stripe kind told by Attribution bits 4/3/0 = 1 0 1', () => {
    const answer = parseActivateAnswer(VIVOPAY_STATUS.OK, Buffer.concat([Buffer.from([CAPTURED.contactlessMsd]), clearing]));
    expect(answer.kind).toBe('completed');
    if (answer.kind !== 'completed') return;
    expect(isMagstripeTap(answer.attribution)).toBe(true);
  });

  it('0A Failed: FFEE1F gives the error code, SW1 SW2 and the RF state (p232–233)', () => {
    const data = Buffer.concat([
      Buffer.from([CAPTURED.contactlessEmv]),
      encode([{ tag: 'FFEE1F', value: Buffer.from([CONTACTLESS_ERROR.GO_TO_CONTACT_INTERFACE, 0x69, 0x85, 0x03]) }]),
    ]);
    expect(parseActivateAnswer(VIVOPAY_STATUS.FAILED, data)).toMatchObject({
      kind: 'failed',
      attribution: 0x01,
      error: { code: 0x02, sw1: 0x69, sw2: 0x85, rfState: 0x03 },
    });
  });

  it('0A Failed with no data, 08 Timeout, 0E User Interface Event "card detected" (p221), and a refusal', () => {
    expect(parseActivateAnswer(VIVOPAY_STATUS.FAILED, new Uint8Array(0))).toEqual({ kind: 'failed', tlv: [] });
    expect(parseActivateAnswer(VIVOPAY_STATUS.TIMEOUT, new Uint8Array(0))).toEqual({ kind: 'timeout' });
    expect(parseActivateAnswer(VIVOPAY_STATUS.USER_INTERFACE_EVENT, Buffer.from([0x01]))).toEqual({ kind: 'card-detected' });
    expect(parseActivateAnswer(VIVOPAY_STATUS.COMMAND_NOT_ALLOWED, new Uint8Array(0))).toEqual({ kind: 'refused', status: 0x0b });
  });

  it('an answer too short for its Attribution, or an FFEE1F shorter than four bytes, is CHIP_DATA_INVALID', () => {
    expect(thrown(() => parseActivateAnswer(VIVOPAY_STATUS.OK, new Uint8Array(0)))).toMatchObject({ code: 'CHIP_DATA_INVALID', details: { tag: 'Attribution' } });
    const short = Buffer.concat([Buffer.from([0x01]), encode([{ tag: 'FFEE1F', value: Buffer.from([0x02]) }])]);
    expect(thrown(() => parseActivateAnswer(VIVOPAY_STATUS.FAILED, short))).toMatchObject({ code: 'CHIP_DATA_INVALID', details: { tag: 'FFEE1F' } });
  });

  it('random status and bytes: a value or a PosError', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xff }), fc.uint8Array({ maxLength: 64 }), (status, bytes) => void thrownOrNone(() => parseActivateAnswer(status, bytes))));
  });
});
