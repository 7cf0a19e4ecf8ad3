import { describe, expect, it } from 'vitest';
import { TAG_DICTIONARY, isConstructedTag, isSensitiveTag, lookupTag } from '../../src/emv/index.js';

/** Every tag of EMV 4.4 Book 3 Annex A tables A1 (by tag), which the dictionary must hold in full. */
const BOOK3_ANNEX_A = (
  '42 4F 50 57 5A 5F20 5F24 5F25 5F28 5F2A 5F2D 5F30 5F34 5F36 5F50 5F53 5F54 5F55 5F56 61 6F 70 71 72 73 77 80 81 82 83 84 86 87 88 89 8A 8C 8D 8E 8F ' +
  '90 91 92 93 94 95 97 98 99 9A 9B 9C 9D 9F01 9F02 9F03 9F04 9F05 9F06 9F07 9F08 9F09 9F0B 9F0D 9F0E 9F0F 9F10 9F11 9F12 9F13 9F14 9F15 9F16 9F17 9F18 ' +
  '9F1A 9F1B 9F1C 9F1D 9F1E 9F1F 9F20 9F21 9F22 9F23 9F26 9F27 9F2D 9F2E 9F2F 9F32 9F33 9F34 9F35 9F36 9F37 9F38 9F39 9F3A 9F3B 9F3C 9F3D 9F40 9F41 9F42 ' +
  '9F43 9F44 9F45 9F46 9F47 9F48 9F49 9F4A 9F4B 9F4C 9F4D 9F4E 9F4F A5 BF0C'
).split(' ');

describe('tag dictionary', () => {
  it('holds at least 150 tags', () => {
    expect(TAG_DICTIONARY.size).toBeGreaterThanOrEqual(150);
  });

  it.each(BOOK3_ANNEX_A)('holds Book 3 Annex A tag %s', (tag) => {
    expect(lookupTag(tag)).toBeDefined();
  });

  it.each(['9F66', '9F6C', '9F6E', '9F7C', '9F6B', '56', 'DF8129', 'FF8105', '9F2A'])('holds the scheme, kernel or reader tag %s', (tag) => {
    expect(lookupTag(tag)).toBeDefined();
  });

  it.each(['5A', '57', '56', '9F6B', '5F20', '9F1F', '9F20', '9F0B', '99'])('marks %s sensitive', (tag) => {
    expect(isSensitiveTag(tag)).toBe(true);
  });

  it.each(['9F26', '82', '95', '5F24', '9F02', '4F'])('does not mark %s sensitive', (tag) => {
    expect(isSensitiveTag(tag)).toBe(false);
  });

  it('looks tags up in any case, and knows nothing of unknown tags', () => {
    expect(lookupTag('9f02')?.name).toBe('Amount, Authorised (Numeric)');
    expect(lookupTag('DF7F')).toBeUndefined();
  });

  it.each([...TAG_DICTIONARY.values()].map((i) => [i.tag, i] as const))('entry %s is well-formed', (tag, info) => {
    expect(tag).toMatch(/^(?:[0-9A-F]{2}){1,3}$/);
    expect(info.name.length).toBeGreaterThan(0);
    expect(['card', 'terminal', 'issuer']).toContain(info.source);
    expect(['n', 'cn', 'an', 'ans', 'b']).toContain(info.format);
    expect(info.minLength).toBeLessThanOrEqual(info.maxLength);
    // Templates are constructed, except 80 (Format 1), which carries AIP, AFL, CID, ATC, AC… as bare values.
    for (const t of info.templates) expect(isConstructedTag(t) || t === '80', `${tag} in ${t}`).toBe(true);
  });

  it.each([
    ['9F02', 'terminal', 'n', 6, 6],
    ['5A', 'card', 'cn', 0, 10],
    ['50', 'card', 'ans', 1, 16],
    ['8A', 'issuer', 'an', 2, 2],
    ['9F26', 'card', 'b', 8, 8],
  ])('describes %s as Annex A does', (tag, source, format, min, max) => {
    expect(lookupTag(tag)).toMatchObject({ source, format, minLength: min, maxLength: max });
  });
});
