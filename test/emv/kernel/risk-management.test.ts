/**
 * Terminal risk management against EMV 4.4 Book 3 §10.6: floor limit with
 * the split-sales check (§10.6.1), random transaction selection (§10.6.2),
 * velocity checking with GET DATA on a scripted card (§10.6.3).
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RandomSelection } from '../../../src/emv/kernel/config.js';
import type { KernelContext } from '../../../src/emv/kernel/context.js';
import { terminalRiskManagement, transactionTargetPercent, type RiskEnvironment } from '../../../src/emv/kernel/risk-management.js';
import { isPosError, PosError } from '../../../src/util/errors.js';
import { ScriptedCard, type ScriptedExchange } from '../../../hw-mocks/chip-card/scripted-card.js';
import { hex } from '../helpers.js';
import { testAid, testContext, testRequest, VISA_AID } from './fixtures.js';

/** GET DATA (Book 3 §6.5.7): CLA 80, INS CA, P1 P2 the tag, Le 00. */
const GET_ATC = '80CA9F3600';
const GET_LAST_ONLINE_ATC = '80CA9F1300';
/** The answers: the data object itself, then 90 00. */
const atcAnswer = (atc: number): string => `9F3602${atc.toString(16).padStart(4, '0')}9000`;
const lastOnlineAnswer = (atc: number): string => `9F1302${atc.toString(16).padStart(4, '0')}9000`;

const NO_SPLIT_SALES: RiskEnvironment = { recentAmountForCard: () => 0 };
const NO_RANDOM: RandomSelection = { thresholdMinor: 0, targetPercent: 0, maxTargetPercent: 0 };

interface Setup {
  readonly amountMinor?: number;
  readonly floorLimitMinor?: number;
  readonly randomSelection?: RandomSelection;
  readonly randomPercent?: () => number;
  readonly script?: readonly ScriptedExchange[];
  /** 9F14 and 9F23 as hex; absent when undefined. */
  readonly lowerLimit?: string;
  readonly upperLimit?: string;
}

function setup(options: Setup = {}): { ctx: KernelContext; card: ScriptedCard } {
  const card = new ScriptedCard(options.script ?? []);
  const aid = testAid(VISA_AID, { floorLimitMinor: options.floorLimitMinor ?? 1_000_000, randomSelection: options.randomSelection ?? NO_RANDOM });
  const ctx = testContext(card.transmit, {
    aid,
    request: testRequest({ amountMinor: options.amountMinor ?? 1234 }),
    env: { randomPercent: options.randomPercent ?? (() => 99) },
  });
  if (options.lowerLimit !== undefined) ctx.data.set('9F14', hex(options.lowerLimit), 'card');
  if (options.upperLimit !== undefined) ctx.data.set('9F23', hex(options.upperLimit), 'card');
  return { ctx, card };
}

const tvrHex = (ctx: KernelContext): string => ctx.tvr.bytes().toString('hex').toUpperCase();

describe('floor limit checking (Book 3 §10.6.1)', () => {
  it.each([
    ['under the floor limit', 1234, 1235, 0, false],
    ['equal to the floor limit', 1234, 1234, 0, true],
    ['over the floor limit', 1234, 1000, 0, true],
    ['a floor limit of zero: every transaction', 0, 0, 0, true],
    ['split sales: with the last amount of this card the sum reaches the floor limit', 1000, 1234, 234, true],
    ['split sales: the sum stays under the floor limit', 1000, 1234, 233, false],
  ])('%s', async (_name, amountMinor, floorLimitMinor, recent, exceeds) => {
    const { ctx } = setup({ amountMinor, floorLimitMinor });
    await terminalRiskManagement(ctx, { recentAmountForCard: () => recent });
    expect(ctx.tvr.names()).toEqual(exceeds ? ['exceedsFloorLimit'] : []);
    expect(tvrHex(ctx)).toBe(exceeds ? '0000008000' : '0000000000');
  });

  it.each([Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY])('a split-sales log answering %s is a fault of ours: INTERNAL, never a skipped check', async (recent) => {
    const { ctx } = setup();
    const error = await terminalRiskManagement(ctx, { recentAmountForCard: () => recent }).catch((e: unknown) => e);
    expect(isPosError(error, 'INTERNAL')).toBe(true);
  });

  it('sets the TSI "Terminal risk management was performed" (byte 1 b4), and only that', async () => {
    const { ctx } = setup();
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(ctx.tsi.bytes().toString('hex')).toBe('0800');
    expect(ctx.tsi.names()).toEqual(['terminalRiskManagementPerformed']);
  });
});

