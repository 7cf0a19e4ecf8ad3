import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DIALECT_NAMES, DIALECTS, dialectByName, validateDialect } from '../../src/iso8583/dialects/index.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Dialect, FieldSpec, MessageInput } from '../../src/iso8583/types.js';
import { DIALECT_VECTORS, PUBLISHED_VECTORS, dialectVector } from './dialect-vectors.js';
import { thrown } from '../pos-error.js';

/** A copy of `bytes` with `hex` written at `offset`. */
function patch(bytes: Buffer, offset: number, hex: string): Buffer {
  const out = Buffer.from(bytes);
  Buffer.from(hex, 'hex').copy(out, offset);
  return out;
}

const rows = DIALECT_VECTORS.map((v) => [v.name, v] as const);

describe('annotated vectors in every dialect', () => {
  it.each(rows)('%s: decodes field by field', (_name, v) => {
    const message = decodeMessage(v.dialect, v.bytes);
    expect(message.mti).toBe(v.mti);
    expect(message.fieldNumbers()).toEqual(Object.keys(v.fields).map(Number));
    for (const [n, value] of Object.entries(v.fields)) expect(message.get(Number(n))).toEqual(value);
  });

  it.each(rows)('%s: encodes to the same bytes', (_name, v) => {
    expect(encodeMessage(v.dialect, { mti: v.mti, fields: v.fields }).toString('hex')).toBe(v.bytes.toString('hex'));
  });

  it.each(rows)('%s: round-trips', (_name, v) => {
    expect(encodeMessage(v.dialect, decodeMessage(v.dialect, v.bytes)).equals(v.bytes)).toBe(true);
  });

  it('carries the same values in 180, 148 and 97 bytes (ascii, ascii with binary bitmap, binary)', () => {
    expect(DIALECT_VECTORS.filter((v) => v.mti === '0200').map((v) => v.bytes.length)).toEqual([180, 148, 97]);
  });
});

describe('published sample messages', () => {
  it.each(PUBLISHED_VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const message = decodeMessage(v.dialect, v.bytes);
    expect(message.mti).toBe(v.mti);
    expect(Object.fromEntries(message.fieldNumbers().map((n) => [String(n), message.get(n)]))).toEqual(v.fields);
    expect(encodeMessage(v.dialect, message).equals(v.bytes)).toBe(true);
  });
});

describe('dialectByName', () => {
  it.each(DIALECT_NAMES.map((n) => [n]))('finds %s, whose name is its key', (name) => {
    expect(dialectByName(name).name).toBe(name);
  });

  it('matches the names config accepts for host.dialect', () => {
    expect([...DIALECT_NAMES].sort()).toEqual(['iso87ascii', 'iso87ascii-binary-bitmap', 'iso87binary']);
  });

  it.each([['iso93ascii'], [''], ['toString'], ['__proto__']])('rejects %j with a config error listing the known names', (name) => {
    const err = thrown(() => dialectByName(name));
    expect(err.code).toBe('ISO8583_DIALECT_UNKNOWN');
    expect(err.kind).toBe('config');
    expect(err.details).toMatchObject({ name, known: [...DIALECT_NAMES] });
  });
});

