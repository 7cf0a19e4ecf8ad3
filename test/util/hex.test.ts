import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, fromLooseHex, toHex } from '../../src/util/hex.js';
import { thrown } from '../pos-error.js';

describe('hex', () => {
  it.each([
    ['', []],
    ['00', [0]],
    ['0aFf', [0x0a, 0xff]],
  ])('decodes %j', (text, bytes) => {
    expect([...fromHex(text)]).toEqual(bytes);
  });

  it('prints uppercase', () => {
    expect(toHex(Uint8Array.of(0xab, 0x01))).toBe('AB01');
  });

  it.each([
    ['abc', { what: 'hex', digits: 3 }],
    ['0g', { what: 'hex', position: 1 }],
    ['12 34', { what: 'hex', position: 2 }],
  ])('rejects %j with HEX_INVALID', (text, details) => {
    expect(thrown(() => fromHex(text))).toMatchObject({ code: 'HEX_INVALID', details });
  });

  it('ignores white space in loose hex', () => {
    expect(toHex(fromLooseHex(' 9F 02\n06 '))).toBe('9F0206');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect([...fromHex(toHex(bytes))]).toEqual([...bytes]);
      }),
    );
  });
});
