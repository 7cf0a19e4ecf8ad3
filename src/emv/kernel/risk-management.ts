/**
 * Terminal risk management, EMV 4.4 Book 3 §10.6: floor limit checking with
 * the split-sales check (§10.6.1), random transaction selection (§10.6.2)
 * and velocity checking (§10.6.3). Each sets TVR byte 4 bits (and byte 1 b6,
 * byte 2 b4 from velocity checking); the step ends with the TSI's 'Terminal
 * risk management was performed'.
 *
 * Performed for every card, whatever AIP byte 1 b4 says: Book 3 lets a card
 * ask for it, and the payment systems require the floor limit and random
 * selection of an acquirer's terminal regardless (the acquirer carries the
 * risk above the floor limit). Doing it always only ever sends more
 * transactions online.
 *
 * Velocity checking reads the ATC (9F36) and the Last Online ATC Register
 * (9F13) with GET DATA:
 *
 *   C-APDU  80 CA 9F 36 00          R-APDU  9F 36 02 [ATC: 2] 90 00
 *   C-APDU  80 CA 9F 13 00          R-APDU  9F 13 02 [last online ATC: 2] 90 00
 *
 * An answer of any other shape — another status word, tag or length, extra
 * bytes, no status word — counts as "not returned".
 */
import { PosError } from '../../util/errors.js';
import { CLA_EMV, INS, SW, encodeCommand, parseResponse } from './apdu.js';
import type { RandomSelection } from './config.js';
import type { KernelContext } from './context.js';

export interface RiskEnvironment {
  /** Split-sales check (Book 3 §10.6.1): the amount (minor units) of the most recent approved transaction with this same card today, from a log the terminal keeps; 0 when none. */
  readonly recentAmountForCard: () => number;
}

/** A GET DATA answer's value length for the ATC and the Last Online ATC Register (Book 3 Annex A). */
const COUNTER_BYTES = 2;
/** 9F14 and 9F23 are each one byte (Book 3 Annex A). */
const OFFLINE_LIMIT_BYTES = 1;

/**
 * Book 3 §10.6: floor limit (ctx.aid.floorLimitMinor, plus the split-sales
 * amount), random transaction selection, velocity checking when the card has
 * 9F14 and 9F23. A card's answer never throws here; the card leaving the
 * reader (the transport's error) does.
 */
export async function terminalRiskManagement(ctx: KernelContext, risk: RiskEnvironment): Promise<void> {
  checkFloorLimit(ctx, risk);
  selectRandomly(ctx);
  await checkVelocity(ctx);
  ctx.tsi.set('terminalRiskManagementPerformed');
}

/** §10.6.1: the amount, with the last approved amount of this card from the terminal's log, equal to or over the floor limit. */
function checkFloorLimit(ctx: KernelContext, risk: RiskEnvironment): void {
  const recent = risk.recentAmountForCard();
  if (!Number.isSafeInteger(recent) || recent < 0) {
    throw new PosError('INTERNAL', 'The split-sales log gave an amount that is not a whole number of minor units', { where: 'terminal risk management' });
  }
  if (ctx.request.amountMinor + recent >= ctx.aid.floorLimitMinor) ctx.tvr.set('exceedsFloorLimit');
}

/**
 * §10.6.2, the percentage at which a transaction of this amount is selected:
 * the target percentage below the threshold; between the threshold and the
 * floor limit, rising in a straight line towards the maximum target
 * percentage (biased selection),
 *
 *   target + (maxTarget − target) × (amount − threshold) / (floorLimit − threshold);
 *
 * none at or above the floor limit, where the floor limit sends the
 * transaction online already.
 */
export function transactionTargetPercent(amountMinor: number, floorLimitMinor: number, selection: RandomSelection): number {
  if (amountMinor >= floorLimitMinor) return 0;
  if (amountMinor < selection.thresholdMinor) return selection.targetPercent;
  const interpolation = (amountMinor - selection.thresholdMinor) / (floorLimitMinor - selection.thresholdMinor);
  return selection.targetPercent + (selection.maxTargetPercent - selection.targetPercent) * interpolation;
}

