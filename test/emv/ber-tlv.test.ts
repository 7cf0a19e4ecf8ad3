import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, find, findAll, flatten, type TlvInput, type TlvNode } from '../../src/emv/index.js';
import { toHex } from '../../src/util/hex.js';
import { hex, loadVectors } from './helpers.js';
import { thrown, thrownOrNone } from '../pos-error.js';

interface Sample {
  name: string;
  hex: string;
  top: string[];
  expect: Record<string, string>;
  lengths?: Record<string, number>;
  count?: Record<string, number>;
  paths?: Record<string, string[]>;
  canonical?: boolean;
  source: unknown;
}
interface ErrorSample {
  name: string;
  hex: string;
  code: string;
  details: Record<string, unknown>;
}
const card = loadVectors<{ samples: Sample[]; errors: ErrorSample[] }>('emv-card-samples.json');

interface EdgeCase {
  hex: string;
  flat?: Record<string, string>;
  strict?: { code: string; details: Record<string, unknown> };
  error?: { code: string; details: Record<string, unknown> };
}
interface TreeRow {
  tag: string;
  value?: string;
  children?: TreeRow[];
}
const edge = loadVectors<{ cases: EdgeCase[]; nested: { hex: string; tree: TreeRow[] } }>('tlv-edge-cases.json');

function pathTo(nodes: readonly TlvNode[], tag: string, trail: string[] = []): string[] | undefined {
  for (const n of nodes) {
    const here = [...trail, n.tag];
    if (n.tag === tag) return here;
    const below = n.children ? pathTo(n.children, tag, here) : undefined;
    if (below) return below;
  }
  return undefined;
}

function shape(nodes: readonly TlvNode[]): TreeRow[] {
  return nodes.map((n) => (n.children ? { tag: n.tag, children: shape(n.children) } : { tag: n.tag, value: toHex(n.value) }));
}

describe('BER-TLV decode of real card data', () => {
  it('every sample cites its source', () => {
    for (const s of [...card.samples, ...card.errors]) expect(s).toHaveProperty('source');
  });

  it.each(card.samples.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const nodes = decode(hex(s.hex));
    expect(nodes.map((n) => n.tag)).toEqual(s.top);
    for (const [tag, value] of Object.entries(s.expect)) expect(toHex(find(nodes, tag)?.value ?? Buffer.alloc(0)), tag).toBe(value);
    for (const [tag, length] of Object.entries(s.lengths ?? {})) expect(find(nodes, tag)?.value.length, tag).toBe(length);
    for (const [tag, count] of Object.entries(s.count ?? {})) expect(findAll(nodes, tag), tag).toHaveLength(count);
    for (const [tag, path] of Object.entries(s.paths ?? {})) expect(pathTo(nodes, tag)).toEqual(path);
  });

  it.each(card.samples.filter((s) => s.canonical !== false).map((s) => [s.name, s] as const))('round-trips %s byte for byte', (_name, s) => {
    expect(toHex(encode(decode(hex(s.hex))))).toBe(s.hex);
  });

  it.each(card.samples.filter((s) => s.canonical === false).map((s) => [s.name, s] as const))('re-encodes %s without its padding, to the same tree', (_name, s) => {
    const first = decode(hex(s.hex));
    const again = encode(first);
    expect(again.length).toBeLessThan(hex(s.hex).length);
    expect(shape(decode(again))).toEqual(shape(first));
  });

  it.each(card.errors.map((s) => [s.name, s] as const))('rejects %s', (_name, s) => {
    const err = thrown(() => decode(hex(s.hex)));
    expect(err.code).toBe(s.code);
    expect(err.details).toEqual(s.details);
  });
});

describe('BER-TLV edge cases published with pyemv', () => {
  it.each(edge.cases.filter((c) => c.flat).map((c) => [c.hex, c] as const))('decodes %s', (text, c) => {
    const flat = Object.fromEntries([...flatten(decode(hex(text)))].map(([t, v]) => [t, toHex(v)]));
    expect(flat).toEqual(c.flat);
  });

  it.each(edge.cases.filter((c) => c.strict).map((c) => [c.hex, c] as const))('strict mode rejects the non-minimal length in %s', (text, c) => {
    const err = thrown(() => decode(hex(text), { strict: true }));
    expect({ code: err.code, details: err.details }).toEqual(c.strict);
  });

  it.each(edge.cases.filter((c) => c.error).map((c) => [c.hex, c] as const))('rejects %s where pyemv accepts it', (text, c) => {
    const err = thrown(() => decode(hex(text)));
    expect({ code: err.code, details: err.details }).toEqual(c.error);
  });

  it('decodes the nested sample into the published tree', () => {
    expect(shape(decode(hex(edge.nested.hex)))).toEqual(edge.nested.tree);
  });
});

