/**
 * The card's command parser and handlers under random input (fast-check):
 * every byte string gets a response with a status word, never an exception,
 * and never 6F00 (which the card keeps for its own defects).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../hw-mocks/chip-card/command-apdu.js';
import { EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { personalise, type CardImage } from '../../../hw-mocks/chip-card/personalise.js';
import { apdu, dolData, gpo, readAfl, selectAid, terminalData, testCas, tx } from './harness.js';

const KNOWN_SW = new Set(['9000', '6283', '6300', '6700', '6985', '6988', '6A81', '6A82', '6A83', '6A86', '6A88', '6D00', '6E00']);

function expectAnswer(out: Buffer): void {
  expect(out.length).toBeGreaterThanOrEqual(2);
  const sw = out.subarray(out.length - 2).toString('hex').toUpperCase();
  expect(KNOWN_SW.has(sw), sw).toBe(true);
}

const images = new Map<string, CardImage>();

/** A card in each stage a terminal can leave it in (a new card on one personalisation per profile). */
function cardAt(stage: 'fresh' | 'selected' | 'initiated' | 'online', profile: string): EmvChipCard {
  let image = images.get(profile);
  if (image === undefined) images.set(profile, (image = personalise({ profile, ca: testCas() })));
  const card = new EmvChipCard(image);
  if (stage === 'fresh') return card;
  const fci = selectAid(card, card.image.applications[0]!.aid).data;
  if (stage === 'selected') return card;
  const g = gpo(card, fci, terminalData());
  const read = readAfl(card, g.afl!, g.aip!);
  if (stage === 'online') tx(card, apdu('80AE9000', dolData(read.data.get('8C'), terminalData())));
  return card;
}

/** Commands whose header the card knows, with random parameters and data: they reach the handlers. */
const likelyCommand = fc
  .record({
    header: fc.constantFrom('00A4', '00B2', '80A8', '80CA', '0088', '80AE', '0082', '0084', '841E', '8418', '8416', '04DA'),
    p1: fc.constantFrom(0x00, 0x01, 0x02, 0x04, 0x40, 0x50, 0x80, 0x90, 0x9f, 0xc0, 0xff),
    p2: fc.constantFrom(0x00, 0x02, 0x0c, 0x14, 0x1c, 0x13, 0x36, 0x17, 0xff),
    data: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
    le: fc.boolean(),
  })
  .map(({ header, p1, p2, data, le }) => apdu(`${header}${p1.toString(16).padStart(2, '0')}${p2.toString(16).padStart(2, '0')}`, data === undefined ? undefined : Buffer.from(data), le));

describe('command parser', () => {
  it('random bytes parse to a command or 6700', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parsed = parseCommand(bytes);
        if (parsed.ok) expect(4 + (parsed.command.data.length > 0 ? 1 + parsed.command.data.length : 0) + (parsed.command.le === undefined ? 0 : 1)).toBe(bytes.length);
        else expect(parsed.sw).toBe(0x6700);
      }),
    );
  });
});

describe('the card under random commands', () => {
  it.each(['fresh', 'selected', 'initiated', 'online'] as const)('random bytes at stage %s: a status word each time', (stage) => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 270 }), { maxLength: 8 }), (commands) => {
        const card = cardAt(stage, 'visa-cda');
        for (const command of commands) expectAnswer(card.transmit(Buffer.from(command)));
      }),
      { numRuns: 60 },
    );
  });

  it.each(['visa-cda', 'mastercard', 'two-applications', 'visa-issuer-script'])('%s: sequences of well-formed commands with random parameters and data', (profile) => {
    fc.assert(
      fc.property(fc.constantFrom('fresh', 'selected', 'initiated', 'online' as const), fc.array(likelyCommand, { minLength: 1, maxLength: 20 }), (stage, commands) => {
        const card = cardAt(stage, profile);
        for (const command of commands) expectAnswer(card.transmit(command));
      }),
      { numRuns: 80 },
    );
  });
});