/**
 * The book draws a number from 1 to 99 and selects the transaction when it
 * is at most the transaction target percent. `randomPercent` draws 0–99; one
 * more than it is compared, so that a target of P% selects exactly P in 100.
 */
function selectRandomly(ctx: KernelContext): void {
  const percent = transactionTargetPercent(ctx.request.amountMinor, ctx.aid.floorLimitMinor, ctx.aid.randomSelection);
  if (percent <= 0) return;
  const drawn = ctx.env.randomPercent();
  if (!Number.isInteger(drawn) || drawn < 0 || drawn > 99) {
    throw new PosError('INTERNAL', 'The random source gave a number outside 0–99', { where: 'random transaction selection' });
  }
  if (drawn + 1 <= percent) ctx.tvr.set('selectedRandomlyForOnline');
}

/**
 * §10.6.3: only for a card with both consecutive offline limits. An ATC or
 * Last Online ATC Register not returned sets both limit bits and 'ICC data
 * missing'; an ATC not above the last online one sets both limit bits; either
 * ends velocity checking. Otherwise the number of offline transactions since
 * the last online one is held against each limit, and a Last Online ATC of
 * zero marks a new card. Limits of the wrong length are treated as the
 * registers not returned: the card's velocity cannot be checked.
 */
async function checkVelocity(ctx: KernelContext): Promise<void> {
  const lowerLimit = ctx.data.get('9F14');
  const upperLimit = ctx.data.get('9F23');
  if (lowerLimit === undefined || upperLimit === undefined) return;
  const atc = await getCounter(ctx, '9F36');
  const lastOnlineAtc = await getCounter(ctx, '9F13');
  if (lowerLimit.length !== OFFLINE_LIMIT_BYTES || upperLimit.length !== OFFLINE_LIMIT_BYTES || atc === undefined || lastOnlineAtc === undefined) {
    ctx.tvr.set('lowerConsecutiveOfflineLimitExceeded');
    ctx.tvr.set('upperConsecutiveOfflineLimitExceeded');
    ctx.tvr.set('iccDataMissing');
    return;
  }
  if (atc <= lastOnlineAtc) {
    ctx.tvr.set('lowerConsecutiveOfflineLimitExceeded');
    ctx.tvr.set('upperConsecutiveOfflineLimitExceeded');
    return;
  }
  const offlineSinceOnline = atc - lastOnlineAtc;
  if (offlineSinceOnline > (lowerLimit[0] as number)) ctx.tvr.set('lowerConsecutiveOfflineLimitExceeded');
  if (offlineSinceOnline > (upperLimit[0] as number)) ctx.tvr.set('upperConsecutiveOfflineLimitExceeded');
  if (lastOnlineAtc === 0) ctx.tvr.set('newCard');
}

/** GET DATA of a 2-byte counter (Book 3 §6.5.7); undefined unless the card answers 9000 with exactly that one data object. Kept in the data store as the card's. */
async function getCounter(ctx: KernelContext, tag: '9F36' | '9F13'): Promise<number | undefined> {
  const tagBytes = Buffer.from(tag, 'hex');
  const answer = await ctx.env.transmit(encodeCommand({ cla: CLA_EMV, ins: INS.GET_DATA, p1: tagBytes[0] as number, p2: tagBytes[1] as number, le: 0 }));
  if (answer.length < 2) return undefined;
  const { data, sw } = parseResponse(answer);
  const expected = Buffer.concat([tagBytes, Buffer.from([COUNTER_BYTES])]);
  if (sw !== SW.OK || data.length !== expected.length + COUNTER_BYTES || !data.subarray(0, expected.length).equals(expected)) return undefined;
  const value = data.subarray(expected.length);
  ctx.data.set(tag, value, 'card');
  return value.readUInt16BE(0);
}
