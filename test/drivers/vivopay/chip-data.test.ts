/**
 * Tag 57, Track 2 Equivalent Data (EMV Book 3 Annex A): PAN, separator D,
 * YYMM, service code, discretionary data, an F to fill the last byte. The
 * driver reads it nibble by nibble into track 2 text held as bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardFromTrack2Equivalent } from '../../../drivers/shared/track2-equivalent.js';
import { luhnCheckDigit } from '../../../src/card/luhn.js';
import { thrown, thrownOrNone } from '../../pos-error.js';

/** Nibbles as hex text (`D` separator), F-padded to whole bytes. */
function tag57(nibbles: string): Buffer {
  return Buffer.from(nibbles.length % 2 ? `${nibbles}F` : nibbles, 'hex');
}

describe('cardFromTrack2Equivalent', () => {
  it.each([
    ['an odd nibble count, F-padded', '4111111111111111D30121010000000000'.slice(0, -1), '4111111111111111=3012101000000000'],
    ['an even nibble count', '4111111111111111D3012101000000', '4111111111111111=3012101000000'],
    ['a 15-digit PAN', '378282246310005D301210100000', '378282246310005=301210100000'],
  ])('%s', (_name, nibbles, track2) => {
    const card = cardFromTrack2Equivalent(tag57(nibbles));
    const [pan] = track2.split('=');
    expect(card.pan.revealText()).toBe(pan);
    expect(card.track2.revealText()).toBe(track2);
    expect(card.expiry).toEqual({ year: 2030, month: 12 });
    expect(card.serviceCode).toBe('101');
    expect(card.brand).toBe(pan?.startsWith('4') ? 'visa' : 'amex');
  });

  it.each([
    ['an 11-digit PAN', '41111111116D3012101'],
    ['a 20-digit PAN', '41111111111111111113D3012101'],
    ['no separator', '41111111111111113012101'],
    ['two separators', '4111111111111111D3012D101'],
    ['a letter nibble', '4111111111111111D30A2101'],
    ['fewer than seven digits after the separator', '4111111111111111D301210'],
    ['a pad nibble inside', '4111111111111111DF012101'],
    ['nothing at all', ''],
  ])('CHIP_DATA_INVALID: %s, with the length and no digits in the error', (_name, nibbles) => {
    const err = thrown(() => cardFromTrack2Equivalent(tag57(nibbles)));
    expect(err.code).toBe('CHIP_DATA_INVALID');
    expect(err.details).toEqual({ tag: '57', lengthBytes: tag57(nibbles).length });
  });

  it('a PAN failing Luhn is the card parser\'s CARD_PAN_LUHN', () => {
    expect(thrown(() => cardFromTrack2Equivalent(tag57('4111111111111112D3012101'))).code).toBe('CARD_PAN_LUHN');
  });

  it('reads back any well-formed value; random bytes give a card or a PosError, nothing else', () => {
    const digits = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    const pan = digits(11, 18).map((p) => `${p}${luhnCheckDigit(p)}`);
    fc.assert(
      fc.property(pan, fc.integer({ min: 1, max: 12 }), digits(3, 3), digits(0, 10), (p, month, service, rest) => {
        const yymm = `30${String(month).padStart(2, '0')}`;
        const card = cardFromTrack2Equivalent(tag57(`${p}D${yymm}${service}${rest}`));
        expect(card.pan.revealText()).toBe(p);
        expect(card.track2.revealText()).toBe(`${p}=${yymm}${service}${rest}`);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        thrownOrNone(() => expect(cardFromTrack2Equivalent(bytes).pan.length).toBeGreaterThanOrEqual(12));
      }),
      { numRuns: 2000 },
    );
  });
});