describe('BER-TLV decode rules (Book 3 Annex B)', () => {
  it.each([
    ['one-byte tag', '9C0100', '9C', false],
    ['two-byte tag', '9F020100', '9F02', false],
    ['three-byte tag', 'DF81290100', 'DF8129', false],
    ['four-byte tag', 'DF8181010100', 'DF818101', false],
    ['constructed bit set', '7000', '70', true],
    ['private constructed kernel template (FF then a byte with b8 set)', 'FF810500', 'FF8105', true],
    ['two-byte private constructed tag (FF then a byte with b8 clear)', 'FF2000', 'FF20', true],
  ])('reads a %s', (_what, text, tag, constructed) => {
    const [node] = decode(hex(text));
    expect(node?.tag).toBe(tag);
    expect(node?.constructed).toBe(constructed);
  });

  it.each([
    ['short form', '9F0206000000001000', 6],
    ['81 form', '90' + '81' + '80' + '00'.repeat(128), 128],
    ['82 form', '90' + '820100' + '11'.repeat(256), 256],
    ['83 form', '90' + '83000101' + '22'.repeat(257), 257],
  ])('reads a length in %s', (_what, text, length) => {
    expect(decode(hex(text))[0]?.value.length).toBe(length);
  });

  it.each([
    ['before', '00009F360100'],
    ['between', '9F36010000009F260100'],
    ['after', '9F3601000000'],
    ['inside a template', '7006009F36010000'],
  ])('skips 00 padding %s objects (Book 3 Annex B1)', (_where, text) => {
    const nodes = decode(hex(text));
    expect(findAll(nodes, '9F36')).toHaveLength(1);
    expect(toHex(flatten(nodes).get('9F36') ?? Buffer.alloc(1))).toBe('00');
    expect(findAll(nodes, '9F26')).toHaveLength(text.includes('9F26') ? 1 : 0);
  });

  it('reads FF20 as the two-byte constructed tag FF20, not as padding before a tag 20', () => {
    const nodes = decode(hex('FF20 05 9F360202 47'));
    expect(nodes.map((n) => [n.tag, n.constructed, n.offset])).toEqual([['FF20', true, 0]]);
    expect(pathTo(nodes, '9F36')).toEqual(['FF20', '9F36']);
  });

  it('reads FF as a tag between objects too: FF20 00 is an empty object, the next object is intact', () => {
    const nodes = decode(hex('9F360100 FF2000 9F260100'));
    expect(nodes.map((n) => n.tag)).toEqual(['9F36', 'FF20', '9F26']);
    expect(nodes[1]?.children).toEqual([]);
  });

  it.each([
    ['one trailing FF', '9F360100FF', 'TLV_TRUNCATED', { offset: 4, path: [], part: 'tag' }],
    ['two trailing FF', '9F360100FFFF', 'TLV_TRUNCATED', { offset: 4, path: [], part: 'tag' }],
    ['FF then 00 at the end', '9F360100FF00', 'TLV_TRUNCATED', { offset: 4, path: ['FF00'], part: 'length' }],
    ['a trailing FF inside a template', '70059F360100FF', 'TLV_TRUNCATED', { offset: 6, path: ['70'], part: 'tag' }],
    ['FF 00 before an object', 'FF009F360100', 'TLV_BAD_LENGTH', { offset: 2, path: ['FF00'], lengthBytes: 31 }],
  ])('does not skip FF used as padding (%s): a typed error', (_what, text, code, details) => {
    const err = thrown(() => decode(hex(text)));
    expect({ code: err.code, details: err.details }).toEqual({ code, details });
  });

  it('reads FF followed by a byte with b8 set as a tag, not padding (FF8105 Data Record)', () => {
    const nodes = decode(hex('FF8105 04 9F360102'));
    expect(nodes.map((n) => n.tag)).toEqual(['FF8105']);
    expect(pathTo(nodes, '9F36')).toEqual(['FF8105', '9F36']);
  });

  it('keeps repeated tags in order', () => {
    const nodes = decode(hex('9F3601019F3601029F360103'));
    expect(findAll(nodes, '9F36').map((n) => toHex(n.value))).toEqual(['01', '02', '03']);
    expect(toHex(flatten(nodes).get('9F36') ?? Buffer.alloc(0))).toBe('01');
  });

  it('returns views into the input, not copies', () => {
    const input = hex('77059F36020247');
    const [node] = decode(input);
    const atc = find([node as TlvNode], '9F36');
    expect(atc?.value.buffer).toBe(input.buffer);
    input[5] = 0x99;
    expect(toHex(atc?.value ?? Buffer.alloc(0))).toBe('9947');
  });

  it('records each object offset in the input', () => {
    const nodes = decode(hex('00 770C 9F360202 47 9F2701 80 82 0100'));
    expect(nodes[0]?.offset).toBe(1);
    expect(nodes[0]?.children?.map((c) => c.offset)).toEqual([3, 8, 12]);
  });

  it('finds depth-first: a parent before its children, earlier siblings first', () => {
    const nodes = decode(hex('70 08 61 03 4F 01 A1 4F 01 A2 4F 01 A3'));
    expect(findAll(nodes, '4F').map((n) => toHex(n.value))).toEqual(['A1', 'A2', 'A3']);
    expect(find(nodes, '4f')?.offset).toBe(4);
    expect(find(nodes, '5A')).toBeUndefined();
  });

  it('flattens primitives only', () => {
    const flat = flatten(decode(hex('6F 07 84 02 A0 00 A5 01 00')));
    expect([...flat.keys()]).toEqual(['84']);
  });
});

