/**
 * Book C-2 v2.11 mag-stripe mode's Track 2: the reader writes the CVC3, UN,
 * ATC and nUN into the discretionary data (S13.18–S13.19), the issuer reads
 * them back (`readDynamicTrack2`), which never throws on any text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dynamicTrack2,
  fitsAsTemplate,
  numericUnpredictableNumber,
  readDynamicTrack2,
  track2Bytes,
  track2Text,
  TRACK2_LAYOUT,
  unDigitCount,
  type MagstripeLayout,
} from '../../../hw-mocks/chip-card/contactless-magstripe.js';

const TRACK = '5105105105105100D30122010000000000';

describe('the reader’s dynamic Track 2 (Book C-2 S13.18–S13.19)', () => {
  it('the simulation’s layout: ATC in d1–d3, UN in d4–d6, CVC3 in d7–d9, nUN in d10', () => {
    expect(unDigitCount(TRACK2_LAYOUT)).toBe(3);
    const track = dynamicTrack2(TRACK, TRACK2_LAYOUT, { cvc3: 29488, unDigits: '566', atc: 0x1e47 });
    // CVC3 29488 → 488; ATC 7751 → 751; nUN 3
    expect(track).toBe('5105105105105100D3012201' + '751' + '566' + '488' + '3');
  });

  it('the example layout of Book C-2 questions (PCVC3 0038, PUNATC 03C6, NATC 4): UN to the low positions, ATC to the high ones', () => {
    const layout: MagstripeLayout = { pcvc3: 0x0038, punatc: 0x03c6, natc: 4 };
    const track = dynamicTrack2('5105105105105100D30122010000000000', layout, { cvc3: 0x609b, unDigits: '12', atc: 0x1e47 });
    // d1..d10: ATC 7751 in bits 10–7, CVC3 731 in bits 6–4, UN 12 in bits 3–2, nUN 2 in bit 1
    expect(track.slice(-10)).toBe('7751' + '731' + '12' + '2');
  });

  it('pads short values with zeros and keeps the low digits of long ones', () => {
    const track = dynamicTrack2(TRACK, TRACK2_LAYOUT, { cvc3: 7, unDigits: '12345678', atc: 5 });
    expect(track.slice(-10)).toBe('005' + '678' + '007' + '3');
  });

  it('refuses a layout that does not fit the track with EMV_CARD_DATA_INVALID', () => {
    expect(() => dynamicTrack2('5105105105105100D3012201000', TRACK2_LAYOUT, { cvc3: 1, unDigits: '1', atc: 1 })).toThrow(expect.objectContaining({ code: 'EMV_CARD_DATA_INVALID' }));
    expect(() => dynamicTrack2(TRACK, { pcvc3: 0x0001, punatc: 0x03f0, natc: 3 }, { cvc3: 1, unDigits: '1', atc: 1 })).toThrow(expect.objectContaining({ code: 'EMV_CARD_DATA_INVALID' }));
  });

  it('Track 2 Data bytes and text: D separator, F pad', () => {
    expect(track2Bytes('5105105105105100=301220100000000001').toString('hex').toUpperCase()).toBe('5105105105105100D301220100000000001F');
    expect(track2Text(Buffer.from('5105105105105100D301220100000000001F', 'hex'))).toBe('5105105105105100D301220100000000001');
    expect(numericUnpredictableNumber('566').toString('hex')).toBe('00000566');
    expect(() => numericUnpredictableNumber('123456789')).toThrow(expect.objectContaining({ code: 'EMV_CARD_DATA_INVALID' }));
  });

  it('a personalised track fits as a template only with zeros where the reader writes', () => {
    expect(fitsAsTemplate(TRACK, TRACK2_LAYOUT)).toBe(true);
    expect(fitsAsTemplate('5105105105105100D30122010000000010', TRACK2_LAYOUT)).toBe(false);
    expect(fitsAsTemplate('5105105105105100D301220100000', TRACK2_LAYOUT)).toBe(false);
  });
});

describe('the issuer’s reading', () => {
  it('reads back what the reader wrote, and the personalised template', () => {
    const parts = readDynamicTrack2('5105105105105100=30122017515664883', TRACK2_LAYOUT);
    expect(parts).toEqual({ template: TRACK, cvc3Digits: '488', unDigits: '566', atcDigits: '751', nUn: 3 });
  });

  it.each([
    ['a last digit that is not nUN', '5105105105105100=30122017515664882'],
    ['a discretionary field too short for the layout', '5105105105105100=30122017515'],
    ['no separator', '510510510510510030122017515664883'],
    ['letters', '5105105105105100=3012201751566488X'],
  ])('refuses %s', (_what, track) => {
    expect(readDynamicTrack2(track, TRACK2_LAYOUT)).toBeUndefined();
  });

  it('round trip: any values the reader writes, the issuer reads back (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.stringMatching(/^\d{3}$/), fc.integer({ min: 0, max: 0xffff }), fc.stringMatching(/^\d{10,13}$/), (cvc3, unDigits, atc, dd) => {
        const template = `4111111111111111D3012201${'0'.repeat(dd.length)}`;
        const parts = readDynamicTrack2(dynamicTrack2(template, TRACK2_LAYOUT, { cvc3, unDigits, atc }), TRACK2_LAYOUT);
        expect(parts?.template).toBe(template);
        expect(parts?.cvc3Digits).toBe(String(cvc3).padStart(3, '0').slice(-3));
        expect(parts?.unDigits).toBe(unDigits);
        expect(parts?.atcDigits).toBe(String(atc).padStart(3, '0').slice(-3));
      }),
    );
  });

  it('any text or layout: a reading or undefined, never an exception (fast-check)', () => {
    const layout = fc.record({ pcvc3: fc.integer({ min: 0, max: 0xffff }), punatc: fc.integer({ min: 0, max: 0xffff }), natc: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{12,19}[=D]\d{7,20}$/)), layout, (track, l) => {
        const parts = readDynamicTrack2(track, l);
        if (parts !== undefined) expect(parts.template.length).toBe(track.length);
      }),
    );
  });
});
