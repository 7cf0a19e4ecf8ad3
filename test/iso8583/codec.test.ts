import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { dumpMessage } from '../../src/iso8583/mask.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Dialect, FieldSpec, MessageInput } from '../../src/iso8583/types.js';
import { arbValue, mutatedMessages } from './arbitraries.js';
import { VECTORS, vector } from './vectors.js';
import { thrown, thrownOrNone } from '../pos-error.js';

/** A copy of `bytes` with ASCII `text` written at `offset`. */
function patch(bytes: Buffer, offset: number, text: string): Buffer {
  const out = Buffer.from(bytes);
  out.write(text, offset, 'latin1');
  return out;
}

const a = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('iso87ascii codec vectors', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: decodes field by field', (_name, v) => {
    const message = decodeMessage(iso87ascii, v.bytes);
    expect(message.mti).toBe(v.mti);
    expect(message.fieldNumbers()).toEqual(Object.keys(v.fields).map(Number));
    for (const [n, value] of Object.entries(v.fields)) expect(message.get(Number(n))).toEqual(value);
  });

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: encodes to the same bytes', (_name, v) => {
    expect(encodeMessage(iso87ascii, { mti: v.mti, fields: v.fields }).toString('latin1')).toBe(v.bytes.toString('latin1'));
  });

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: round-trips', (_name, v) => {
    const again = encodeMessage(iso87ascii, decodeMessage(iso87ascii, v.bytes));
    expect(again.equals(v.bytes)).toBe(true);
  });

  it('skips undefined entries when encoding', () => {
    const v = vector('0800');
    expect(encodeMessage(iso87ascii, { mti: '0800', fields: { ...v.fields, 39: undefined } }).equals(v.bytes)).toBe(true);
  });

  it('accepts a lowercase hex bitmap', () => {
    const v = vector('0800');
    const lower = patch(v.bytes, 4, '8220000000000000'.toLowerCase());
    expect(decodeMessage(iso87ascii, lower).get(70)).toBe('301');
  });
});

