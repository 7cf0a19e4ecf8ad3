import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { luhnCheckDigit, luhnValid } from '../../src/card/luhn.js';
import { checkPan } from '../../src/card/pan.js';
import samples from './vectors/track-samples.json' with { type: 'json' };
import { thrown } from '../pos-error.js';

describe('Luhn (ISO/IEC 7812-1 Annex B)', () => {
  it.each(samples.luhn.map((s) => [s.number, s.valid, s.source.repo] as const))('%s is valid: %s (source %s)', (number, valid) => {
    expect(luhnValid(number)).toBe(valid);
    expect(luhnValid(Buffer.from(number, 'latin1'))).toBe(valid);
  });

  it.each(Object.entries(samples.computed_luhn_extra.values))('%s is valid: %s', (number, valid) => {
    expect(luhnValid(number)).toBe(valid);
  });

  it.each(['', 'abc', '4111-1111-1111-1111', '4111 1111 1111 1111'])('rejects %j (not a digit string)', (text) => {
    expect(luhnValid(text)).toBe(false);
    expect(luhnValid(Buffer.from(text, 'latin1'))).toBe(false);
  });

  it('the check digit makes any digit string valid, and any other last digit invalid', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,25}$/), (partial) => {
        const check = luhnCheckDigit(partial);
        expect(luhnValid(`${partial}${check}`)).toBe(true);
        for (let d = 0; d < 10; d++) if (d !== check) expect(luhnValid(`${partial}${d}`)).toBe(false);
      }),
    );
  });

  it('detects every single-digit substitution', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{11,18}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (partial, at, delta) => {
        const pan = `${partial}${luhnCheckDigit(partial)}`;
        const i = at % pan.length;
        const changed = `${pan.slice(0, i)}${(Number(pan[i]) + delta) % 10}${pan.slice(i + 1)}`;
        expect(luhnValid(changed)).toBe(false);
      }),
    );
  });
});

describe('checkPan', () => {
  it.each(['411111111117', '4111111111111111', '6011000990139424', '4000000000000000006'])('accepts %s, as text and as bytes', (pan) => {
    expect(() => checkPan(pan)).not.toThrow();
    expect(() => checkPan(Buffer.from(pan, 'latin1'))).not.toThrow();
  });

  it.each([
    ['shorter than 12 digits', '41111111116', { length: 11, rule: 'length' }],
    ['longer than 19 digits', '41111111111111111113', { length: 20, rule: 'length' }],
    ['a non-digit', '41111111111X1111', { length: 16, rule: 'digits' }],
  ])('CARD_PAN_INVALID: %s', (_name, pan, details) => {
    for (const digits of [pan, Buffer.from(pan, 'latin1')]) {
      const err = thrown(() => checkPan(digits, { track: 2 }));
      expect(err.code).toBe('CARD_PAN_INVALID');
      expect(err.details).toEqual({ track: 2, ...details });
    }
  });

  it('CARD_PAN_LUHN: the check digit is wrong, and the error does not hold the PAN', () => {
    const err = thrown(() => checkPan('4111111111111112'));
    expect(err.code).toBe('CARD_PAN_LUHN');
    expect(err.details).toEqual({ length: 16 });
    expect(JSON.stringify(err)).not.toContain('4111111111111112');
  });
});