describe('shipped dialects', () => {
  const all = Object.values(DIALECTS) as Dialect[];

  it.each(all.map((d) => [d.name, d] as const))('%s: every field can travel in its encoding', (_n, d) => {
    expect(() => validateDialect(d)).not.toThrow();
  });

  it.each(all.map((d) => [d.name, d] as const))('%s: defines every data element from 2 to 128 with the same directory as iso87ascii', (_n, d) => {
    expect(Object.keys(d.fields).map(Number)).toEqual(Array.from({ length: 127 }, (_, i) => i + 2));
    for (const [k, s] of Object.entries(d.fields)) {
      const base = iso87ascii.fields[Number(k) as keyof typeof iso87ascii.fields];
      expect([s.length, s.lengthType, s.format]).toEqual([base.length, base.lengthType, base.format]);
    }
  });

  it.each<[number, Partial<FieldSpec>]>([
    [52, { format: 'b', length: 8, lengthType: 'fixed' }],
    [53, { format: 'b', length: 48, lengthType: 'llvar' }],
    [55, { format: 'b', length: 255, lengthType: 'lllvar' }],
    [64, { format: 'b', length: 8, lengthType: 'fixed' }],
    [128, { format: 'b', length: 8, lengthType: 'fixed' }],
    [90, { format: 'n', length: 42, lengthType: 'fixed' }],
    [70, { format: 'n', length: 3, lengthType: 'fixed' }],
    [74, { format: 'n', length: 10, lengthType: 'fixed' }],
    [76, { format: 'n', length: 10, lengthType: 'fixed' }],
    [86, { format: 'n', length: 16, lengthType: 'fixed' }],
    [88, { format: 'n', length: 16, lengthType: 'fixed' }],
    [97, { format: 'xn', length: 17, lengthType: 'fixed' }],
  ])('DE %i is %o in every dialect', (n, expected) => {
    for (const d of all) expect(d.fields[n]).toMatchObject(expected);
  });

  it('iso87binary packs numerics in BCD, text in ASCII, binary raw, with BCD prefixes', () => {
    const d = dialectByName('iso87binary');
    expect(d.fields[2]).toMatchObject({ encoding: 'bcd', padding: 'right' });
    expect(d.fields[3]).toMatchObject({ encoding: 'bcd' });
    expect(d.fields[3]?.padding).toBeUndefined();
    expect(d.fields[43]).toMatchObject({ encoding: 'ascii', prefixEncoding: 'bcd' });
    expect(d.fields[55]).toMatchObject({ encoding: 'binary', prefixEncoding: 'bcd' });
  });

  it('refuses a dialect that carries text in BCD', () => {
    const bad = { ...iso87ascii, name: 'bad', fields: { ...iso87ascii.fields, 43: { ...iso87ascii.fields[43], encoding: 'bcd' } } } as const satisfies Dialect;
    expect(thrown(() => validateDialect(bad))).toMatchObject({ code: 'ISO8583_DIALECT_INVALID', details: { field: 43, format: 'ans', encoding: 'bcd' } });
    expect(thrown(() => encodeMessage(bad, { mti: '0200', fields: { 43: 'X'.repeat(40) } }))).toMatchObject({ code: 'ISO8583_DIALECT_INVALID', details: { field: 43 } });
  });
});

describe('iso87binary decode errors', () => {
  const v = dialectVector('iso87binary: 0200');
  const o = v.offsets;
  const d = v.dialect;

  it.each<[string, Buffer, string, Record<string, unknown>]>([
    ['an MTI shorter than 2 bytes', Buffer.from('02', 'hex'), 'ISO8583_TRUNCATED', { field: 0, offset: 0, needed: 2 }],
    ['a non-BCD nibble in the MTI', patch(v.bytes, 1, '0A'), 'ISO8583_MTI_INVALID', { field: 0, offset: 1 }],
    ['a primary bitmap cut short', v.bytes.subarray(0, 6), 'ISO8583_TRUNCATED', { field: 1, bitmap: 'primary', offset: 2, needed: 8, available: 4 }],
    ['a BCD length prefix with a nibble above 9', patch(v.bytes, o[2]!, '1A'), 'ISO8583_LENGTH_PREFIX_INVALID', { field: 2, offset: o[2]! }],
    ['a PAN announced at 20 digits (max 19)', patch(v.bytes, o[2]!, '20'), 'ISO8583_FIELD_TOO_LONG', { field: 2, offset: o[2]!, length: 20, max: 19 }],
    ['a non-digit nibble in the amount', patch(v.bytes, o[4]! + 5, '3B'), 'ISO8583_FIELD_CHARSET', { field: 4, offset: o[4]! + 5, format: 'n' }],
    ['a left filler nibble that is not 0', patch(v.bytes, o[22]!, '10'), 'ISO8583_FIELD_CHARSET', { field: 22, offset: o[22]!, format: 'n' }],
    ['a right filler nibble that is neither F nor 0', patch(v.bytes, o[32]! + 3, '5A'), 'ISO8583_FIELD_CHARSET', { field: 32, offset: o[32]! + 3, format: 'n' }],
    ['a nibble E inside track 2', patch(v.bytes, o[35]! + 9, 'E3'), 'ISO8583_FIELD_CHARSET', { field: 35, offset: o[35]! + 9, format: 'z' }],
    ['a KSN announced at 49 bytes (max 48)', patch(v.bytes, o[53]!, '49'), 'ISO8583_FIELD_TOO_LONG', { field: 53, offset: o[53]!, length: 49, max: 48 }],
    ['DE 55 cut short', v.bytes.subarray(0, -1), 'ISO8583_TRUNCATED', { field: 55, offset: o[55]! + 2, needed: 14, available: 13 }],
    ['DE 55 prefix past the end', v.bytes.subarray(0, o[55]! + 1), 'ISO8583_TRUNCATED', { field: 55, offset: o[55]!, needed: 2, available: 1 }],
    ['a byte after DE 55', Buffer.concat([v.bytes, Buffer.from([0])]), 'ISO8583_TRAILING_BYTES', { offset: v.bytes.length, count: 1 }],
  ])('%s', (_what, bytes, code, details) => {
    const err = thrown(() => decodeMessage(d, bytes));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
    const printed = JSON.stringify(err) + err.message + inspect(err.details);
    expect(printed).not.toContain('4111111111111111');
    expect(printed).not.toMatch(/1234567890ABCDEF/i);
  });
});