describe('iso87ascii codec errors on decode', () => {
  const req = vector('0200');
  const rsp = vector('0210');
  const chip = vector('0100');
  const o = req.offsets;
  /** A dialect that knows only DE 2 and 3, to test an announced field it does not define. */
  const tiny = { name: 'tiny', mtiEncoding: 'ascii', bitmapEncoding: 'hex', fields: { 2: iso87ascii.fields[2], 3: iso87ascii.fields[3] } } as const satisfies Dialect;

  it.each<[string, Dialect, Buffer, string, Record<string, unknown>]>([
    ['a message shorter than its MTI', iso87ascii, a('020'), 'ISO8583_TRUNCATED', { field: 0, offset: 0 }],
    ['a letter in the MTI', iso87ascii, patch(req.bytes, 2, 'A'), 'ISO8583_MTI_INVALID', { field: 0, offset: 2 }],
    ['a primary bitmap cut short', iso87ascii, a('0200723C'), 'ISO8583_TRUNCATED', { field: 1, bitmap: 'primary', offset: 4 }],
    ['a non-hex bitmap character', iso87ascii, patch(req.bytes, 9, 'G'), 'ISO8583_BITMAP_INVALID', { field: 1, offset: 9 }],
    ['a secondary bitmap cut short', iso87ascii, a('0200800000000000000004'), 'ISO8583_TRUNCATED', { field: 1, bitmap: 'secondary', offset: 20 }],
    ['a letter in numeric DE 3', iso87ascii, patch(req.bytes, o[3]! + 2, 'X'), 'ISO8583_FIELD_CHARSET', { field: 3, offset: o[3]! + 2, format: 'n' }],
    ['a letter in the PAN', iso87ascii, patch(req.bytes, o[2]! + 2 + 15, 'F'), 'ISO8583_FIELD_CHARSET', { field: 2, offset: o[2]! + 17, format: 'n' }],
    ['a non-digit LLVAR prefix', iso87ascii, patch(req.bytes, o[2]! + 1, 'x'), 'ISO8583_LENGTH_PREFIX_INVALID', { field: 2, offset: o[2]! + 1 }],
    ['an LLVAR prefix above the maximum (20 > 19)', iso87ascii, patch(req.bytes, o[2]!, '20'), 'ISO8583_FIELD_TOO_LONG', { field: 2, offset: o[2]!, length: 20, max: 19 }],
    ['a length prefix past the end', iso87ascii, a('02004000000000000000' + '1'), 'ISO8583_TRUNCATED', { field: 2, offset: 20, needed: 2, available: 1 }],
    ['a field past the end', iso87ascii, a('02004000000000000000' + '16411111'), 'ISO8583_TRUNCATED', { field: 2, offset: 22, needed: 16, available: 6 }],
    ['a fixed field past the end', iso87ascii, req.bytes.subarray(0, o[42]! + 3), 'ISO8583_TRUNCATED', { field: 42, offset: o[42]! }],
    ['a control character in an DE 39', iso87ascii, patch(rsp.bytes, rsp.offsets[39]! + 1, '\x01'), 'ISO8583_FIELD_CHARSET', { field: 39, offset: rsp.offsets[39]! + 1, format: 'an' }],
    ['a DEL in ans DE 41', iso87ascii, patch(rsp.bytes, rsp.offsets[41]!, '\x7f'), 'ISO8583_FIELD_CHARSET', { field: 41, offset: rsp.offsets[41]!, format: 'ans' }],
    ['a letter in track 2 (z)', iso87ascii, patch(req.bytes, o[35]! + 2 + 20, 'A'), 'ISO8583_FIELD_CHARSET', { field: 35, offset: o[35]! + 22, format: 'z' }],
    ['a non-hex character in binary DE 52', iso87ascii, patch(chip.bytes, chip.offsets[52]! + 5, 'G'), 'ISO8583_FIELD_CHARSET', { field: 52, offset: chip.offsets[52]! + 5, format: 'b' }],
    ['binary DE 55 cut short (prefix counts bytes, two hex characters each)', iso87ascii, chip.bytes.subarray(0, -1), 'ISO8583_TRUNCATED', { field: 55, offset: chip.offsets[55]! + 3, needed: 26, available: 25 }],
    ['a field the dialect does not define', tiny, a('0200' + '7000000000000000' + '164111111111111111' + '000000' + '000000001234'), 'ISO8583_FIELD_UNKNOWN', { field: 4, offset: 44 }],
    ['a byte after the last field', iso87ascii, Buffer.concat([req.bytes, a('X')]), 'ISO8583_TRAILING_BYTES', { offset: req.bytes.length, count: 1 }],
  ])('%s', (_what, dialect, bytes, code, details) => {
    const err = thrown(() => decodeMessage(dialect, bytes));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
  });

  it('never puts card data in the error', () => {
    const err = thrown(() => decodeMessage(iso87ascii, patch(req.bytes, o[35]! + 2 + 20, 'A')));
    const printed = JSON.stringify(err) + err.message + inspect(err.details);
    expect(printed).not.toContain('4111111111111111');
    expect(printed).not.toContain('3012101');
  });
});