describe('BER-TLV errors carry code, offset and tag path', () => {
  const deep = (levels: number): string => {
    let inner = '9F3600';
    for (let i = 0; i < levels; i++) inner = 'E0' + (inner.length / 2).toString(16).padStart(2, '0') + inner;
    return inner;
  };

  it.each([
    ['value past the end', '9F360302', 'TLV_TRUNCATED', { offset: 0, path: ['9F36'], length: 3, available: 1 }],
    ['nested value past the end', '7004 5A08 4761', 'TLV_TRUNCATED', { offset: 2, path: ['70', '5A'], length: 8, available: 2 }],
    ['template longer than its data', '770A 8202 1980', 'TLV_TRUNCATED', { offset: 0, path: ['77'], length: 10, available: 4 }],
    ['tag cut after its first byte', '9F', 'TLV_TRUNCATED', { offset: 0, path: [], part: 'tag' }],
    ['length missing', '9F36', 'TLV_TRUNCATED', { offset: 0, path: ['9F36'], part: 'length' }],
    ['long length cut short', '9F368201', 'TLV_TRUNCATED', { offset: 0, path: ['9F36'], part: 'length' }],
    ['indefinite length', '9F3680', 'TLV_INDEFINITE_LENGTH', { offset: 2, path: ['9F36'] }],
    ['nested indefinite length', '70 04 61 80 00 00', 'TLV_INDEFINITE_LENGTH', { offset: 3, path: ['70', '61'] }],
    ['length field of 5 bytes', '9F36850000000001', 'TLV_BAD_LENGTH', { offset: 2, path: ['9F36'], lengthBytes: 5 }],
    ['tag of 5 bytes', '9F8181818101', 'TLV_BAD_TAG', { offset: 0, path: [] }],
    ['tag of 5 bytes in a template', '7006 DF8181818101', 'TLV_BAD_TAG', { offset: 2, path: ['70'] }],
  ])('%s', (_what, text, code, details) => {
    const err = thrown(() => decode(hex(text)));
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
  });

  it('accepts 16 levels of nesting and rejects the 17th at its offset', () => {
    expect(() => decode(hex(deep(15)))).not.toThrow();
    const err = thrown(() => decode(hex(deep(16))));
    expect(err.code).toBe('TLV_TOO_DEEP');
    expect(err.details).toEqual({ offset: 32, path: Array(16).fill('E0'), maxDepth: 16 });
  });

  it('rejects 5000 levels of nesting at level 17, without a stack overflow', () => {
    // E0 83 xxxxxx around E0 83 xxxxxx around … : 5 header bytes a level.
    let nested = hex('9F3600');
    for (let i = 0; i < 5000; i++) {
      const header = Buffer.of(0xe0, 0x83, (nested.length >> 16) & 0xff, (nested.length >> 8) & 0xff, nested.length & 0xff);
      nested = Buffer.concat([header, nested]);
    }
    const err = thrown(() => decode(nested));
    expect(err.code).toBe('TLV_TOO_DEEP');
    expect(err.details['offset']).toBe(16 * 5);
  });

  it('strict mode rejects non-minimal lengths', () => {
    expect(thrown(() => decode(hex('9F36817F' + '00'.repeat(127)), { strict: true })).details).toEqual({ offset: 2, path: ['9F36'], lengthBytes: 1 });
    expect(decode(hex('9F368180' + '00'.repeat(128)), { strict: true })[0]?.value.length).toBe(128);
  });

  it('never allocates from a huge length field: 84 FFFFFFFF is simply truncated', () => {
    const err = thrown(() => decode(hex('9F3684FFFFFFFF00')));
    expect(err.details).toEqual({ offset: 0, path: ['9F36'], length: 0xffffffff, available: 1 });
  });

  it('keeps card data out of error messages and details', () => {
    const err = thrown(() => decode(hex('7015 5A08 4761739001010010 5710 4761739001010010D22122')));
    expect(err.details['path']).toEqual(['70', '57']);
    expect(JSON.stringify(err.toJSON())).not.toMatch(/4761739001010010/);
  });
});

