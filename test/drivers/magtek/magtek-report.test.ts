import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptedSwipeOf } from '../../../drivers/magtek-hid/encrypted-swipe.js';
import { swipeLineOf } from '../../../drivers/magtek-hid/magtek-hid-reader.js';
import { ENCRYPTING_LAYOUT, STANDARD_LAYOUT } from '../../../drivers/magtek-hid/report-layout.js';
import { parseMagtekReport } from '../../../drivers/magtek-hid/report-parser.js';
import { deckCard } from '../reader-harness.js';
import { standardReport } from '../../../hw-mocks/magtek/report-builder.js';
import { thrown, thrownOrNone } from '../../pos-error.js';

/** A standard report built field by field from 99875191 §4 "Card Data". */
function handBuilt(): Buffer {
  const r = Buffer.alloc(337);
  r[0] = 0x00; // track 1 decode status: ok
  r[1] = 0x00; // track 2 decode status: ok
  r[2] = 0x00; // track 3 decode status: ok (empty)
  const t1 = Buffer.from('%B4111111111111111^TEST/CARD ONE^30121010000000000?', 'latin1');
  const t2 = Buffer.from(';4111111111111111=30121010000000000?', 'latin1');
  r[3] = t1.length; // track 1 data length
  r[4] = t2.length; // track 2 data length
  r[5] = 0; // track 3 data length
  r[6] = 0x00; // card encode type: ISO/ABA
  t1.copy(r, 7); // track 1 field, offsets 7–116
  t2.copy(r, 117); // track 2 field, offsets 117–226
  return r;
}

describe('MagTek report layouts (99875191 §4, 99875475 "Card Data")', () => {
  it('the tables add up: 337 bytes standard, 856 encrypting', () => {
    const [, , s3] = STANDARD_LAYOUT.tracks;
    expect(s3.data + s3.fieldBytes).toBe(337);
    const [, , m3] = ENCRYPTING_LAYOUT.masked;
    expect(m3.data + m3.fieldBytes).toBe(844);
    expect(ENCRYPTING_LAYOUT.ksn).toEqual({ offset: 495, bytes: 10 });
  });

  it('a hand-built standard report parses into its tracks and the line a serial reader would send', () => {
    const parsed = parseMagtekReport(handBuilt());
    expect(parsed.layout).toBe('standard');
    if (parsed.layout !== 'standard') return;
    expect(parsed.encodeType).toBe('iso-aba');
    expect(parsed.tracks.map((t) => t.status)).toEqual(['ok', 'ok', 'empty']);
    expect(swipeLineOf(parsed).toString('latin1')).toBe('%B4111111111111111^TEST/CARD ONE^30121010000000000?;4111111111111111=30121010000000000?');
  });

  it('the twin builds the same bytes the hand-built vector holds', () => {
    const card = { ...deckCard('visa-ok'), serviceCode: '101', discretionary: '0000000000' };
    // The deck card differs from the vector only in discretionary length; compare the parsed track 2.
    const parsed = parseMagtekReport(standardReport(card));
    if (parsed.layout !== 'standard') throw new Error('layout');
    expect(parsed.tracks[1].data.toString('latin1')).toBe(`;${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}?`);
  });

  it('a decode error on track 2 becomes an E-marked track, as ASCII readers send', () => {
    const r = handBuilt();
    r[1] = 0x01;
    r[4] = 0;
    const parsed = parseMagtekReport(r);
    if (parsed.layout !== 'standard') throw new Error('layout');
    expect(parsed.tracks[1].status).toBe('error');
    expect(swipeLineOf(parsed).toString('latin1')).toMatch(/;E\?$/);
  });

  it.each([
    [100, 'auto', [337, 856]],
    [336, 'standard', [337]],
    [500, 'encrypting', [856]],
  ] as const)('a %i-byte report with layout %s is HID_REPORT_LENGTH', (length, layout, expected) => {
    const err = thrown(() => parseMagtekReport(Buffer.alloc(length), layout));
    expect(err.code).toBe('HID_REPORT_LENGTH');
    expect(err.details).toEqual({ lengthBytes: length, expected: [...expected], layout });
  });

  it('a length byte past its field is HID_REPORT_MALFORMED naming the field', () => {
    const r = handBuilt();
    r[4] = 111;
    const err = thrown(() => parseMagtekReport(r));
    expect(err.code).toBe('HID_REPORT_MALFORMED');
    expect(err.details).toEqual({ field: 'track2Length', offset: 4, lengthBytes: 111, fieldBytes: 110 });
  });

  it('an encrypted length that rounds up past 112 is malformed too', () => {
    const r = Buffer.alloc(856);
    r[3] = 106; // 106 clear bytes → 112 encrypted: fits
    expect(parseMagtekReport(r).layout).toBe('encrypting');
    r[3] = 113;
    expect(thrown(() => parseMagtekReport(r)).details['field']).toBe('track1Length');
  });

  it('random reports of any length parse to a value or a PosError, nothing else (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 337, maxLength: 337 }), fc.uint8Array({ minLength: 856, maxLength: 900 }), fc.uint8Array({ maxLength: 400 })), (bytes) => {
        thrownOrNone(() => {
          const parsed = parseMagtekReport(Buffer.from(bytes));
          return parsed.layout === 'standard' ? swipeLineOf(parsed) : encryptedSwipeOf(parsed);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes inside the declared track fields never throw anything but a PosError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 110 }), fc.uint8Array({ minLength: 0, maxLength: 110 }), (t1, t2) => {
        const r = Buffer.alloc(337);
        r[3] = t1.length;
        r[4] = t2.length;
        Buffer.from(t1).copy(r, 7);
        Buffer.from(t2).copy(r, 117);
        const parsed = parseMagtekReport(r);
        expect(parsed.layout).toBe('standard');
      }),
    );
  });
});