describe('iso87ascii codec errors on encode', () => {
  const tiny = { name: 'tiny', mtiEncoding: 'ascii', bitmapEncoding: 'hex', fields: { 2: iso87ascii.fields[2] } } as const satisfies Dialect;
  const PAN = '4111111111111111';

  it.each<[string, Dialect, MessageInput, string, Record<string, unknown>]>([
    ['a three-digit MTI', iso87ascii, { mti: '200', fields: {} }, 'ISO8583_MTI_INVALID', { field: 0, offset: 3 }],
    ['a letter in the MTI', iso87ascii, { mti: 'A200', fields: {} }, 'ISO8583_MTI_INVALID', { field: 0, offset: 0 }],
    ['a PAN of 20 digits', iso87ascii, { mti: '0200', fields: { 2: PAN + '1234' } }, 'ISO8583_FIELD_TOO_LONG', { field: 2, offset: 20, length: 20, max: 19 }],
    ['a short fixed amount', iso87ascii, { mti: '0200', fields: { 4: '1234' } }, 'ISO8583_FIELD_WRONG_LENGTH', { field: 4, offset: 20, length: 4, expected: 12 }],
    ['a long fixed amount', iso87ascii, { mti: '0200', fields: { 4: '0000000012345' } }, 'ISO8583_FIELD_TOO_LONG', { field: 4, offset: 20, length: 13, max: 12 }],
    ['a letter in numeric DE 4', iso87ascii, { mti: '0200', fields: { 4: '00000000012X' } }, 'ISO8583_FIELD_CHARSET', { field: 4, offset: 31, format: 'n' }],
    ['a letter in the PAN (after its prefix)', iso87ascii, { mti: '0200', fields: { 2: '41111111X1111111' } }, 'ISO8583_FIELD_CHARSET', { field: 2, offset: 30, format: 'n' }],
    ['a non-ASCII character in an DE 39', iso87ascii, { mti: '0210', fields: { 39: 'é0' } }, 'ISO8583_FIELD_CHARSET', { field: 39, offset: 20, format: 'an' }],
    ['a newline in ans DE 43', iso87ascii, { mti: '0200', fields: { 43: 'SHOP\n'.padEnd(40, ' ') } }, 'ISO8583_FIELD_CHARSET', { field: 43, offset: 24, format: 'ans' }],
    ['an x+n fee without its sign', iso87ascii, { mti: '0200', fields: { 28: '000000100' } }, 'ISO8583_FIELD_CHARSET', { field: 28, offset: 20, format: 'xn' }],
    ['text in binary DE 52', iso87ascii, { mti: '0200', fields: { 52: '1234567890ABCDEF' } }, 'ISO8583_FIELD_TYPE', { field: 52, offset: 20, expected: 'bytes' }],
    ['bytes in text DE 3', iso87ascii, { mti: '0200', fields: { 3: Buffer.alloc(6) } }, 'ISO8583_FIELD_TYPE', { field: 3, offset: 20, expected: 'text' }],
    ['binary DE 52 of 7 bytes', iso87ascii, { mti: '0200', fields: { 52: Buffer.alloc(7) } }, 'ISO8583_FIELD_WRONG_LENGTH', { field: 52, length: 7, expected: 8 }],
    ['DE 1, which is the secondary bitmap', iso87ascii, { mti: '0200', fields: { 1: '00' } }, 'ISO8583_FIELD_UNKNOWN', { field: '1' }],
    ['DE 129', iso87ascii, { mti: '0200', fields: { 129: '00' } }, 'ISO8583_FIELD_UNKNOWN', { field: '129' }],
    ['a field the dialect does not define', tiny, { mti: '0200', fields: { 2: PAN, 3: '000000' } }, 'ISO8583_FIELD_UNKNOWN', { field: 3, offset: 38 }],
  ])('%s', (_what, dialect, input, code, details) => {
    const err = thrown(() => encodeMessage(dialect, input));
    expect(err.code).toBe(code);
    expect(err.details).toMatchObject(details);
    expect(JSON.stringify(err)).not.toContain(PAN);
  });
});