describe('iso87ascii-binary-bitmap', () => {
  const v = dialectVector('iso87ascii-binary-bitmap');

  it('always sends a secondary bitmap, and reads a message without one', () => {
    const small: MessageInput = { mti: '0800', fields: { 11: '000001' } };
    const bytes = encodeMessage(v.dialect, small);
    expect(bytes.subarray(4, 20).toString('hex')).toBe('80200000000000000000000000000000');
    const withoutSecondary = Buffer.concat([Buffer.from('0800', 'latin1'), Buffer.from('0020000000000000', 'hex'), Buffer.from('000001', 'latin1')]);
    expect(decodeMessage(v.dialect, withoutSecondary).text(11)).toBe('000001');
  });

  it('reports a secondary bitmap cut short', () => {
    expect(thrown(() => decodeMessage(v.dialect, v.bytes.subarray(0, 15)))).toMatchObject({
      code: 'ISO8583_TRUNCATED',
      details: { field: 1, bitmap: 'secondary', offset: 12, needed: 8, available: 3 },
    });
  });

  it('rejects a non-digit in an ASCII length prefix of a raw binary field', () => {
    const bad = Buffer.from(v.bytes);
    bad.write('x', v.offsets[53]! + 1, 'latin1');
    expect(thrown(() => decodeMessage(v.dialect, bad))).toMatchObject({ code: 'ISO8583_LENGTH_PREFIX_INVALID', details: { field: 53, offset: v.offsets[53]! + 1 } });
  });
});

describe('encode errors name the field and its offset in binary layouts', () => {
  const d = dialectByName('iso87binary');

  it.each<[string, MessageInput, string, Record<string, unknown>]>([
    ['a letter in BCD DE 3 (3rd digit, byte 1 of the field)', { mti: '0200', fields: { 3: '00X000' } }, 'ISO8583_FIELD_CHARSET', { field: 3, offset: 10 + 1, format: 'n' }],
    ['a letter in odd-length BCD DE 22 (left filler shifts it)', { mti: '0200', fields: { 22: '05X' } }, 'ISO8583_FIELD_CHARSET', { field: 22, offset: 10 + 1, format: 'n' }],
    ['a letter in right-padded PAN after the 1-byte prefix', { mti: '0200', fields: { 2: '41111X1111111111' } }, 'ISO8583_FIELD_CHARSET', { field: 2, offset: 10 + 1 + 2, format: 'n' }],
    ['a 7-byte PIN block', { mti: '0200', fields: { 52: Buffer.alloc(7) } }, 'ISO8583_FIELD_WRONG_LENGTH', { field: 52, offset: 10, length: 7, expected: 8 }],
    ['a 49-byte KSN', { mti: '0200', fields: { 53: Buffer.alloc(49) } }, 'ISO8583_FIELD_TOO_LONG', { field: 53, offset: 10, length: 49, max: 48 }],
    ['256 bytes of ICC data', { mti: '0200', fields: { 55: Buffer.alloc(256) } }, 'ISO8583_FIELD_TOO_LONG', { field: 55, offset: 10, length: 256, max: 255 }],
    ['an x+n amount with a bad sign', { mti: '0500', fields: { 97: 'X' + '0'.repeat(16) } }, 'ISO8583_FIELD_CHARSET', { field: 97, offset: 2 + 16, format: 'xn' }],
    ['a letter in the MTI', { mti: '02A0', fields: {} }, 'ISO8583_MTI_INVALID', { field: 0, offset: 2 }],
  ])('%s', (_what, input, code, details) => {
    const err = thrown(() => encodeMessage(d, input));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });
});
