import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findCard, loadDeck, type DeckCard } from '../../hw-mocks/cards/deck.js';
import { isExpired } from '../../src/card/expiry.js';
import { luhnCheckDigit } from '../../src/card/luhn.js';
import { interpretServiceCode } from '../../src/card/service-code.js';
import { parseSwipeLine, wipeCard } from '../../src/card/swipe-line.js';
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import { thrown, thrownOrNone } from '../pos-error.js';

const deck = loadDeck();
function card(id: string): DeckCard {
  const c = findCard(deck, id);
  if (c === undefined) throw new Error(`deck has no ${id}`);
  return c;
}
const t1 = (c: DeckCard): string => encodeTrack1({ ...c, expiry: c.expiry }).toString('latin1');
const t2 = (c: DeckCard): string => encodeTrack2(c).toString('latin1');
/** What a serial MSR sends for a good swipe, less the CR: track 1 then track 2. */
const line = (c: DeckCard): string => `${t1(c)}${t2(c)}`;

describe('parseSwipeLine', () => {
  it.each([
    ['visa-ok', 'visa', '101'],
    ['mc-low-funds', 'mastercard', '101'],
    ['visa-expired', 'visa', '101'],
    ['discover-atm-only', 'discover', '103'],
    ['amex-silent-issuer', 'amex', '101'],
  ])('deck card %s reads as %s with service code %s', (id, brand, serviceCode) => {
    const c = card(id);
    const read = parseSwipeLine(line(c));
    expect(read.pan.revealText()).toBe(c.pan);
    expect(read.brand).toBe(brand);
    expect(read.serviceCode).toBe(serviceCode);
    expect(read.expiry).toEqual({ year: 2000 + Number(c.expiry.slice(0, 2)), month: Number(c.expiry.slice(2)) });
    expect(read.track2.revealText()).toBe(t2(c).slice(1, -1));
    expect(read.track1?.revealText()).toBe(t1(c).slice(1, -1));
    expect(read.cardholderName?.revealText()).toBe(c.name);
  });

  it('an expired card still parses (no clock in parsing); isExpired says so with the given time', () => {
    const read = parseSwipeLine(line(card('visa-expired')));
    expect(isExpired(read.expiry, new Date(2026, 0, 1))).toBe(true);
    expect(isExpired(parseSwipeLine(line(card('visa-ok'))).expiry, new Date(2026, 0, 1))).toBe(false);
  });

  it('the ATM-only card parses; its service code forbids purchases', () => {
    expect(interpretServiceCode(parseSwipeLine(line(card('discover-atm-only'))).serviceCode).services).toBe('atm-only');
  });

  it('prints masked everywhere', () => {
    const read = parseSwipeLine(line(card('visa-ok')));
    const printed = JSON.stringify(read);
    expect(printed).not.toContain('4111111111111111');
    expect(printed).not.toContain('TEST/CARD');
    expect(printed).toContain('411111******1111');
  });

  it('track 2 alone is enough', () => {
    const read = parseSwipeLine(t2(card('visa-ok')));
    expect(read.pan.revealText()).toBe('4111111111111111');
    expect(read.track1).toBeUndefined();
    expect(read.cardholderName).toBeUndefined();
  });

  it('a track 1 the reader marked unreadable (%E?) is skipped when track 2 reads', () => {
    const read = parseSwipeLine(`%E?${t2(card('visa-ok'))}`);
    expect(read.track1).toBeUndefined();
  });

  it('a track 3 after track 2 is skipped unread', () => {
    const read = parseSwipeLine(`${line(card('visa-ok'))};011234567890123445=724724100000000000030300?`);
    expect(read.pan.revealText()).toBe('4111111111111111');
  });

  it('CARD_PAN_LUHN for deck card visa-bad-luhn, with the track named and no digits', () => {
    const err = thrown(() => parseSwipeLine(line(card('visa-bad-luhn'))));
    expect(err.code).toBe('CARD_PAN_LUHN');
    expect(err.details).toEqual({ track: 2, length: 16 });
    expect(JSON.stringify(err) + err.message).not.toContain('4111111111111112');
  });

  const visa = card('visa-ok');
  it.each([
    ['no track at all', 'CARD_TRACK_MISSING', '', { present: [] }],
    ['track 1 only', 'CARD_TRACK_MISSING', t1(visa), { present: [1] }],
    ['the reader marked track 2 unreadable', 'CARD_SWIPE_UNREADABLE', `${t1(visa)};E?`, { track: 2, offset: t1(visa).length, rule: 'reader-error' }],
    ['noise before the tracks', 'CARD_SWIPE_UNREADABLE', `\u00ff${line(visa)}`, { offset: 0, rule: 'outside-track' }],
    ['track data without sentinels', 'CARD_SWIPE_UNREADABLE', t2(visa).slice(1, -1), { offset: 0, rule: 'outside-track' }],
    ['a byte between the tracks', 'CARD_SWIPE_UNREADABLE', `${t1(visa)} ${t2(visa)}`, { offset: t1(visa).length, rule: 'outside-track' }],
    ['two track 1s', 'CARD_SWIPE_UNREADABLE', `${t1(visa)}${t1(visa)}`, { offset: t1(visa).length, rule: 'outside-track' }],
    ['track 2 cut off before its end sentinel', 'CARD_TRACK_MALFORMED', `${t1(visa)}${t2(visa).slice(0, -1)}`, { track: 2, offset: line(visa).length - 1, rule: 'end-sentinel' }],
    ['track 1 malformed, track 2 good', 'CARD_TRACK_MALFORMED', `${t1(visa).replace('%B', '%A')}${t2(visa)}`, { track: 1, offset: 1, rule: 'format-code' }],
    ['a bad expiry in track 2: offsets point into the line', 'CARD_EXPIRY_INVALID', `${t1(visa)}${t2(visa).replace('=3012', '=30:2')}`, { track: 2, offset: t1(visa).length + 18, rule: 'digits', length: 4 }],
  ])('%s → %s', (_name, code, input, details) => {
    const err = thrown(() => parseSwipeLine(input));
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
  });

  const other = card('mc-low-funds');
  it.each([
    ['PAN', `${t1(other)}${t2(visa)}`, ['pan', 'expiry']],
    ['expiry', `${t1({ ...visa, expiry: '3111' })}${t2(visa)}`, ['expiry']],
    ['service code', `${t1({ ...visa, serviceCode: '201' })}${t2(visa)}`, ['serviceCode']],
  ])('CARD_TRACKS_DISAGREE when track 1 and track 2 differ on %s', (_name, input, fields) => {
    const err = thrown(() => parseSwipeLine(input));
    expect(err.code).toBe('CARD_TRACKS_DISAGREE');
    expect(err.details).toEqual({ fields });
  });

  it('reads the bytes a reader sent; the card holds its own copies, so the caller can wipe the line at once', () => {
    const bytes = Buffer.from(line(visa), 'latin1');
    const read = parseSwipeLine(bytes);
    bytes.fill(0);
    expect(read.pan.revealText()).toBe(visa.pan);
    expect(read.track2.revealText()).toBe(t2(visa).slice(1, -1));
    expect(read.track1?.revealText()).toBe(t1(visa).slice(1, -1));
    expect(read.brand).toBe('visa');
  });

  it('wipeCard zeroes every sensitive field', () => {
    const read = parseSwipeLine(line(visa));
    const views = [read.pan.reveal(), read.track2.reveal(), read.track1?.reveal(), read.cardholderName?.reveal()];
    wipeCard(read);
    for (const v of views) expect(v?.every((b) => b === 0)).toBe(true);
    expect(read.pan.wiped).toBe(true);
  });
});