describe('masking', () => {
  const req = decodeMessage(iso87ascii, vector('0200').bytes);
  const chip = decodeMessage(iso87ascii, vector('0100').bytes);

  it.each([
    ['String()', (m: typeof req) => String(m)],
    ['template string', (m: typeof req) => `${m}`],
    ['JSON.stringify', (m: typeof req) => JSON.stringify(m)],
    ['util.inspect', (m: typeof req) => inspect({ nested: m })],
    ['dumpMessage', (m: typeof req) => dumpMessage(m, iso87ascii)],
  ])('%s shows DE 2 and 35 masked and the rest in clear', (_how, print) => {
    const text = print(req);
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('30121010000000000');
    expect(text).toContain('411111******1111');
    expect(text).toContain('411111******1111=*****************');
    expect(text).toContain('T0000001');
  });

  it('masks binary DE 52 and 55 to their length', () => {
    const json = chip.toJSON();
    expect(json.fields['52']).toBe('[8 bytes]');
    expect(json.fields['55']).toBe('[13 bytes]');
    expect(json.fields['2']).toBe('555555******4444');
    expect(dumpMessage(chip, iso87ascii)).not.toMatch(/1234567890ABCDEF|9F0206/);
  });

  it('masks DE 45 whole', () => {
    const m = decodeMessage(iso87ascii, encodeMessage(iso87ascii, { mti: '0100', fields: { 45: 'B4111111111111111^TEST/CARD ONE^3012101' } }));
    expect(m.toJSON().fields['45']).toBe('*'.repeat(39));
  });

  it('gives clear values only when asked for a field', () => {
    expect(req.text(2)).toBe('4111111111111111');
    expect(chip.bytes(52)?.toString('hex').toUpperCase()).toBe('1234567890ABCDEF');
    expect(thrown(() => chip.text(52))).toMatchObject({ code: 'ISO8583_FIELD_TYPE', details: { field: 52 } });
    expect(thrown(() => req.bytes(2))).toMatchObject({ code: 'ISO8583_FIELD_TYPE', details: { field: 2 } });
  });
});

describe('iso87ascii dialect', () => {
  const numbers = Object.keys(iso87ascii.fields).map(Number);
  const specs: [number, FieldSpec][] = Object.entries(iso87ascii.fields).map(([k, s]) => [Number(k), s]);

  it('defines every data element from 2 to 128', () => {
    expect(numbers).toEqual(Array.from({ length: 127 }, (_, i) => i + 2));
  });

  it('keeps every variable maximum within its prefix', () => {
    const max = { fixed: Infinity, llvar: 99, lllvar: 999, llllvar: 9999 } as const;
    for (const [, s] of specs) expect(s.length).toBeLessThanOrEqual(max[s.lengthType]);
  });

  it('carries 52, 53 (the KSN), 55, 64, 65, 96 and 128 as binary', () => {
    expect(specs.filter(([, s]) => s.format === 'b').map(([n]) => n)).toEqual([52, 53, 55, 64, 65, 96, 128]);
  });
});

const arbMessage: fc.Arbitrary<MessageInput> = fc
  .tuple(
    fc.stringMatching(/^[0-9]{4}$/),
    fc.uniqueArray(fc.integer({ min: 2, max: 128 }), { maxLength: 20 }).chain((ns) =>
      fc.tuple(...ns.map((n) => arbValue(iso87ascii.fields[n as keyof typeof iso87ascii.fields]).map((v) => [n, v] as const))),
    ),
  )
  .map(([mti, entries]) => ({ mti, fields: Object.fromEntries(entries) }));

describe('codec properties', () => {
  it('round-trips any valid message', () => {
    fc.assert(
      fc.property(arbMessage, (input) => {
        const decoded = decodeMessage(iso87ascii, encodeMessage(iso87ascii, input));
        expect(decoded.mti).toBe(input.mti);
        expect({ ...decoded.fields }).toEqual(input.fields);
      }),
    );
  });

  it('turns random bytes into a message or an ISO8583 PosError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeOrCode(bytes);
      }),
    );
  });

  it('turns mutated valid messages into a message or an ISO8583 PosError', () => {
    const base = VECTORS.map((v) => v.bytes);
    fc.assert(
      fc.property(mutatedMessages(base, 8), (bytes) => {
        decodeOrCode(bytes);
      }),
    );
  });
});

function decodeOrCode(bytes: Uint8Array): void {
  const error = thrownOrNone(() => decodeMessage(iso87ascii, bytes));
  if (error === undefined) return;
  expect(error.code).toMatch(/^ISO8583_/);
  expect(typeof error.details['offset']).toBe('number');
}