describe('random transaction selection (Book 3 §10.6.2)', () => {
  const selection: RandomSelection = { thresholdMinor: 5000, targetPercent: 25, maxTargetPercent: 75 };
  const FLOOR = 10_000;

  it.each([
    ['below the threshold: the target percentage', 1000, 25],
    ['at the threshold: the target percentage', 5000, 25],
    ['half way from threshold to floor limit: half way to the maximum', 7500, 50],
    ['one below the floor limit: just under the maximum', 9999, 25 + 50 * (4999 / 5000)],
    ['at the floor limit: none (the floor limit sends it online)', 10_000, 0],
    ['over the floor limit: none', 20_000, 0],
  ])('transaction target percent %s', (_name, amount, percent) => {
    expect(transactionTargetPercent(amount, FLOOR, selection)).toBeCloseTo(percent, 10);
  });

  it('with the threshold at or above the floor limit, every amount below the floor limit gets the target percentage', () => {
    expect(transactionTargetPercent(999, 1000, { thresholdMinor: 1000, targetPercent: 10, maxTargetPercent: 90 })).toBe(10);
    expect(transactionTargetPercent(999, 1000, { thresholdMinor: 5000, targetPercent: 10, maxTargetPercent: 90 })).toBe(10);
  });

  it.each([
    ['below the threshold, drawn 24 of 0–99 (the 25th number)', 1000, 24, true],
    ['below the threshold, drawn 25', 1000, 25, false],
    ['biased at 50 %, drawn 49', 7500, 49, true],
    ['biased at 50 %, drawn 50', 7500, 50, false],
    ['biased at 74.99 %, drawn 73', 9999, 73, true],
    ['biased at 74.99 %, drawn 74', 9999, 74, false],
    ['below the threshold, drawn 0', 1000, 0, true],
  ])('%s', async (_name, amountMinor, drawn, selected) => {
    const { ctx } = setup({ amountMinor, floorLimitMinor: FLOOR, randomSelection: selection, randomPercent: () => drawn });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(ctx.tvr.names()).toEqual(selected ? ['selectedRandomlyForOnline'] : []);
    expect(tvrHex(ctx)).toBe(selected ? '0000001000' : '0000000000');
  });

  it.each([
    ['target 25 %', 1000, 25],
    ['biased 50 %', 7500, 50],
    ['biased 74.99 %: 74 in 100', 9999, 74],
    ['target 0 %', 1000, 0],
  ])('over every number 0–99 the share selected is the percentage (%s)', async (_name, amountMinor, expected) => {
    const randomSelection = amountMinor === 1000 && expected === 0 ? { ...selection, targetPercent: 0 } : selection;
    let selected = 0;
    for (let drawn = 0; drawn < 100; drawn++) {
      const { ctx } = setup({ amountMinor, floorLimitMinor: FLOOR, randomSelection, randomPercent: () => drawn });
      await terminalRiskManagement(ctx, NO_SPLIT_SALES);
      if (ctx.tvr.has('selectedRandomlyForOnline')) selected++;
    }
    expect(selected).toBe(expected);
  });

  it('at or above the floor limit no number is drawn: the floor limit bit alone', async () => {
    const randomPercent = vi.fn(() => 0);
    const { ctx } = setup({ amountMinor: FLOOR, floorLimitMinor: FLOOR, randomSelection: selection, randomPercent });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(randomPercent).not.toHaveBeenCalled();
    expect(ctx.tvr.names()).toEqual(['exceedsFloorLimit']);
  });

  it('a target of 0 % draws nothing', async () => {
    const randomPercent = vi.fn(() => 0);
    const { ctx } = setup({ amountMinor: 1, floorLimitMinor: FLOOR, randomSelection: NO_RANDOM, randomPercent });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(randomPercent).not.toHaveBeenCalled();
    expect(ctx.tvr.names()).toEqual([]);
  });

  it.each([100, -1, 2.5])('a random source answering %s is a fault of ours: INTERNAL', async (drawn) => {
    const { ctx } = setup({ amountMinor: 1000, floorLimitMinor: FLOOR, randomSelection: selection, randomPercent: () => drawn });
    const error = await terminalRiskManagement(ctx, NO_SPLIT_SALES).catch((e: unknown) => e);
    expect(isPosError(error, 'INTERNAL')).toBe(true);
  });
});

