/**
 * A field given as a `Sensitive` (its characters as ASCII bytes for a text
 * format, its bytes for `b`) encodes to exactly the bytes of the same value
 * given as a string or Buffer, in every encoding, with the same errors: card
 * data reaches the wire without ever being a JS string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../../src/iso8583/dialects/index.js';
import { encodeField } from '../../src/iso8583/field-codec.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { FieldSpec, FieldValue } from '../../src/iso8583/types.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { thrown } from '../pos-error.js';

const asSensitive = (value: FieldValue): Sensitive => (typeof value === 'string' ? Sensitive.text('data', value) : Sensitive.of('data', Buffer.from(value)));

const spec = (s: Omit<FieldSpec, 'description'>): FieldSpec => ({ ...s, description: 'test field' });
/** DE 2 as the ASCII dialects carry it: n ..19 LLVAR. */
const DE2_ASCII = spec({ length: 19, lengthType: 'llvar', format: 'n', encoding: 'ascii' });

describe('Sensitive field values', () => {
  it.each([
    ['n llvar ascii (DE 2 in ASCII)', DE2_ASCII, '4111111111111111'],
    ['z llvar ascii (DE 35 in ASCII)', spec({ length: 37, lengthType: 'llvar', format: 'z', encoding: 'ascii' }), '4111111111111111=30121010000000000'],
    ['n llvar ebcdic', spec({ length: 19, lengthType: 'llvar', format: 'n', encoding: 'ebcdic' }), '378282246310005'],
    ['ans fixed ebcdic', spec({ length: 6, lengthType: 'fixed', format: 'ans', encoding: 'ebcdic' }), 'AB c!~'],
    ['n llvar bcd, odd digits left-padded', spec({ length: 19, lengthType: 'llvar', format: 'n', encoding: 'bcd' }), '378282246310005'],
    ['n llvar bcd, odd digits right-padded', spec({ length: 19, lengthType: 'llvar', format: 'n', encoding: 'bcd', padding: 'right' }), '378282246310005'],
    ['z llvar bcd (track 2, = as nibble D)', spec({ length: 37, lengthType: 'llvar', format: 'z', encoding: 'bcd', padding: 'right' }), '4111111111111111=3012101000000000'],
    ['xn fixed bcd', spec({ length: 9, lengthType: 'fixed', format: 'xn', encoding: 'bcd' }), 'C00001234'],
    ['b llvar binary', spec({ length: 16, lengthType: 'llvar', format: 'b', encoding: 'binary' }), Buffer.from('0123456789abcdef', 'hex')],
    ['b fixed as ASCII hex', spec({ length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii' }), Buffer.from('0123456789abcdef', 'hex')],
  ])('%s: the same bytes as the plain value', (_name, fieldSpec, value) => {
    expect(encodeField(2, fieldSpec, asSensitive(value), 0)).toEqual(encodeField(2, fieldSpec, value, 0));
  });

  it.each([
    ['a letter in an n field', DE2_ASCII, '41111111X1111111'],
    ['a letter in a bcd z field', spec({ length: 37, lengthType: 'llvar', format: 'z', encoding: 'bcd' }), '4111111111111111=30A2'],
    ['too long', DE2_ASCII, '41111111111111111111'],
    ['wrong fixed length', spec({ length: 4, lengthType: 'fixed', format: 'n', encoding: 'ascii' }), '301'],
    ['a format the encoding cannot carry', spec({ length: 4, lengthType: 'fixed', format: 'n', encoding: 'binary' }), '3012'],
  ])('%s: the same error, code and details, as the plain value', (_name, fieldSpec, value) => {
    const plain = thrown(() => encodeField(2, fieldSpec, value, 20));
    const sensitive = thrown(() => encodeField(2, fieldSpec, asSensitive(value), 20));
    expect({ code: sensitive.code, details: sensitive.details }).toEqual({ code: plain.code, details: plain.details });
  });

  it('a 0200 with DE 2 and DE 35 as Sensitive encodes to the same bytes in every dialect, and decodes back to them', () => {
    const pan = '4111111111111111';
    const track2 = `${pan}=30121010000000000`;
    for (const dialect of Object.values(DIALECTS)) {
      const common = { 3: '000000', 4: '000000001234', 11: '000001', 41: 'T0000001', 49: '978' };
      const plain = encodeMessage(dialect, { mti: '0200', fields: { ...common, 2: pan, 35: track2 } });
      const fromBytes = encodeMessage(dialect, { mti: '0200', fields: { ...common, 2: Sensitive.pan(pan), 35: Sensitive.text('track', track2) } });
      expect(fromBytes.equals(plain)).toBe(true);
      const decoded = decodeMessage(dialect, fromBytes);
      expect([decoded.get(2), decoded.get(35)]).toEqual([pan, track2]);
    }
  });

  it('any digits and track 2 text: Sensitive and string encode alike in ASCII and BCD', () => {
    const n = spec({ length: 19, lengthType: 'llvar', format: 'n', encoding: 'bcd' });
    const z = spec({ length: 37, lengthType: 'llvar', format: 'z', encoding: 'ascii' });
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,19}$/), fc.stringMatching(/^[0-9]{1,19}=[0-9]{0,17}$/), (digits, track2) => {
        expect(encodeField(2, n, asSensitive(digits), 0)).toEqual(encodeField(2, n, digits, 0));
        expect(encodeField(35, z, asSensitive(track2), 0)).toEqual(encodeField(35, z, track2, 0));
      }),
    );
  });

  it('a wiped value cannot be encoded', () => {
    const pan = Sensitive.pan('4111111111111111');
    pan.wipe();
    expect(thrown(() => encodeField(2, DE2_ASCII, pan, 0)).code).toBe('SENSITIVE_WIPED');
  });
});