describe('parseSwipeLine: properties', () => {
  const digits = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const fields = fc.record({
    pan: digits(11, 18).map((p) => `${p}${luhnCheckDigit(p)}`),
    name: fc.stringMatching(/^[A-Z/ .]{2,26}$/),
    expiry: fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${String(y).padStart(2, '0')}${String(m).padStart(2, '0')}`),
    serviceCode: digits(3, 3),
    discretionary: digits(0, 8),
  });

  it('any well-formed swipe reads back its PAN, expiry and service code', () => {
    fc.assert(
      fc.property(fields, fc.boolean(), (f, withTrack1) => {
        const input = Buffer.concat([...(withTrack1 ? [encodeTrack1(f)] : []), encodeTrack2(f)]);
        const read = parseSwipeLine(input);
        expect(read.pan.revealText()).toBe(f.pan);
        expect(read.serviceCode).toBe(f.serviceCode);
        expect(read.track1 !== undefined).toBe(withTrack1);
      }),
    );
  });

  it('random bytes, and good swipes with one byte changed, give a card or a PosError, nothing else', () => {
    const mutated = fc.tuple(fields, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, at, byte]) => {
      const bytes = Buffer.concat([encodeTrack1(f), encodeTrack2(f)]);
      bytes[at % bytes.length] = byte;
      return new Uint8Array(bytes);
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (input) => {
        const error = thrownOrNone(() => expect(parseSwipeLine(input).pan.length).toBeGreaterThanOrEqual(12));
        if (error !== undefined) expect(error.code).toMatch(/^CARD_/);
      }),
      { numRuns: 3000 },
    );
  });
});
