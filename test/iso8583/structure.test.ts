import { describe, expect, it } from 'vitest';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { dialectByName } from '../../src/iso8583/dialects/index.js';
import { messageFromJson, messageToJson } from '../../src/iso8583/json.js';
import { encodeWithMac, MAC_BYTES, macField, macInput } from '../../src/iso8583/mac.js';
import { decodeMessage, encodeMessage, encodeMessageWithOffsets } from '../../src/iso8583/message-codec.js';
import { decodeSubfields, encodeSubfields } from '../../src/iso8583/subfields.js';
import type { Dialect, MessageInput, SubfieldSpec } from '../../src/iso8583/types.js';
import { dialectVector } from './dialect-vectors.js';
import { thrown } from '../pos-error.js';

const MAC = Buffer.from('A1B2C3D4E5F60718', 'hex');
const purchase = dialectVector('iso87binary: 0200');

describe('MAC input (DE 64 / DE 128)', () => {
  const primaryOnly: MessageInput = { mti: '0200', fields: purchase.fields };
  const withSecondary: MessageInput = { mti: '0200', fields: { ...purchase.fields, 100: '12345' } };

  it.each<[string, Dialect, MessageInput, 64 | 128]>([
    ['iso87binary, primary bitmap only → DE 64', dialectByName('iso87binary'), primaryOnly, 64],
    ['iso87binary, a field above 64 → DE 128', dialectByName('iso87binary'), withSecondary, 128],
    ['iso87ascii, primary bitmap only → DE 64', iso87ascii, primaryOnly, 64],
    ['iso87ascii-binary-bitmap always has a secondary bitmap → DE 128', dialectByName('iso87ascii-binary-bitmap'), primaryOnly, 128],
  ])('%s', (_what, dialect, input, field) => {
    expect(macField(dialect, input)).toBe(field);
    const { field: f, bytes } = macInput(dialect, input);
    expect(f).toBe(field);
    const full = encodeWithMac(dialect, input, MAC);
    // The MAC input is every byte before the MAC field, and the MAC field is the last thing in the message.
    expect(full.subarray(0, bytes.length).equals(bytes)).toBe(true);
    const macWire = full.subarray(bytes.length);
    expect(macWire.length).toBe(dialect.fields[field]?.encoding === 'binary' ? MAC_BYTES : 2 * MAC_BYTES);
    const decoded = decodeMessage(dialect, full);
    expect(decoded.bytes(field)?.equals(MAC)).toBe(true);
    expect(decoded.fieldNumbers().at(-1)).toBe(field);
  });

  it('sets the MAC bit in the bitmap the MAC is computed over', () => {
    const { bytes } = macInput(dialectByName('iso87binary'), primaryOnly);
    // primary bitmap at offset 2 (after the BCD MTI); DE 64 is the last bit of its last byte.
    expect((bytes[2 + 7] ?? 0) & 0x01).toBe(0x01);
    const { bytes: secondary } = macInput(dialectByName('iso87binary'), withSecondary);
    expect((secondary[2 + 8 + 7] ?? 0) & 0x01).toBe(0x01);
    expect((secondary[2 + 7] ?? 0) & 0x01).toBe(0x00);
  });

  it('ignores a MAC already in the input', () => {
    const d = dialectByName('iso87binary');
    expect(macInput(d, { mti: '0200', fields: { ...purchase.fields, 64: Buffer.alloc(8, 0xff) } })).toEqual(macInput(d, primaryOnly));
  });

  it('gives the offset of every field', () => {
    const { offsets } = encodeMessageWithOffsets(purchase.dialect, { mti: '0200', fields: purchase.fields });
    for (const [n, at] of Object.entries(purchase.offsets)) expect(offsets.get(Number(n))).toBe(at);
  });
});

