import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import { parseTrack1 } from '../../src/card/track1.js';
import { parseTrack2 } from '../../src/card/track2.js';
import { luhnCheckDigit } from '../../src/card/luhn.js';
import samples from './vectors/track-samples.json' with { type: 'json' };
import { thrown, thrownOrNone } from '../pos-error.js';

// Fixtures are built field by field from ISO/IEC 7813 sections 8 and 9.
const PAN = '4111111111111111';
const T1 = [
  '%', //                     start sentinel
  'B', //                     format code B
  PAN, //                     primary account number
  '^', //                     field separator
  'TEST/CARD ONE', //         name, SURNAME/GIVEN
  '^', //                     field separator
  '3012', //                  expiry YYMM
  '101', //                   service code
  '0000000000', //            discretionary data
  '?', //                     end sentinel (no LRC from ASCII readers)
].join('');
const T2 = [';', PAN, '=', '3012', '101', '0000000000', '?'].join('');

describe('track 1 format B (ISO/IEC 7813 §8)', () => {
  it.each(samples.track1.map((s) => [s.id, s] as const))('published sample %s', (_id, s) => {
    const t = parseTrack1(s.raw);
    expect(t.pan.revealText()).toBe(s.expected.pan);
    expect(t.name.revealText()).toBe('FATEHI/SUALEH');
    expect(t.expiry).toEqual({ year: 2000 + Number(s.expected.expiry_yymm.slice(0, 2)), month: Number(s.expected.expiry_yymm.slice(2)) });
    expect(t.serviceCode).toBe(s.expected.service_code);
    expect(t.discretionary.revealText()).toBe(s.expected.discretionary_data);
    expect(t.content.revealText()).toBe(s.raw.slice(1, -1));
  });

  it('reads the fields of a line with sentinels, and the same content without them', () => {
    for (const input of [T1, T1.slice(1, -1)]) {
      const t = parseTrack1(input);
      expect(t.pan.revealText()).toBe(PAN);
      expect(t.name.revealText()).toBe('TEST/CARD ONE');
      expect(t.expiry).toEqual({ year: 2030, month: 12 });
      expect(t.serviceCode).toBe('101');
      expect(t.discretionary.revealText()).toBe('0000000000');
      expect(t.content.revealText()).toBe(T1.slice(1, -1));
    }
  });

  it('is what encodeTrack1 writes', () => {
    expect(encodeTrack1({ pan: PAN, name: 'TEST/CARD ONE', expiry: '3012', serviceCode: '101', discretionary: '0000000000' }).toString('latin1')).toBe(T1);
  });

  it.each([
    ['no end sentinel', T1.slice(0, -1), { track: 1, offset: T1.length - 1, rule: 'end-sentinel' }],
    ['end sentinel without start sentinel', T1.slice(1), { track: 1, offset: 0, rule: 'start-sentinel' }],
    ['format code A, not B', T1.replace('%B', '%A'), { track: 1, offset: 1, rule: 'format-code' }],
    ['lower case is outside the six-bit set', T1.replace('TEST', 'Test'), { track: 1, offset: 20, rule: 'charset' }],
    ['no field separator after the PAN', `%B${PAN}?`, { track: 1, offset: 18, rule: 'field-separator' }],
    ['no field separator after the name', `%B${PAN}^TEST/CARD ONE?`, { track: 1, offset: 32, rule: 'field-separator' }],
    ['a one-character name', T1.replace('TEST/CARD ONE', 'X'), { track: 1, offset: 19, rule: 'name-length', length: 1 }],
    ['a 27-character name', T1.replace('TEST/CARD ONE', 'A'.repeat(27)), { track: 1, offset: 19, rule: 'name-length', length: 27 }],
    ['expiry and service code cut short', `%B${PAN}^TEST/CARD ONE^30121?`, { track: 1, offset: 38, rule: 'truncated' }],
    ['a letter in the service code', T1.replace('3012101', '30121X1'), { track: 1, offset: 38, rule: 'service-code' }],
    ['over 79 characters with sentinels and LRC', T1.replace('0000000000', '0'.repeat(38)), { track: 1, offset: 0, rule: 'max-length', length: 77, maxLength: 76 }],
  ])('CARD_TRACK_MALFORMED: %s', (_name, input, details) => {
    const err = thrown(() => parseTrack1(input));
    expect(err.code).toBe('CARD_TRACK_MALFORMED');
    expect(err.details).toEqual(details);
  });

  it('accepts the longest track 1 (76 characters between the sentinels)', () => {
    const t = parseTrack1(T1.replace('0000000000', '0'.repeat(37)));
    expect(t.content.length).toBe(76);
  });

  it('CARD_EXPIRY_INVALID carries the track and the offset', () => {
    const err = thrown(() => parseTrack1(T1.replace('3012', '3013')));
    expect(err.code).toBe('CARD_EXPIRY_INVALID');
    expect(err.details).toEqual({ rule: 'month', month: 13, track: 1, offset: 33 });
  });

  it('offsets are relative to the reader line when a base offset is given', () => {
    const err = thrown(() => parseTrack1(T1.replace('%B', '%A'), 100));
    expect(err.details['offset']).toBe(101);
  });
});

