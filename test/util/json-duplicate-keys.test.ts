/** The strict JSON check: a key named twice in one object, at any depth, against JSON.parse as the oracle. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../../src/util/json-duplicate-keys.js';

describe('findDuplicateKey', () => {
  it.each([
    ['a flat repeat', '{"a":1,"a":2}', { offset: 7, depth: 1 }],
    ['an escaped spelling of the same key', '{"a":1,"\\u0061":2}', { offset: 7, depth: 1 }],
    ['a repeat in an object inside an array', '[{"x":[]},{"k":"\\"","k":0}]', { offset: 20, depth: 2 }],
    ['a repeat three levels down', '{"a":{"b":{"c":1,"c":1}}}', { offset: 17, depth: 3 }],
    ['a repeat after a nested object closed', '{"a":{"a":1},"a":2}', { offset: 13, depth: 1 }],
  ])('finds %s', (_name, text, expected) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(findDuplicateKey(text)).toEqual(expected);
  });

  it.each([
    ['the same key in two sibling objects', '[{"a":1},{"a":2}]'],
    ['the same key at two depths', '{"a":{"a":{"a":1}}}'],
    ['a value equal to a key', '{"a":"a","b":"a"}'],
    ['keys that differ only in case', '{"A":1,"a":2}'],
    ['keys with brackets and commas inside strings', '{"{,":1,"[,":"}]","x\\"y":2}'],
    ['scalars', '"a"'],
  ])('lets %s pass', (_name, text) => {
    expect(findDuplicateKey(text)).toBeNull();
  });

  it('finds nothing in any JSON.stringify output (never a duplicate), whatever the strings and whitespace', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, '\t'), (value, indent) => {
        expect(findDuplicateKey(JSON.stringify(value, null, indent))).toBeNull();
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.json({ stringUnit: 'binary' }), (text) => {
        expect(findDuplicateKey(text)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with JSON.parse on whether an object written out key by key repeats a key', () => {
    // Keys from a small alphabet, some escaped, so repeats are frequent and spelled differently.
    const key = fc.constantFrom('a', 'b', 'ab', 'é');
    const spelled = (k: string, escape: boolean) => (escape ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(k));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.boolean(), fc.jsonValue()), { maxLength: 6 }), fc.nat(3), (entries, nesting) => {
        const object = `{${entries.map(([k, escape, v]) => `${spelled(k, escape)}:${JSON.stringify(v)}`).join(',')}}`;
        const text = '{"wrap":['.repeat(nesting) + object + ']}'.repeat(nesting);
        const parsedKeys = Object.keys(unwrap(JSON.parse(text), nesting));
        const repeats = parsedKeys.length < entries.length;
        const found = findDuplicateKey(text);
        expect(found !== null).toBe(repeats);
        if (found) expect(found.depth).toBe(1 + 2 * nesting);
      }),
      { numRuns: 1_000 },
    );
  });

  it('ends on any text, JSON or not, with an answer or null', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', 'a', '1', ' ') }), (text) => {
        const found = findDuplicateKey(text);
        if (found !== null) expect(found.offset).toBeLessThan(text.length);
      }),
      { numRuns: 2_000 },
    );
  });
});

function unwrap(value: unknown, nesting: number): object {
  let v = value;
  for (let i = 0; i < nesting; i++) v = ((v as { wrap: unknown[] }).wrap)[0];
  return v as object;
}