describe('subfields (DE 48 / DE 62 style)', () => {
  const tlv: SubfieldSpec = { kind: 'tlv', tagChars: 2, lengthDigits: 3, tags: { '01': 'Invoice', '02': 'Cashier' } };
  const fixed: SubfieldSpec = {
    kind: 'fixed',
    subfields: [
      { id: 'batch', length: 6, format: 'n', description: 'Batch number' },
      { id: 'shift', length: 2, format: 'an', description: 'Shift' },
      { id: 'note', length: 4, format: 'ans', description: 'Note' },
    ],
  };

  it.each<[string, SubfieldSpec, string, { id: string; value: string }[]]>([
    ['TLV: two tags, one of them unknown (kept)', tlv, '01004ABCD99001X', [{ id: '01', value: 'ABCD' }, { id: '99', value: 'X' }]],
    ['TLV: an empty value', tlv, '02000', [{ id: '02', value: '' }]],
    ['TLV: nothing', tlv, '', []],
    ['fixed: all three', fixed, '000042A1x/y!', [{ id: 'batch', value: '000042' }, { id: 'shift', value: 'A1' }, { id: 'note', value: 'x/y!' }]],
    ['fixed: a trailing one absent', fixed, '000042A1', [{ id: 'batch', value: '000042' }, { id: 'shift', value: 'A1' }]],
  ])('%s: decodes, encodes and round-trips', (_what, spec, text, subfields) => {
    expect(decodeSubfields(spec, text, { field: 48 })).toEqual(subfields);
    expect(encodeSubfields(spec, subfields, { field: 48 })).toBe(text);
  });

  it('carries a structured DE 48 through a dialect that declares it', () => {
    const d = { ...iso87ascii, name: 'with-de48', fields: { ...iso87ascii.fields, 48: { ...iso87ascii.fields[48], subfields: tlv } } } as const satisfies Dialect;
    const text = encodeSubfields(d.fields[48].subfields, { '01': 'INV7', '02': 'ANN' }, { field: 48 });
    const m = decodeMessage(d, encodeMessage(d, { mti: '0200', fields: { 48: text } }));
    expect(decodeSubfields(d.fields[48].subfields, m.text(48) ?? '', { field: 48 })).toEqual([
      { id: '01', value: 'INV7' },
      { id: '02', value: 'ANN' },
    ]);
  });

  it.each<[string, SubfieldSpec, string, Record<string, unknown>]>([
    ['TLV header cut short', tlv, '01004ABCD9', { field: 62, subfield: '?', offset: 100 + 9 }],
    ['TLV length not digits', tlv, '01x04ABCD', { field: 62, subfield: '01', offset: 100 + 2 }],
    ['TLV value past the end', tlv, '01009ABCD', { field: 62, subfield: '01', offset: 100 }],
    ['fixed subfield cut short', fixed, '000042A', { field: 62, subfield: 'shift', offset: 100 + 6 }],
    ['fixed subfield with a bad character', fixed, '0000X2A1', { field: 62, subfield: 'batch', offset: 100 + 4 }],
    ['characters after the last fixed subfield', fixed, '000042A1x/y!Z', { field: 62, subfield: '', offset: 100 + 12 }],
  ])('decode: %s', (_what, spec, text, details) => {
    expect(thrown(() => decodeSubfields(spec, text, { field: 62, offset: 100 }))).toMatchObject({ code: 'ISO8583_SUBFIELD_INVALID', details });
  });

  it.each<[string, SubfieldSpec, Record<string, string>, Record<string, unknown>]>([
    ['a TLV tag of the wrong width', tlv, { '123': 'x' }, { subfield: '123' }],
    ['a fixed subfield of the wrong length', fixed, { batch: '42' }, { subfield: 'batch' }],
    ['a fixed subfield the spec lacks', fixed, { batch: '000042', other: 'x' }, { subfield: 'other' }],
    ['a fixed subfield after an absent one', fixed, { batch: '000042', note: 'abcd' }, { subfield: 'note' }],
  ])('encode: %s', (_what, spec, values, details) => {
    expect(thrown(() => encodeSubfields(spec, values, { field: 48 }))).toMatchObject({ code: 'ISO8583_SUBFIELD_INVALID', details: { field: 48, ...details } });
  });
});

