import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { parseAfl, readApplicationData } from '../../../src/emv/kernel/read-records.js';
import { isPosError, type PosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import { hex, ok, prim, readRecordCommand, text, tmpl } from './card-builders.js';
import { testContext } from './fixtures.js';
import { rejection } from '../../pos-error.js';

/** AIP byte 1: b7 SDA, b6 DDA, b5 cardholder verification (Book 3 Annex C1). */
const AIP_WITH_CV = '7800';
const AIP_WITHOUT_CV = '6800';
const PAN = '4111111111111111';

// A generic test card's records, built from Book 3 Annex A's tags.
/** SFI 1 record 1: track 2 equivalent and the cardholder name. */
const SFI1_REC1 = tmpl('70', prim('57', `${PAN}D27122010000000000`), prim('5F20', text('TEST CARDHOLDER')));
/** SFI 2 record 1, signed: PAN, dates, country, usage control, CVM list, tag list. */
const SFI2_REC1_BODY = [prim('5A', PAN), prim('5F24', '271231'), prim('5F25', '200101'), prim('5F28', '0826'), prim('9F07', 'FF00'), prim('8E', '00000000000000001E031F00'), prim('9F4A', '82')];
const SFI2_REC1 = tmpl('70', ...SFI2_REC1_BODY);
/** SFI 2 record 2: CDOL1, CDOL2, application version. */
const SFI2_REC2 = tmpl('70', prim('8C', '9F02069F03069F1A0295055F2A029A039C019F3704'), prim('8D', '8A029F3704'), prim('9F08', '0096'));
/** AFL: SFI 1 record 1 (none signed); SFI 2 records 1–2, record 1 signed. */
const AFL = '08010100 10010201';

function contextWith(script: readonly ScriptedExchange[], options: { afl?: string; aip?: string } = {}): { ctx: KernelContext; card: ScriptedCard } {
  const card = new ScriptedCard(script);
  const ctx = testContext(card.transmit);
  ctx.data.set('82', hex(options.aip ?? AIP_WITH_CV), 'card');
  ctx.data.set('94', hex(options.afl ?? AFL), 'card');
  return { ctx, card };
}

const standardScript = (overrides: { sfi1rec1?: Buffer; sfi2rec1?: Buffer; sfi2rec2?: Buffer } = {}): ScriptedExchange[] => [
  { command: readRecordCommand(1, 1), response: ok(overrides.sfi1rec1 ?? SFI1_REC1) },
  { command: readRecordCommand(2, 1), response: ok(overrides.sfi2rec1 ?? SFI2_REC1) },
  { command: readRecordCommand(2, 2), response: ok(overrides.sfi2rec2 ?? SFI2_REC2) },
];

describe('the AFL (Book 3 §10.2)', () => {
  it('splits into SFI, first and last record, and records for authentication', () => {
    expect(parseAfl(hex(AFL))).toEqual([
      { sfi: 1, firstRecord: 1, lastRecord: 1, odaRecords: 0 },
      { sfi: 2, firstRecord: 1, lastRecord: 2, odaRecords: 1 },
    ]);
  });

  it.each([
    ['no entry', ''],
    ['a partial entry', '080101'],
    ['SFI 0', '00010100'],
    ['SFI 31', 'F8010100'],
    ['low bits of byte 1 set', '09010100'],
    ['first record 0', '08000100'],
    ['last record before the first', '08020100'],
    ['more records for authentication than read', '08010203'],
  ])('an AFL with %s terminates', (_name, afl) => {
    let error: unknown;
    try {
      parseAfl(hex(afl));
    } catch (e) {
      error = e;
    }
    expect(isPosError(error, 'EMV_CARD_DATA_INVALID')).toBe(true);
    expect((error as PosError).details['tag']).toBe('94');
  });
});

describe('read application data (Book 3 §10.2, §10.3)', () => {
  it('reads every record along the AFL, in order, and stores the card’s data', async () => {
    const { ctx, card } = contextWith(standardScript());
    const result = await readApplicationData(ctx);
    expect(card.received).toEqual(['00B2010C00', '00B2011400', '00B2021400']);
    expect(card.finished).toBe(true);
    for (const tag of ['57', '5F20', '5A', '5F24', '5F25', '5F28', '9F07', '8E', '9F4A', '8C', '8D', '9F08']) expect(ctx.data.sourceOf(tag)).toBe('card');
    expect(ctx.data.get('5A')?.toString('hex')).toBe(PAN);
    expect(result.odaRecordFormatError).toBe(false);
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
  });

  it('a card that supports cardholder verification and has no CVM List: read, no bit set here (cardholder verification sets "ICC data missing")', async () => {
    const withoutCvmList = tmpl('70', ...SFI2_REC1_BODY.filter((object) => object[0] !== 0x8e));
    const { ctx, card } = contextWith(standardScript({ sfi2rec1: withoutCvmList }));
    await readApplicationData(ctx);
    expect(card.finished).toBe(true);
    expect(ctx.data.has('8E')).toBe(false);
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
    expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
  });

  it('static data to authenticate: signed SFI 1–10 records without tag and length, then the AIP for 9F4A = 82', async () => {
    const { ctx } = contextWith(standardScript());
    const { staticDataToAuthenticate } = await readApplicationData(ctx);
    expect(staticDataToAuthenticate.toString('hex')).toBe(Buffer.concat([...SFI2_REC1_BODY, hex(AIP_WITH_CV)]).toString('hex'));
  });

  it('static data to authenticate: a signed SFI 11–30 record counts whole, tag and length included', async () => {
    const sfi11 = tmpl('70', prim('9F4A', '82'), prim('9F0D', 'F040008800'));
    const signedBody = SFI2_REC1_BODY.slice(0, 6);
    const script = [...standardScript({ sfi2rec1: tmpl('70', ...signedBody) }), { command: readRecordCommand(11, 1), response: ok(sfi11) }];
    const { ctx, card } = contextWith(script, { afl: `${AFL} 58010101` });
    const { staticDataToAuthenticate, odaRecordFormatError } = await readApplicationData(ctx);
    expect(card.received.at(-1)).toBe('00B2015C00');
    expect(staticDataToAuthenticate.toString('hex')).toBe(Buffer.concat([...signedBody, sfi11, hex(AIP_WITH_CV)]).toString('hex'));
    expect(odaRecordFormatError).toBe(false);
  });

  it('a signed SFI 11–30 record that is no 70 template fails authentication, not the transaction', async () => {
    const script = [...standardScript(), { command: readRecordCommand(11, 1), response: ok(hex('DEADBEEF')) }];
    const { ctx } = contextWith(script, { afl: `${AFL} 58010101` });
    await expect(readApplicationData(ctx)).resolves.toMatchObject({ odaRecordFormatError: true });
  });

  it('an SFI 11–30 record that is no 70 template and not signed is left alone', async () => {
    const script = [...standardScript(), { command: readRecordCommand(11, 1), response: ok(hex('DEADBEEF')) }];
    const { ctx } = contextWith(script, { afl: `${AFL} 58010100` });
    await expect(readApplicationData(ctx)).resolves.toMatchObject({ odaRecordFormatError: false });
  });

  it.each([
    ['another tag than 82', '9F02'],
    ['82 and another tag', '829F02'],
  ])('a tag list (9F4A) naming %s fails authentication', async (_name, list) => {
    const body = [...SFI2_REC1_BODY.slice(0, 6), prim('9F4A', list)];
    const { ctx } = contextWith(standardScript({ sfi2rec1: tmpl('70', ...body) }));
    await expect(readApplicationData(ctx)).resolves.toMatchObject({ odaRecordFormatError: true });
  });

  it('without a tag list nothing follows the records', async () => {
    const body = SFI2_REC1_BODY.slice(0, 6);
    const { ctx } = contextWith(standardScript({ sfi2rec1: tmpl('70', ...body) }));
    const { staticDataToAuthenticate } = await readApplicationData(ctx);
    expect(staticDataToAuthenticate.toString('hex')).toBe(Buffer.concat(body).toString('hex'));
  });

  it('a CVM List missing while the AIP does not support cardholder verification sets nothing', async () => {
    const noCvmList = tmpl('70', ...SFI2_REC1_BODY.filter((_, i) => i !== 5));
    const { ctx } = contextWith(standardScript({ sfi2rec1: noCvmList }), { aip: AIP_WITHOUT_CV });
    await readApplicationData(ctx);
    expect(ctx.tvr.bytes().toString('hex')).toBe('0000000000');
  });

  it.each(['5F24', '5A', '8C', '8D'])('mandatory %s missing terminates (Book 3 §7.2)', async (tag) => {
    const without = (record: Buffer): Buffer => {
      const children = record === SFI2_REC1 ? SFI2_REC1_BODY : [prim('8C', '9F0206'), prim('8D', '8A02'), prim('9F08', '0096')];
      return tmpl('70', ...children.filter((child) => !child.toString('hex').toUpperCase().startsWith(tag)));
    };
    const { ctx } = contextWith(standardScript({ sfi2rec1: without(SFI2_REC1), sfi2rec2: without(SFI2_REC2) }));
    const error = await rejection(readApplicationData(ctx));
    expect(error.code).toBe('EMV_CARD_DATA_MISSING');
    expect(error.details).toEqual({ step: 'read-records', tag });
  });

  it.each([
    ['an expiry date that is no date', '5F24', prim('5F24', '271331')],
    ['an effective date that is no date', '5F25', prim('5F25', 'FFFFFF')],
    ['a PAN that is not cn', '5A', prim('5A', '41111A')],
    ['a PAN with a digit after its padding', '5A', prim('5A', '41F1')],
  ])('%s terminates', async (_name, tag, object) => {
    const body = SFI2_REC1_BODY.map((child) => (child.toString('hex').toUpperCase().startsWith(tag) ? object : child));
    const { ctx } = contextWith(standardScript({ sfi2rec1: tmpl('70', ...body) }));
    const error = await rejection(readApplicationData(ctx));
    expect(error.code).toBe('EMV_CARD_DATA_INVALID');
    expect(error.details).toMatchObject({ tag, reason: 'format' });
  });

  it('a CDOL that is no data object list terminates', async () => {
    const { ctx } = contextWith(standardScript({ sfi2rec2: tmpl('70', prim('8C', '9F02'), prim('8D', '8A02')) }));
    await expect(rejection(readApplicationData(ctx))).resolves.toMatchObject({ code: 'EMV_CARD_DATA_INVALID', details: { tag: '8C', reason: 'format' } });
  });

  it.each<[string, { sfi1rec1?: Buffer; sfi2rec1?: Buffer; sfi2rec2?: Buffer }, string]>([
    ['in two records', { sfi2rec2: tmpl('70', prim('8C', '9F0206'), prim('8D', '8A02'), prim('5A', PAN)) }, '5A'],
    ['in one record', { sfi1rec1: tmpl('70', prim('5F20', text('A')), prim('5F20', text('B'))) }, '5F20'],
    ['in a record and the GPO answer (82)', { sfi1rec1: tmpl('70', prim('82', '1980')) }, '82'],
  ])('a primitive data object given twice, %s, terminates', async (_name, records, tag) => {
    const { ctx } = contextWith(standardScript(records));
    const error = await rejection(readApplicationData(ctx));
    expect(error.code).toBe('EMV_CARD_DATA_INVALID');
    expect(error.details).toMatchObject({ step: 'read-records', tag, reason: 'duplicate' });
  });

  it('terminal data in a record is ignored: the card cannot set the amount', async () => {
    const { ctx } = contextWith(standardScript({ sfi1rec1: tmpl('70', prim('9F02', '999999999999'), prim('57', `${PAN}D2712201`)) }));
    await readApplicationData(ctx);
    expect(ctx.data.get('9F02')?.toString('hex')).toBe('000000001234');
    expect(ctx.data.sourceOf('9F02')).toBe('terminal');
  });

  it.each<[string, Buffer]>([
    ['another template', tmpl('77', prim('5A', PAN))],
    ['a 70 template followed by more data', Buffer.concat([SFI1_REC1, prim('5F20', text('X'))])],
    ['a primitive', prim('5A', PAN)],
    ['no data', Buffer.alloc(0)],
  ])('an SFI 1–10 record that is %s terminates', async (_name, record) => {
    const { ctx } = contextWith(standardScript({ sfi1rec1: record }));
    const error = await rejection(readApplicationData(ctx));
    expect(error.code).toBe('EMV_CARD_DATA_INVALID');
    expect(error.details).toMatchObject({ step: 'read-records', sfi: 1, record: 1 });
  });

  it('a record that is no BER-TLV terminates', async () => {
    const { ctx } = contextWith(standardScript({ sfi1rec1: hex('701F5A08') }));
    await expect(rejection(readApplicationData(ctx))).resolves.toMatchObject({ code: 'EMV_CARD_DATA_INVALID', details: { step: 'read-records', reason: 'TLV_TRUNCATED' } });
  });

  it.each(['6A83', '6985', '6282'])('READ RECORD answered %s terminates, naming the record', async (sw) => {
    const { ctx } = contextWith([{ command: readRecordCommand(1, 1), response: sw }]);
    const error = await rejection(readApplicationData(ctx));
    expect(error.code).toBe('EMV_CARD_STATUS');
    expect(error.details).toEqual({ command: 'READ RECORD', sw, sfi: 1, record: 1 });
  });

  it('no AFL terminates', async () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    await expect(rejection(readApplicationData(ctx))).resolves.toMatchObject({ code: 'EMV_CARD_DATA_MISSING', details: { tag: '94' } });
  });

  it('wipes each record’s response once read', async () => {
    const responses: Buffer[] = [];
    const scripted = new ScriptedCard(standardScript());
    const { ctx } = contextWith([]);
    const spying: KernelContext = {
      ...ctx,
      env: {
        ...ctx.env,
        transmit: async (command) => {
          const response = await scripted.transmit(command);
          responses.push(response);
          return response;
        },
      },
    };
    await readApplicationData(spying);
    expect(responses).toHaveLength(3);
    for (const response of responses) expect(response.subarray(0, -2).every((b) => b === 0)).toBe(true);
  });

  it('any record contents end in a result or a typed EMV error (fast-check)', async () => {
    const allowed = new Set(['EMV_CARD_STATUS', 'EMV_CARD_DATA_INVALID', 'EMV_CARD_DATA_MISSING', 'EMV_APDU_INVALID']);
    const tag = fc.constantFrom('5A', '5F24', '5F25', '8C', '8D', '8E', '9F4A', '57', '70', '82', '9F02', 'BF0C', 'DF01');
    const object = fc.tuple(tag, fc.uint8Array({ maxLength: 12 })).map(([t, v]) => prim(t, v));
    const record = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.array(object, { maxLength: 8 }).map((objects) => tmpl('70', ...objects)),
    );
    const response = fc.oneof(record.map((r) => Buffer.concat([r, hex('9000')])), fc.uint8Array({ maxLength: 3 }).map((b) => Buffer.from(b)));
    const afl = fc.oneof(fc.constant(hex(AFL)), fc.constant(hex('58010201')), fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)));
    await fc.assert(
      fc.asyncProperty(afl, fc.array(response, { minLength: 1, maxLength: 6 }), async (aflBytes, responses) => {
        let next = 0;
        const ctx = testContext(() => Promise.resolve(Buffer.from(responses[next++ % responses.length] as Buffer)));
        ctx.data.set('82', hex(AIP_WITH_CV), 'card');
        ctx.data.set('94', aflBytes, 'card');
        try {
          const result = await readApplicationData(ctx);
          expect(Buffer.isBuffer(result.staticDataToAuthenticate)).toBe(true);
          expect(ctx.data.sourceOf('5A')).toBe('card');
        } catch (error) {
          expect(isPosError(error) && allowed.has(error.code)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