describe('BER-TLV encode', () => {
  it.each([
    [0, '9F3600'],
    [0x7f, '9F367F'],
    [0x80, '9F368180'],
    [0xff, '9F3681FF'],
    [0x100, '9F36820100'],
    [0x10000, '9F3683010000'],
  ])('writes the minimal length form for %i bytes', (length, prefix) => {
    const out = encode([{ tag: '9F36', value: Buffer.alloc(length) }]);
    expect(toHex(out.subarray(0, prefix.length / 2))).toBe(prefix);
    expect(out.length).toBe(prefix.length / 2 + length);
  });

  it('re-encodes non-minimal input in minimal form', () => {
    expect(toHex(encode(decode(hex('9C820001FF'))))).toBe('9C01FF');
  });

  it('builds a DE 55 from tags and values', () => {
    const de55: TlvInput[] = [
      { tag: '9F26', value: hex('AFE2B0D59D4DA75A') },
      { tag: '9F27', value: hex('80') },
      { tag: '77', children: [{ tag: '9F36', value: hex('0247') }] },
    ];
    expect(toHex(encode(de55))).toBe('9F2608AFE2B0D59D4DA75A' + '9F270180' + '77059F36020247');
  });

  it.each([['9'], ['XY'], ['9F'], ['5F20AB'], ['9F8181818101'], ['1F81']])('rejects the tag text %j', (tag) => {
    const err = thrown(() => encode([{ tag, value: Buffer.alloc(1) }]));
    expect(err.code).toBe('TLV_BAD_TAG');
  });

  it('rejects a tree nested deeper than decode accepts', () => {
    let node: TlvInput = { tag: '9F36', value: Buffer.alloc(1) };
    for (let i = 0; i < 16; i++) node = { tag: 'E0', children: [node] };
    expect(thrown(() => encode([node])).code).toBe('TLV_TOO_DEEP');
  });
});

describe('BER-TLV properties', () => {
  it('random bytes give a tree or a PosError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, strict) => {
        thrownOrNone(() => expect(Array.isArray(decode(bytes, { strict }))).toBe(true));
      }),
      { numRuns: 3000 },
    );
  });

  it('random TLV-shaped bytes (valid tags and lengths, random values) give a tree or a PosError', () => {
    const object = fc.tuple(fc.constantFrom('9F36', '70', '77', 'E0', '5A', 'DF8129', 'FF8105', '00', 'FF'), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 60 }));
    fc.assert(
      fc.property(fc.array(object, { maxLength: 12 }), (parts) => {
        const bytes = Buffer.concat(parts.map(([tag, value, length]) => Buffer.concat([hex(tag), Buffer.of(length), value])));
        thrownOrNone(() => decode(bytes));
      }),
    );
  });

  const primitiveTag = fc.constantFrom('5A', '57', '82', '95', '9F02', '9F36', '9F26', 'DF8129', '9F818101', '5F2A', '01', '1F22');
  const constructedTag = fc.constantFrom('70', '77', 'A5', 'BF0C', 'E1', 'FF8105', 'FF20', 'FF01', '61', '3F8101');
  const tree: fc.Arbitrary<TlvInput[]> = fc.letrec<{ node: TlvInput; nodes: TlvInput[] }>((tie) => ({
    node: fc.oneof(
      { maxDepth: 6, depthSize: 'small', withCrossShrink: true },
      fc.record({ tag: primitiveTag, value: fc.uint8Array({ maxLength: 300 }) }),
      fc.record({ tag: constructedTag, children: tie('nodes') }),
    ),
    nodes: fc.array(tie('node'), { maxLength: 4 }),
  })).nodes;

  function normal(nodes: readonly TlvInput[]): unknown[] {
    return nodes.map((n) => (n.children ? { tag: n.tag, children: normal(n.children) } : { tag: n.tag, value: toHex(n.value ?? Buffer.alloc(0)) }));
  }

  it('00 bytes before, between and after top-level objects never change the tree', () => {
    const padding = fc.integer({ min: 0, max: 3 }).map((n) => Buffer.alloc(n));
    fc.assert(
      fc.property(tree, fc.array(padding, { minLength: 5, maxLength: 5 }), (nodes, pads) => {
        const padded = Buffer.concat(nodes.flatMap((n, i) => [pads[i % pads.length] as Buffer, encode([n])]).concat(pads[4] as Buffer));
        expect(normal(decode(padded))).toEqual(normal(nodes));
      }),
      { numRuns: 300 },
    );
  });

  it('random trees survive encode → decode unchanged, and re-encode to the same bytes', () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const bytes = encode(nodes);
        const back = decode(bytes, { strict: true });
        expect(normal(back)).toEqual(normal(nodes));
        expect(encode(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
