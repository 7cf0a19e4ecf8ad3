import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { KernelConfig } from '../../../src/emv/kernel/config.js';
import { buildCandidateList, finalSelect, type Candidate, type ChooseApplication } from '../../../src/emv/kernel/selection/index.js';
import { isPosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import { adfFci, hex, ok, prim, readRecordCommand, selectCommand, text, tmpl } from './card-builders.js';
import { MASTERCARD_AID, VISA_AID, testAid, testKernelConfig } from './fixtures.js';
import { rejection } from '../../pos-error.js';

const PSE = text('1PAY.SYS.DDF01');
const VISA = hex(VISA_AID);
const MASTERCARD = hex(MASTERCARD_AID);
const OTHER_AID = 'A0000000999090';

/** The PSE's FCI (Book 1 §11.3.4 Table 8): 6F [84 '1PAY.SYS.DDF01'][A5 [88 SFI][5F2D …]]. */
const pseFci = (...proprietary: Buffer[]): Buffer => tmpl('6F', prim('84', PSE), tmpl('A5', prim('88', '01'), prim('5F2D', text('en')), ...proprietary));
/** A directory entry (Book 1 §12.2.3 Table 11): 61 [4F ADF name][50 label][87 priority] …. */
const entry = (aid: string, label: string, ...more: Buffer[]): Buffer => tmpl('61', prim('4F', aid), prim('50', text(label)), ...more);

const summary = (candidates: readonly Candidate[]) =>
  candidates.map((c) => ({
    aid: c.aid.toString('hex').toUpperCase(),
    label: c.label,
    preferredName: c.preferredName,
    priority: c.priority,
    confirmationRequired: c.confirmationRequired,
    terminalAid: c.terminalAid.aid.toString('hex').toUpperCase(),
  }));

async function candidatesFrom(script: readonly ScriptedExchange[], config: KernelConfig = testKernelConfig()): Promise<{ candidates: Candidate[]; card: ScriptedCard }> {
  const card = new ScriptedCard(script);
  const candidates = await buildCandidateList(card.transmit, config);
  expect(card.finished).toBe(true);
  return { candidates, card };
}

/** After the PSE fails: the list of AIDs, Visa then Mastercard, with these answers. */
const aidListAnswers = (visa: string, mastercard = '6A82'): ScriptedExchange[] => [
  { command: selectCommand(VISA), response: visa },
  { command: selectCommand(MASTERCARD), response: mastercard },
];

describe('candidate list from the PSE (Book 1 §12.3.2)', () => {
  it('reads the directory until 6A83 and keeps the entries the terminal supports, in directory order', async () => {
    const { candidates, card } = await candidatesFrom([
      { command: selectCommand(PSE), response: ok(pseFci()) },
      { command: readRecordCommand(1, 1), response: ok(tmpl('70', entry(VISA_AID, 'VISA CREDIT', prim('87', '02')), entry(MASTERCARD_AID, 'MASTERCARD', prim('87', '81')))) },
      { command: readRecordCommand(1, 2), response: ok(tmpl('70', entry(OTHER_AID, 'OTHER'))) },
      { command: readRecordCommand(1, 3), response: '6A83' },
    ]);
    expect(card.received).toEqual(['00A404000E315041592E5359532E444446303100', '00B2010C00', '00B2020C00', '00B2030C00']);
    expect(summary(candidates)).toEqual([
      { aid: VISA_AID, label: 'VISA CREDIT', preferredName: undefined, priority: 2, confirmationRequired: false, terminalAid: VISA_AID },
      { aid: MASTERCARD_AID, label: 'MASTERCARD', preferredName: undefined, priority: 1, confirmationRequired: true, terminalAid: MASTERCARD_AID },
    ]);
  });

  it('6A81 to SELECT of the PSE: the card is blocked, terminate', async () => {
    const card = new ScriptedCard([{ command: selectCommand(PSE), response: '6A81' }]);
    const error = await rejection(buildCandidateList(card.transmit, testKernelConfig()));
    expect(error.code).toBe('EMV_CARD_BLOCKED');
    expect(error.details).toEqual({ command: 'SELECT', target: 'PSE', sw: '6A81' });
  });

  it.each<[string, ScriptedExchange[]]>([
    ['no PSE (6A82)', [{ command: selectCommand(PSE), response: '6A82' }]],
    ['a blocked PSE (6283)', [{ command: selectCommand(PSE), response: `${ok(pseFci()).slice(0, -4)}6283` }]],
    ['a PSE FCI without a directory SFI (88)', [{ command: selectCommand(PSE), response: ok(tmpl('6F', prim('84', PSE), tmpl('A5', prim('5F2D', text('en'))))) }]],
    ['a PSE FCI that is no FCI', [{ command: selectCommand(PSE), response: ok(hex('DEADBEEF')) }]],
    [
      'a directory record that is no 70 template',
      [
        { command: selectCommand(PSE), response: ok(pseFci()) },
        { command: readRecordCommand(1, 1), response: ok(entry(VISA_AID, 'VISA')) },
      ],
    ],
    [
      'a directory READ RECORD answered 6A82',
      [
        { command: selectCommand(PSE), response: ok(pseFci()) },
        { command: readRecordCommand(1, 1), response: ok(tmpl('70', entry(MASTERCARD_AID, 'MASTERCARD'))) },
        { command: readRecordCommand(1, 2), response: '6A82' },
      ],
    ],
    [
      'a directory with no entry the terminal supports',
      [
        { command: selectCommand(PSE), response: ok(pseFci()) },
        { command: readRecordCommand(1, 1), response: ok(tmpl('70', entry(OTHER_AID, 'OTHER'))) },
        { command: readRecordCommand(1, 2), response: '6A83' },
      ],
    ],
  ])('%s: the list of AIDs instead', async (_name, pse) => {
    const { candidates } = await candidatesFrom([...pse, ...aidListAnswers(ok(adfFci(VISA, prim('50', text('VISA')))))]);
    expect(summary(candidates).map((c) => c.aid)).toEqual([VISA_AID]);
  });

  it('matches a directory entry to the terminal AID it fits best: exact, else the longest partial', async () => {
    const config = testKernelConfig({ aids: [testAid('A000000003'), testAid('A00000000310'), testAid(VISA_AID, { partialSelection: false })] });
    const { candidates } = await candidatesFrom(
      [
        { command: selectCommand(PSE), response: ok(pseFci()) },
        { command: readRecordCommand(1, 1), response: ok(tmpl('70', entry(VISA_AID, 'A'), entry('A0000000031020', 'B'), entry('A0000000032010', 'C'))) },
        { command: readRecordCommand(1, 2), response: '6A83' },
      ],
      config,
    );
    expect(summary(candidates).map((c) => [c.aid, c.terminalAid])).toEqual([
      [VISA_AID, VISA_AID],
      ['A0000000031020', 'A00000000310'],
      ['A0000000032010', 'A000000003'],
    ]);
  });

  it('skips a directory entry without an ADF name (4F) of 5–16 bytes', async () => {
    const { candidates } = await candidatesFrom([
      { command: selectCommand(PSE), response: ok(pseFci()) },
      { command: readRecordCommand(1, 1), response: ok(tmpl('70', tmpl('61', prim('50', text('NO AID'))), tmpl('61', prim('4F', 'A000')), entry(MASTERCARD_AID, 'MC'))) },
      { command: readRecordCommand(1, 2), response: '6A83' },
    ]);
    expect(summary(candidates).map((c) => c.aid)).toEqual([MASTERCARD_AID]);
  });

  it('shows the preferred name (9F12) in the code table the PSE names (9F11) when the terminal supports it', async () => {
    const { candidates } = await candidatesFrom([
      { command: selectCommand(PSE), response: ok(pseFci(prim('9F11', '01'))) },
      { command: readRecordCommand(1, 1), response: ok(tmpl('70', entry(VISA_AID, 'VISA', prim('9F12', Buffer.from('Visa Crédit', 'latin1'))))) },
      { command: readRecordCommand(1, 2), response: '6A83' },
    ]);
    expect(candidates[0]?.preferredName).toBe('Visa Crédit');
  });
});

describe('candidate list from the list of AIDs (Book 1 §12.3.3)', () => {
  const noPse = { command: selectCommand(PSE), response: '6A82' };

  it('partial selection: each longer DF name, then SELECT next occurrence (P2 02) until the card has none', async () => {
    const { candidates, card } = await candidatesFrom([
      noPse,
      { command: selectCommand(VISA), response: ok(adfFci(hex('A000000003101001'), prim('50', text('VISA DEBIT')), prim('87', '01'))) },
      { command: selectCommand(VISA, 'next'), response: `${ok(adfFci(hex('A000000003101002'), prim('50', text('BLOCKED')))).slice(0, -4)}6283` },
      { command: selectCommand(VISA, 'next'), response: ok(adfFci(hex('A000000003101003'), prim('50', text('VISA CREDIT')))) },
      { command: selectCommand(VISA, 'next'), response: '6A82' },
      { command: selectCommand(MASTERCARD), response: '6A82' },
    ]);
    expect(card.received[2]).toBe('00A4040207A000000003101000');
    expect(summary(candidates)).toEqual([
      { aid: 'A000000003101001', label: 'VISA DEBIT', preferredName: undefined, priority: 1, confirmationRequired: false, terminalAid: VISA_AID },
      { aid: 'A000000003101003', label: 'VISA CREDIT', preferredName: undefined, priority: undefined, confirmationRequired: false, terminalAid: VISA_AID },
    ]);
  });

  it('an AID without partial selection skips longer DF names but still finds its exact match among the next occurrences', async () => {
    const config = testKernelConfig({ aids: [testAid(VISA_AID, { partialSelection: false })] });
    const { candidates } = await candidatesFrom(
      [
        noPse,
        { command: selectCommand(VISA), response: ok(adfFci(hex('A000000003101001'))) },
        { command: selectCommand(VISA, 'next'), response: ok(adfFci(VISA)) },
      ],
      config,
    );
    expect(summary(candidates).map((c) => c.aid)).toEqual([VISA_AID]);
  });

  it('an exact match that is blocked (6283) is left out; 6A82 moves on to the next AID', async () => {
    const { candidates } = await candidatesFrom([noPse, ...aidListAnswers(`${ok(adfFci(VISA)).slice(0, -4)}6283`, ok(adfFci(MASTERCARD)))]);
    expect(summary(candidates).map((c) => c.aid)).toEqual([MASTERCARD_AID]);
  });

  it('only blocked applications (6283) in common: selection ends as blocked, not as no application', async () => {
    const card = new ScriptedCard([noPse, ...aidListAnswers(`${ok(adfFci(VISA)).slice(0, -4)}6283`, '6A82')]);
    await expect(rejection(buildCandidateList(card.transmit, testKernelConfig()))).resolves.toMatchObject({ code: 'EMV_APPLICATION_BLOCKED', details: { blocked: 1 } });
  });

  it('6A81 to SELECT of an AID: the card is blocked, terminate', async () => {
    const card = new ScriptedCard([noPse, { command: selectCommand(VISA), response: '6A81' }]);
    await expect(rejection(buildCandidateList(card.transmit, testKernelConfig()))).resolves.toMatchObject({ code: 'EMV_CARD_BLOCKED', details: { target: 'AID' } });
  });

  it.each<[string, string]>([
    ['another status word (6985)', '6985'],
    ['an FCI that is no FCI', ok(hex('6F03840100'))],
    ['an FCI without A5', ok(tmpl('6F', prim('84', VISA)))],
    ['an FCI naming 50 twice', ok(adfFci(VISA, prim('50', text('A')), prim('50', text('B'))))],
    ['a DF name of another application', ok(adfFci(hex(OTHER_AID)))],
    ['a DF name shorter than the AID', ok(adfFci(hex('A000000003')))],
  ])('%s: no candidate, next AID', async (_name, visa) => {
    const { candidates } = await candidatesFrom([noPse, ...aidListAnswers(visa, ok(adfFci(MASTERCARD)))]);
    expect(summary(candidates).map((c) => c.aid)).toEqual([MASTERCARD_AID]);
  });

  it('a card that repeats a DF name on next occurrence has no more: the walk stops', async () => {
    const longer = ok(adfFci(hex('A000000003101001')));
    const { candidates } = await candidatesFrom([
      noPse,
      { command: selectCommand(VISA), response: longer },
      { command: selectCommand(VISA, 'next'), response: longer },
      { command: selectCommand(MASTERCARD), response: '6A82' },
    ]);
    expect(summary(candidates).map((c) => c.aid)).toEqual(['A000000003101001']);
  });

  it('names: the preferred name only in a code table the terminal supports (9F40 has table 1), labels without control characters', async () => {
    const { candidates } = await candidatesFrom([
      noPse,
      ...aidListAnswers(
        ok(adfFci(VISA, prim('50', text('VISA\u001b[2J CREDIT')), prim('9F11', '01'), prim('9F12', Buffer.from('Visa Crédit', 'latin1')))),
        ok(adfFci(MASTERCARD, prim('50', text('MASTERCARD')), prim('9F11', '02'), prim('9F12', text('Mastercard')))),
      ),
    ]);
    expect(summary(candidates).map((c) => [c.label, c.preferredName])).toEqual([
      ['VISA[2J CREDIT', 'Visa Crédit'],
      ['MASTERCARD', undefined],
    ]);
  });
});

describe('final selection (Book 1 §12.4)', () => {
  const candidate = (aid: string, options: { priority?: number; confirmationRequired?: boolean } = {}): Candidate => ({
    aid: hex(aid),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    confirmationRequired: options.confirmationRequired ?? false,
    terminalAid: testAid(aid.slice(0, 14)),
  });
  const visa = candidate(VISA_AID, { priority: 2 });
  const mastercard = candidate(MASTERCARD_AID, { priority: 1 });
  const other = candidate('A0000000031020');
  const fciOf = (c: Candidate): Buffer => adfFci(c.aid, prim('50', text('APP')));
  const selectOk = (c: Candidate): ScriptedExchange => ({ command: selectCommand(c.aid), response: ok(fciOf(c)) });

  it('without a cardholder to ask, selects the highest priority and hands over the FCI’s value', async () => {
    const card = new ScriptedCard([selectOk(mastercard)]);
    const selected = await finalSelect(card.transmit, [visa, other, mastercard]);
    expect(selected.candidate).toBe(mastercard);
    expect(selected.fci.toString('hex')).toBe(fciOf(mastercard).subarray(2).toString('hex'));
    expect(selected.remaining).toEqual([visa, other]);
  });

  it('selecting again from `remaining` (after GPO 6985) takes the next', async () => {
    const card = new ScriptedCard([selectOk(mastercard), selectOk(visa)]);
    const first = await finalSelect(card.transmit, [visa, other, mastercard]);
    const second = await finalSelect(card.transmit, first.remaining);
    expect(second.candidate).toBe(visa);
    expect(second.remaining).toEqual([other]);
  });

  it('without a cardholder to ask, drops applications that need confirmation', async () => {
    const confirm = candidate(MASTERCARD_AID, { priority: 1, confirmationRequired: true });
    const card = new ScriptedCard([selectOk(visa)]);
    await expect(finalSelect(card.transmit, [confirm, visa])).resolves.toMatchObject({ candidate: visa });
    const none = new ScriptedCard([]);
    await expect(rejection(finalSelect(none.transmit, [confirm]))).resolves.toMatchObject({ code: 'EMV_NO_APPLICATION' });
    expect(none.received).toEqual([]);
  });

  it('no candidates: EMV_NO_APPLICATION', async () => {
    await expect(rejection(finalSelect(new ScriptedCard([]).transmit, []))).resolves.toMatchObject({ code: 'EMV_NO_APPLICATION' });
  });

  it('offers the cardholder the list in priority order, those without a priority last, and selects the choice', async () => {
    const choose = vi.fn<ChooseApplication>((list) => Promise.resolve(list[1]));
    const card = new ScriptedCard([selectOk(visa)]);
    const selected = await finalSelect(card.transmit, [other, visa, mastercard], choose);
    expect(choose).toHaveBeenCalledTimes(1);
    expect(choose.mock.calls[0]?.[0]).toEqual([mastercard, visa, other]);
    expect(selected.candidate).toBe(visa);
  });

  it('the cardholder cancelling ends selection: EMV_SELECTION_CANCELLED, nothing selected', async () => {
    const card = new ScriptedCard([]);
    const error = await rejection(finalSelect(card.transmit, [visa, mastercard], () => Promise.resolve(undefined)));
    expect(error.code).toBe('EMV_SELECTION_CANCELLED');
    expect(error.kind).toBe('cancelled');
    expect(card.received).toEqual([]);
  });

  it('asks to confirm a lone application that requires it, and not one that does not', async () => {
    const confirm = candidate(VISA_AID, { confirmationRequired: true });
    const choose = vi.fn<ChooseApplication>((list) => Promise.resolve(list[0]));
    await finalSelect(new ScriptedCard([selectOk(confirm)]).transmit, [confirm], choose);
    expect(choose.mock.calls).toEqual([[[confirm]]]);
    choose.mockClear();
    await finalSelect(new ScriptedCard([selectOk(visa)]).transmit, [visa], choose);
    expect(choose).not.toHaveBeenCalled();
  });

  it.each<[string, string]>([
    ['6283 (application blocked)', '6283'],
    ['6A82', '6A82'],
    ['an FCI naming another DF name', ok(adfFci(hex(OTHER_AID)))],
    ['an FCI that is no FCI', ok(hex('6F00'))],
  ])('a final SELECT answered %s takes the application off the list and selects again', async (_name, answer) => {
    const choose = vi.fn<ChooseApplication>((list) => Promise.resolve(list[0]));
    const card = new ScriptedCard([{ command: selectCommand(mastercard.aid), response: answer }, selectOk(visa)]);
    const selected = await finalSelect(card.transmit, [visa, mastercard, other], choose);
    expect(choose.mock.calls.map(([list]) => list)).toEqual([
      [mastercard, visa, other],
      [visa, other],
    ]);
    expect(selected.candidate).toBe(visa);
    expect(selected.remaining).toEqual([other]);
  });

  it('6A81 to the final SELECT: the card is blocked, terminate', async () => {
    const card = new ScriptedCard([{ command: selectCommand(mastercard.aid), response: '6A81' }]);
    await expect(rejection(finalSelect(card.transmit, [visa, mastercard]))).resolves.toMatchObject({ code: 'EMV_CARD_BLOCKED', details: { target: 'ADF' } });
  });

  it('every candidate failing its final SELECT: EMV_NO_APPLICATION', async () => {
    const card = new ScriptedCard([
      { command: selectCommand(mastercard.aid), response: '6A82' },
      { command: selectCommand(visa.aid), response: '6A82' },
    ]);
    await expect(rejection(finalSelect(card.transmit, [visa, mastercard]))).resolves.toMatchObject({ code: 'EMV_NO_APPLICATION' });
    expect(card.finished).toBe(true);
  });

  it('the last candidate answering 6283 to the final SELECT ends selection as blocked', async () => {
    const card = new ScriptedCard([{ command: selectCommand(mastercard.aid), response: '6283' }, { command: selectCommand(visa.aid), response: '6A82' }]);
    await expect(rejection(finalSelect(card.transmit, [visa, mastercard]))).resolves.toMatchObject({ code: 'EMV_APPLICATION_BLOCKED', details: { blocked: 1 } });
  });

  it('a chooser that answers with an application it was not offered is a bug, not a selection', async () => {
    await expect(rejection(finalSelect(new ScriptedCard([]).transmit, [visa, mastercard], () => Promise.resolve(other)))).resolves.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('selection against any card (fast-check)', () => {
  it('random answers end in a selected application or a typed EMV error', async () => {
    const allowed = new Set(['EMV_CARD_BLOCKED', 'EMV_APPLICATION_BLOCKED', 'EMV_NO_APPLICATION', 'EMV_APDU_INVALID', 'EMV_SELECTION_CANCELLED']);
    const sw = fc.constantFrom('9000', '6283', '6A81', '6A82', '6A83', '6985');
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)),
      fc.constantFrom(pseFci(), tmpl('70', entry(VISA_AID, 'VISA', prim('87', '81')), entry(MASTERCARD_AID, 'MC')), adfFci(VISA), adfFci(hex('A000000003101001')), adfFci(MASTERCARD)),
    );
    const answer = fc.oneof(fc.tuple(body, sw).map(([data, status]) => Buffer.concat([data, hex(status)])), fc.uint8Array({ maxLength: 2 }).map((b) => Buffer.from(b)));
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 12 }), fc.boolean(), async (answers, canAsk) => {
        let next = 0;
        const transmit = (): Promise<Buffer> => Promise.resolve(Buffer.from(answers[next++ % answers.length] as Buffer));
        try {
          const candidates = await buildCandidateList(transmit, testKernelConfig());
          const selected = await finalSelect(transmit, candidates, canAsk ? (list) => Promise.resolve(list.at(-1)) : undefined);
          expect(candidates).toContain(selected.candidate);
          expect(selected.remaining).not.toContain(selected.candidate);
        } catch (error) {
          expect(isPosError(error) && allowed.has(error.code)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