describe('encodings a custom dialect can choose', () => {
  const ebcdic = {
    name: 'ebcdic-test',
    mtiEncoding: 'ebcdic',
    bitmapEncoding: 'binary',
    fields: {
      2: { length: 19, lengthType: 'llvar', format: 'n', encoding: 'ebcdic', description: 'PAN' },
      43: { length: 40, lengthType: 'fixed', format: 'ans', encoding: 'ebcdic', description: 'Name/location' },
      52: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ebcdic', description: 'PIN data' },
      55: { length: 255, lengthType: 'lllvar', format: 'b', encoding: 'binary', prefixEncoding: 'binary', description: 'ICC' },
    },
  } as const satisfies Dialect;

  it('EBCDIC (IBM-037): MTI, LLVAR prefix and text, hex-carried binary; binary 2-byte prefix', () => {
    const input = { mti: '0200', fields: { 2: '4111111111111111', 43: 'Caf{e} [Zurich] ~|!'.padEnd(40, ' '), 52: Buffer.from('1234567890ABCDEF', 'hex'), 55: Buffer.from('9F0201AA', 'hex') } };
    const bytes = encodeMessage(ebcdic, input);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('f0f2f0f0');
    expect(bytes.subarray(12, 14).toString('hex')).toBe('f1f6'); // LL "16"
    expect(bytes.subarray(14, 16).toString('hex')).toBe('f4f1');
    expect(bytes.subarray(30, 34).toString('hex')).toBe('c38186c0'); // "Caf{"
    expect(bytes.subarray(-6, -4).toString('hex')).toBe('0004'); // binary LLL prefix, 2 bytes
    expect({ ...decodeMessage(ebcdic, bytes).fields }).toEqual(input.fields);
  });

  it('EBCDIC: a byte with no printable character is a charset error at its offset', () => {
    const bytes = encodeMessage(ebcdic, { mti: '0200', fields: { 43: 'X'.repeat(40) } });
    bytes[12 + 5] = 0x00;
    expect(thrown(() => decodeMessage(ebcdic, bytes))).toMatchObject({ code: 'ISO8583_FIELD_CHARSET', details: { field: 43, offset: 17 } });
    const mti = Buffer.from(bytes);
    mti[1] = 0xc1; // 'A'
    expect(thrown(() => decodeMessage(ebcdic, mti))).toMatchObject({ code: 'ISO8583_MTI_INVALID', details: { field: 0, offset: 1 } });
  });

  const tertiary = {
    name: 'tertiary-test',
    mtiEncoding: 'ascii',
    bitmapEncoding: 'hex',
    tertiaryBitmap: true,
    fields: {
      3: { length: 6, lengthType: 'fixed', format: 'n', encoding: 'ascii', description: 'Processing code' },
      100: { length: 11, lengthType: 'llvar', format: 'n', encoding: 'ascii', description: 'Receiving institution' },
      130: { length: 4, lengthType: 'fixed', format: 'an', encoding: 'ascii', description: 'Private' },
      192: { length: 8, lengthType: 'fixed', format: 'b', encoding: 'ascii', description: 'MAC' },
    },
  } as const satisfies Dialect;

  it('tertiary bitmap: bit 65 announces DE 129–192', () => {
    const bytes = encodeMessage(tertiary, { mti: '0200', fields: { 3: '000000', 130: 'ABCD', 192: Buffer.alloc(8, 1) } });
    expect(bytes.toString('latin1', 4, 52)).toBe('A000000000000000' + '8000000000000000' + '4000000000000001');
    const m = decodeMessage(tertiary, bytes);
    expect(m.fieldNumbers()).toEqual([3, 130, 192]);
    const noTertiary = encodeMessage(tertiary, { mti: '0200', fields: { 100: '1' } });
    expect(noTertiary.toString('latin1', 4, 36)).toBe('8000000000000000' + '0000000010000000');
  });

  it('tertiary bitmap: DE 65 cannot be set, DE 193 does not exist, a third map cut short is named', () => {
    expect(thrown(() => encodeMessage(tertiary, { mti: '0200', fields: { 65: Buffer.alloc(1) } }))).toMatchObject({ code: 'ISO8583_FIELD_UNKNOWN', details: { field: '65' } });
    expect(thrown(() => encodeMessage(tertiary, { mti: '0200', fields: { 193: 'x' } }))).toMatchObject({ code: 'ISO8583_FIELD_UNKNOWN', details: { field: '193' } });
    const cut = Buffer.from('0200' + 'A000000000000000' + '8000000000000000' + '40000000', 'latin1');
    expect(thrown(() => decodeMessage(tertiary, cut))).toMatchObject({ code: 'ISO8583_TRUNCATED', details: { field: 1, bitmap: 'tertiary', offset: 36 } });
  });
});

describe('JSON form', () => {
  const d = dialectByName('iso87binary');

  it('prints binary fields as uppercase hex and text as text, field numbers as keys; reads it back', () => {
    const m = decodeMessage(d, purchase.bytes);
    const json = messageToJson(m, d, { unmasked: true });
    expect(json.fields['53']).toBe('FFFF9876543210E00001');
    expect(json.fields['35']).toBe('4111111111111111=3012101');
    expect(Object.keys(json.fields)).toEqual(['2', '3', '4', '11', '22', '25', '32', '35', '41', '49', '52', '53', '55']);
    expect(encodeMessage(d, messageFromJson(d, JSON.parse(JSON.stringify(json)))).equals(purchase.bytes)).toBe(true);
  });

  it('masks 2, 35, 52 and 55 unless unmasked', () => {
    const json = messageToJson(decodeMessage(d, purchase.bytes), d);
    expect(json.fields).toMatchObject({ '2': '411111******1111', '35': '411111******1111=*******', '52': '[8 bytes]', '55': '[14 bytes]', '53': 'FFFF9876543210E00001' });
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    ['an array', [], {}],
    ['no mti', { fields: {} }, { key: 'mti' }],
    ['fields not an object', { mti: '0200', fields: 'x' }, { key: 'fields' }],
    ['a key that is not a number', { mti: '0200', fields: { pan: 'x' } }, { key: 'pan' }],
    ['a number value', { mti: '0200', fields: { '3': 0 } }, { field: 3 }],
    ['binary DE 52 not hex', { mti: '0200', fields: { '52': '12345678ZZ' } }, { field: 52 }],
  ])('rejects %s', (_what, doc, details) => {
    expect(thrown(() => messageFromJson(d, doc))).toMatchObject({ code: 'ISO8583_JSON_INVALID', details });
  });
});
