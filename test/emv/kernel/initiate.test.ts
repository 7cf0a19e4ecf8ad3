import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initiateApplicationProcessing, sentPdolData } from '../../../src/emv/kernel/initiate.js';
import { isPosError } from '../../../src/util/errors.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { gpoCommand, hex, ok, prim, text, tmpl } from './card-builders.js';
import { VISA_AID, testContext } from './fixtures.js';
import { rejection } from '../../pos-error.js';

const AIP = '1980'; // SDA, DDA, cardholder verification, CDA … (Book 3 Annex C1 byte 1 b7, b5; byte 2 b8)
/** AFL (Book 3 §10.2): SFI 1 records 1–1, SFI 2 records 1–2 with record 1 for offline authentication. */
const AFL = '08010100 10010201';

/** The FCI's value (6F's content) as final selection hands it over: 84 DF name, A5 proprietary template. */
function fciValue(...proprietary: Buffer[]): Buffer {
  return Buffer.concat([prim('84', VISA_AID), tmpl('A5', prim('50', text('VISA CREDIT')), prim('87', '01'), ...proprietary)]);
}

describe('initiate application processing (Book 3 §10.1)', () => {
  it('without a PDOL sends 83 00 and reads format 1 (80: AIP ‖ AFL)', async () => {
    const card = new ScriptedCard([{ command: gpoCommand(), response: ok(prim('80', AIP + AFL)) }]);
    const ctx = testContext(card.transmit);
    await expect(initiateApplicationProcessing(ctx, fciValue())).resolves.toBe('ok');
    expect(card.received).toEqual(['80A8000002830000']);
    expect(card.finished).toBe(true);
    expect(ctx.data.get('82')?.toString('hex').toUpperCase()).toBe(AIP);
    expect(ctx.data.get('94')?.toString('hex').toUpperCase()).toBe(AFL.replace(/\s/g, ''));
    expect(ctx.data.sourceOf('82')).toBe('card');
    // initiation sets no TVR or TSI bit: both start all zero (Book 3 §10.1)
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
  });

  it('stores the FCI as card data and the terminal AID (9F06) as terminal data', async () => {
    const discretionary = tmpl('BF0C', prim('9F4D', '0B0A'), prim('95', 'FFFFFFFFFF'));
    const card = new ScriptedCard([{ command: gpoCommand(), response: ok(prim('80', AIP + AFL)) }]);
    const ctx = testContext(card.transmit);
    await initiateApplicationProcessing(ctx, fciValue(prim('5F2D', text('en')), discretionary));
    expect(ctx.data.get('84')?.toString('hex').toUpperCase()).toBe(VISA_AID);
    expect(ctx.data.get('50')?.toString('latin1')).toBe('VISA CREDIT');
    expect(ctx.data.get('87')?.toString('hex')).toBe('01');
    expect(ctx.data.get('5F2D')?.toString('latin1')).toBe('en');
    expect(ctx.data.get('9F4D')?.toString('hex')).toBe('0b0a');
    expect(ctx.data.get('9F06')?.toString('hex').toUpperCase()).toBe(VISA_AID);
    expect(ctx.data.sourceOf('9F06')).toBe('terminal');
    // 95 is the terminal's TVR: a card that sends one is not believed.
    expect(ctx.data.get('95')?.toString('hex')).toBe('0000000000');
    expect(ctx.data.sourceOf('95')).toBe('terminal');
  });

  it('answers the PDOL from the terminal’s data (Book 3 §5.4): amount, UN, currency, date, type, TVR; unknown tags zero', async () => {
    // PDOL: 9F66 (a contactless tag this terminal has no value for) 4, 9F02 6, 9F37 4, 5F2A 2, 9A 3, 9C 1, 95 5.
    const pdol = prim('9F38', '9F6604 9F0206 9F3704 5F2A02 9A03 9C01 9505');
    // 25 bytes: Lc 1B = 83 19 ‖ data.
    const pdolData = hex('00000000' + '000000001234' + '11223344' + '0826' + '260315' + '00' + '0000000000');
    const card = new ScriptedCard([{ command: gpoCommand(pdolData), response: ok(prim('80', AIP + AFL)) }]);
    const ctx = testContext(card.transmit);
    await expect(initiateApplicationProcessing(ctx, fciValue(pdol))).resolves.toBe('ok');
    expect(card.received[0]).toBe('80A80000' + '1B' + '8319' + pdolData.toString('hex').toUpperCase() + '00');
    // kept as sent, for CDA's transaction data hash (Book 2 §6.6.2)
    expect(sentPdolData(ctx.data)?.toString('hex')).toBe(pdolData.toString('hex'));
  });

  it('keeps the PDOL data as sent when a later step changes what it was built from', async () => {
    const pdol = prim('9F38', '9F3403 9505');
    const card = new ScriptedCard([{ command: gpoCommand(hex('000000 0000000000')), response: ok(prim('80', AIP + AFL)) }]);
    const ctx = testContext(card.transmit);
    await initiateApplicationProcessing(ctx, fciValue(pdol));
    ctx.data.set('9F34', hex('1F0302'), 'terminal');
    ctx.tvr.set('exceedsFloorLimit');
    expect(sentPdolData(ctx.data)?.toString('hex')).toBe('0000000000000000');
  });

  it('keeps empty PDOL data for a GPO sent without a PDOL, and none before any GPO', async () => {
    const ctx = testContext(new ScriptedCard([{ command: gpoCommand(), response: ok(prim('80', AIP + AFL)) }]).transmit);
    expect(sentPdolData(ctx.data)).toBeUndefined();
    await initiateApplicationProcessing(ctx, fciValue());
    expect(sentPdolData(ctx.data)).toEqual(Buffer.alloc(0));
  });

  it('reads format 2 (77) and keeps every card data object in it', async () => {
    const answer = tmpl('77', prim('82', AIP), prim('94', AFL), prim('9F36', '0001'), prim('9F10', '06010A03A00000'));
    const card = new ScriptedCard([{ command: gpoCommand(), response: ok(answer) }]);
    const ctx = testContext(card.transmit);
    await expect(initiateApplicationProcessing(ctx, fciValue())).resolves.toBe('ok');
    expect(ctx.data.get('82')?.toString('hex').toUpperCase()).toBe(AIP);
    expect(ctx.data.get('9F36')?.toString('hex')).toBe('0001');
    expect(ctx.data.get('9F10')?.toString('hex').toUpperCase()).toBe('06010A03A00000');
  });

  it('does not let the card overwrite terminal data (9F02 in a format 2 answer is ignored)', async () => {
    const answer = tmpl('77', prim('82', AIP), prim('94', AFL), prim('9F02', '999999999999'));
    const ctx = testContext(new ScriptedCard([{ command: gpoCommand(), response: ok(answer) }]).transmit);
    await initiateApplicationProcessing(ctx, fciValue());
    expect(ctx.data.get('9F02')?.toString('hex')).toBe('000000001234');
  });

  it('6985 (conditions of use not satisfied) asks the caller to select again, storing no GPO data', async () => {
    const ctx = testContext(new ScriptedCard([{ command: gpoCommand(), response: '6985' }]).transmit);
    await expect(initiateApplicationProcessing(ctx, fciValue())).resolves.toBe('retry-selection');
    expect(ctx.data.has('82')).toBe(false);
  });

  it.each(['6A88', '6D00', '6283', '9001'])('any other status word (%s) terminates, naming it', async (sw) => {
    const ctx = testContext(new ScriptedCard([{ command: gpoCommand(), response: sw }]).transmit);
    const error = await rejection(initiateApplicationProcessing(ctx, fciValue()));
    expect(error.code).toBe('EMV_CARD_STATUS');
    expect(error.details).toEqual({ command: 'GET PROCESSING OPTIONS', sw });
  });

  it.each<[string, Buffer, string, Record<string, unknown>]>([
    ['format 1 with a partial AFL entry', prim('80', AIP + '080101'), 'EMV_CARD_DATA_INVALID', { tag: '80', length: 5 }],
    ['format 1 shorter than an AIP', prim('80', '19'), 'EMV_CARD_DATA_INVALID', { tag: '80', length: 1 }],
    ['format 2 without 82', tmpl('77', prim('94', AFL)), 'EMV_CARD_DATA_MISSING', { tag: '82' }],
    ['format 2 without 94', tmpl('77', prim('82', AIP)), 'EMV_CARD_DATA_MISSING', { tag: '94' }],
    ['format 2 with a 3-byte AIP', tmpl('77', prim('82', '198000'), prim('94', AFL)), 'EMV_CARD_DATA_INVALID', { tag: '82', length: 3 }],
    ['format 2 with a partial AFL entry', tmpl('77', prim('82', AIP), prim('94', '080101')), 'EMV_CARD_DATA_INVALID', { tag: '94', length: 3 }],
    ['format 2 naming 9F36 twice', tmpl('77', prim('82', AIP), prim('94', AFL), prim('9F36', '0001'), prim('9F36', '0002')), 'EMV_CARD_DATA_INVALID', { tag: '9F36', reason: 'duplicate' }],
    ['neither format (a 70 template)', tmpl('70', prim('82', AIP)), 'EMV_CARD_DATA_INVALID', { tag: '70' }],
    ['two templates', Buffer.concat([prim('80', AIP + AFL), prim('80', AIP + AFL)]), 'EMV_CARD_DATA_INVALID', { objects: 2 }],
    ['no data at all', Buffer.alloc(0), 'EMV_CARD_DATA_INVALID', { objects: 0 }],
    ['a truncated template', hex('800E1980'), 'EMV_CARD_DATA_INVALID', { reason: 'TLV_TRUNCATED' }],
  ])('%s terminates (Book 3 §6.5.8.4)', async (_name, answer, code, details) => {
    const ctx = testContext(new ScriptedCard([{ command: gpoCommand(), response: ok(answer) }]).transmit);
    const error = await rejection(initiateApplicationProcessing(ctx, fciValue()));
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ step: 'initiate', ...details });
  });

  it('a PDOL asking for more than GPO can carry, or one that is no DOL, is the card’s fault', async () => {
    const tooLong = prim('9F38', 'DF01FF DF02FF');
    const ctx = testContext(new ScriptedCard([]).transmit);
    await expect(rejection(initiateApplicationProcessing(ctx, fciValue(tooLong)))).resolves.toMatchObject({ code: 'EMV_CARD_DATA_INVALID', details: { tag: '9F38' } });
    const truncated = prim('9F38', '9F02069F');
    await expect(rejection(initiateApplicationProcessing(testContext(new ScriptedCard([]).transmit), fciValue(truncated)))).resolves.toMatchObject({
      code: 'EMV_CARD_DATA_INVALID',
      details: { tag: '9F38', reason: 'TLV_TRUNCATED' },
    });
  });

  it('wipes the GPO answer once its data is stored', async () => {
    const answer = Buffer.from(ok(tmpl('77', prim('82', AIP), prim('94', AFL), prim('57', '4111111111111111D2712201'))), 'hex');
    const ctx = testContext(() => Promise.resolve(answer));
    await initiateApplicationProcessing(ctx, fciValue());
    expect(ctx.data.get('57')?.toString('hex').toUpperCase()).toBe('4111111111111111D2712201');
    expect(answer.subarray(0, -2).every((b) => b === 0)).toBe(true);
  });

  it('any answer and any FCI end in ok, retry-selection or a typed EMV error (fast-check)', async () => {
    const allowed = new Set(['EMV_CARD_STATUS', 'EMV_CARD_DATA_INVALID', 'EMV_CARD_DATA_MISSING', 'EMV_APDU_INVALID']);
    const answer = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 40 }).map((body) => Buffer.concat([Buffer.from([0x77, body.length]), body, hex('9000')])),
      fc.uint8Array({ maxLength: 40 }).map((body) => Buffer.concat([Buffer.from([0x80, body.length]), body, hex('9000')])),
      fc.constantFrom(hex('6985'), hex('9000')),
    );
    const fci = fc.oneof(fc.uint8Array({ maxLength: 48 }), fc.uint8Array({ maxLength: 24 }).map((pdol) => fciValue(prim('9F38', pdol))));
    await fc.assert(
      fc.asyncProperty(fci, answer, async (fciBytes, response) => {
        const ctx = testContext(() => Promise.resolve(Buffer.from(response)));
        try {
          const outcome = await initiateApplicationProcessing(ctx, Buffer.from(fciBytes));
          expect(['ok', 'retry-selection']).toContain(outcome);
        } catch (error) {
          expect(isPosError(error) && allowed.has(error.code)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