describe('velocity checking (Book 3 §10.6.3)', () => {
  const getBoth = (atc: string, lastOnline: string): ScriptedExchange[] => [
    { command: GET_ATC, response: atc },
    { command: GET_LAST_ONLINE_ATC, response: lastOnline },
  ];

  it('a card without both consecutive offline limits is not asked anything', async () => {
    for (const limits of [{}, { lowerLimit: '05' }, { upperLimit: '0A' }]) {
      const { ctx, card } = setup(limits);
      await terminalRiskManagement(ctx, NO_SPLIT_SALES);
      expect(card.received).toEqual([]);
      expect(ctx.tvr.names()).toEqual([]);
      expect(ctx.tsi.names()).toEqual(['terminalRiskManagementPerformed']);
    }
  });

  it.each([
    ['5 offline since online, lower limit 5: not exceeded (only "greater than" exceeds)', 0x0f, 0x0a, []],
    ['6 offline since online, lower limit 5: lower exceeded (byte 4 b7)', 0x10, 0x0a, ['lowerConsecutiveOfflineLimitExceeded']],
    ['10 offline since online, upper limit 10: lower only', 0x14, 0x0a, ['lowerConsecutiveOfflineLimitExceeded']],
    ['11 offline since online: both (byte 4 b7 and b6)', 0x15, 0x0a, ['lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded']],
    ['Last Online ATC 0 and 3 transactions: new card (byte 2 b4)', 0x03, 0x00, ['newCard']],
    ['Last Online ATC 0 and 7 transactions: new card and lower', 0x07, 0x00, ['newCard', 'lowerConsecutiveOfflineLimitExceeded']],
    ['ATC equal to the Last Online ATC: both limits, velocity checking ends', 0x0a, 0x0a, ['lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded']],
    ['ATC below the Last Online ATC: both limits', 0x09, 0x0a, ['lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded']],
    ['ATC 0 and Last Online ATC 0: both limits, not a new card (checking ended)', 0x00, 0x00, ['lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded']],
  ])('%s', async (_name, atc, lastOnline, bits) => {
    const { ctx, card } = setup({ lowerLimit: '05', upperLimit: '0A', script: getBoth(atcAnswer(atc), lastOnlineAnswer(lastOnline)) });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(card.finished).toBe(true);
    expect(ctx.tvr.names()).toEqual(bits);
  });

  it('bit by bit: ATC 0015, Last Online 0000, limits 05/0A → TVR 00 08 00 60 00', async () => {
    const { ctx } = setup({ lowerLimit: '05', upperLimit: '0A', script: getBoth(atcAnswer(0x15), lastOnlineAnswer(0)) });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(tvrHex(ctx)).toBe('0008006000');
  });

  it('keeps the ATC and the Last Online ATC Register in the data store as the card\'s', async () => {
    const { ctx } = setup({ lowerLimit: '05', upperLimit: '0A', script: getBoth(atcAnswer(0x1234), lastOnlineAnswer(0x1230)) });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(ctx.data.get('9F36')?.toString('hex')).toBe('1234');
    expect(ctx.data.get('9F13')?.toString('hex')).toBe('1230');
    expect(ctx.data.sourceOf('9F36')).toBe('card');
  });

  const notReturned: readonly (readonly [string, string])[] = [
    ['6A88 (referenced data not found)', '6A88'],
    ['6985', '6985'],
    ['the right data with 6283', '9F3602001062 83'],
    ['another tag (9F13 for 9F36)', '9F1302001090 00'],
    ['a length of 1', '9F36010190 00'],
    ['a value of 3 bytes', '9F360300001090 00'],
    ['a byte after the data object', '9F36020010FF9000'],
    ['long-form length (81 02)', '9F3681020010 9000'],
    ['9000 with no data', '9000'],
    ['no status word (one byte)', '90'],
    ['nothing at all', ''],
  ];

  it.each(notReturned)('an ATC answer of %s counts as not returned: both limits and ICC data missing', async (_name, answer) => {
    const { ctx, card } = setup({ lowerLimit: '05', upperLimit: '0A', script: getBoth(answer, lastOnlineAnswer(0)) });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(card.finished).toBe(true);
    expect(ctx.tvr.names()).toEqual(['iccDataMissing', 'lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded']);
    expect(tvrHex(ctx)).toBe('2000006000');
    expect(ctx.tsi.names()).toEqual(['terminalRiskManagementPerformed']);
  });

  it('a Last Online ATC Register not returned: the same', async () => {
    const { ctx } = setup({ lowerLimit: '05', upperLimit: '0A', script: getBoth(atcAnswer(3), '6A88') });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(tvrHex(ctx)).toBe('2000006000');
  });

  it.each([
    ['a lower limit of 2 bytes', '0005', '0A'],
    ['an empty upper limit', '05', ''],
  ])('%s: the velocity cannot be checked, handled as the registers not returned', async (_name, lowerLimit, upperLimit) => {
    const { ctx } = setup({ lowerLimit, upperLimit, script: getBoth(atcAnswer(3), lastOnlineAnswer(1)) });
    await terminalRiskManagement(ctx, NO_SPLIT_SALES);
    expect(tvrHex(ctx)).toBe('2000006000');
  });

  it('the card leaving the reader during GET DATA goes up as the transport\'s error', async () => {
    const removed = new PosError('EMV_CARD_REMOVED', 'card removed');
    const { ctx } = setup({ lowerLimit: '05', upperLimit: '0A' });
    const gone = { ...ctx, env: { ...ctx.env, transmit: () => Promise.reject(removed) } };
    await expect(terminalRiskManagement(gone, NO_SPLIT_SALES)).rejects.toBe(removed);
  });

  it('any GET DATA answers and limits (fast-check): no throw, only velocity bits, and the book\'s bits for well-formed answers', async () => {
    const answerArb = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((value) => ({ value, raw: undefined as string | undefined })),
      fc.uint8Array({ maxLength: 8 }).map((bytes) => ({ value: undefined as number | undefined, raw: Buffer.from(bytes).toString('hex') })),
    );
    await fc.assert(
      fc.asyncProperty(answerArb, answerArb, fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), async (atcA, lastA, lower, upper) => {
        const atcResponse = atcA.raw ?? atcAnswer(atcA.value ?? 0);
        const lastResponse = lastA.raw ?? lastOnlineAnswer(lastA.value ?? 0);
        const { ctx } = setup({
          lowerLimit: lower.toString(16).padStart(2, '0'),
          upperLimit: upper.toString(16).padStart(2, '0'),
          script: getBoth(atcResponse, lastResponse),
        });
        await terminalRiskManagement(ctx, NO_SPLIT_SALES);
        const allowed = ['iccDataMissing', 'newCard', 'lowerConsecutiveOfflineLimitExceeded', 'upperConsecutiveOfflineLimitExceeded'];
        for (const name of ctx.tvr.names()) expect(allowed).toContain(name);
        const atc = atcA.value;
        const last = lastA.value;
        if (atc !== undefined && last !== undefined) {
          expect(ctx.tvr.has('iccDataMissing')).toBe(false);
          const diff = atc - last;
          expect(ctx.tvr.has('lowerConsecutiveOfflineLimitExceeded')).toBe(diff <= 0 || diff > lower);
          expect(ctx.tvr.has('upperConsecutiveOfflineLimitExceeded')).toBe(diff <= 0 || diff > upper);
          expect(ctx.tvr.has('newCard')).toBe(diff > 0 && last === 0);
        } else if (!ctx.tvr.has('iccDataMissing')) {
          // A random answer that happens to be well formed is a returned register.
          expect(ctx.data.has('9F36') && ctx.data.has('9F13')).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