describe('track 2 (ISO/IEC 7813 §9)', () => {
  it.each(samples.track2.map((s) => [s.id, s] as const))('published sample %s', (_id, s) => {
    const t = parseTrack2(s.raw ?? '');
    expect(t.pan.revealText()).toBe(s.expected.pan);
    expect(t.expiry).toEqual({ year: 2016, month: 4 });
    expect(t.serviceCode).toBe(s.expected.service_code);
    expect(t.discretionary.revealText()).toBe(s.expected.discretionary_data);
  });

  it('reads a line with sentinels and the bare content (ISO 8583 DE 35 form) alike', () => {
    for (const input of [T2, T2.slice(1, -1)]) {
      const t = parseTrack2(input);
      expect(t.pan.revealText()).toBe(PAN);
      expect(t.expiry).toEqual({ year: 2030, month: 12 });
      expect(t.serviceCode).toBe('101');
      expect(t.content.revealText()).toBe(`${PAN}=30121010000000000`);
    }
  });

  it('is what encodeTrack2 writes', () => {
    expect(encodeTrack2({ pan: PAN, expiry: '3012', serviceCode: '101', discretionary: '0000000000' }).toString('latin1')).toBe(T2);
  });

  it.each([
    ['no end sentinel', T2.slice(0, -1), { track: 2, offset: T2.length - 1, rule: 'end-sentinel' }],
    ['no field separator', `;${PAN}?`, { track: 2, offset: 17, rule: 'field-separator' }],
    ['a letter is outside the numeric set', T2.replace('=3012', '=30A2'), { track: 2, offset: 20, rule: 'charset' }],
    ['a second start sentinel', T2.replace('=3012', '=;012'), { track: 2, offset: 18, rule: 'charset' }],
    ['expiry and service code cut short', `;${PAN}=3012?`, { track: 2, offset: 22, rule: 'truncated' }],
    ['a field separator in the service code', T2.replace('3012101', '30121=1'), { track: 2, offset: 23, rule: 'service-code' }],
    ['over 40 characters with sentinels and LRC', T2.replace('0000000000', '0'.repeat(14)), { track: 2, offset: 0, rule: 'max-length', length: 38, maxLength: 37 }],
  ])('CARD_TRACK_MALFORMED: %s', (_name, input, details) => {
    const err = thrown(() => parseTrack2(input));
    expect(err.code).toBe('CARD_TRACK_MALFORMED');
    expect(err.details).toEqual(details);
  });

  it.each([
    ['an 11-digit PAN', `;41111111116=3012101?`, 'CARD_PAN_INVALID', { track: 2, length: 11, rule: 'length' }],
    ['a 20-digit PAN', `;41111111111111111113=3012101?`, 'CARD_PAN_INVALID', { track: 2, length: 20, rule: 'length' }],
    ['a PAN with a track 2 control character', `;41111111<1111111=3012101?`, 'CARD_PAN_INVALID', { track: 2, length: 16, rule: 'digits' }],
    ['a PAN failing Luhn', `;4111111111111112=3012101?`, 'CARD_PAN_LUHN', { track: 2, length: 16 }],
  ])('%s → %s', (_name, input, code, details) => {
    const err = thrown(() => parseTrack2(input));
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
  });
});

const digits = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const validPan = digits(11, 18).map((p) => `${p}${luhnCheckDigit(p)}`);
const yymm = fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${String(y).padStart(2, '0')}${String(m).padStart(2, '0')}`);
const nameChars = fc.stringMatching(/^[ -\]_]{2,26}$/).filter((n) => !n.includes('%') && !n.includes('?') && !n.includes('^'));

describe('tracks: properties', () => {
  it('encode then parse gives back every field (track 1 and track 2)', () => {
    fc.assert(
      fc.property(validPan, nameChars, yymm, digits(3, 3), digits(0, 8), (pan, name, expiry, serviceCode, discretionary) => {
        const fields = { pan, name, expiry, serviceCode, discretionary };
        const t1 = parseTrack1(encodeTrack1(fields));
        const t2 = parseTrack2(encodeTrack2(fields));
        for (const t of [t1, t2]) {
          expect(t.pan.revealText()).toBe(pan);
          expect(t.serviceCode).toBe(serviceCode);
          expect(t.discretionary.revealText()).toBe(discretionary);
          expect(t.expiry.month).toBe(Number(expiry.slice(2)));
        }
        expect(t1.name.revealText()).toBe(name);
      }),
    );
  });

  it('random bytes give a track or a PosError, nothing else', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 90 }), fc.uint8Array({ maxLength: 90, min: 0x20, max: 0x5f }), fc.uint8Array({ maxLength: 45, min: 0x30, max: 0x3f }));
    fc.assert(
      fc.property(bytes, (input) => {
        for (const parse of [parseTrack1, parseTrack2]) thrownOrNone(() => parse(input));
      }),
      { numRuns: 2000 },
    );
  });
});
