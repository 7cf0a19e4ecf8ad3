import { describe, expect, it } from 'vitest';
import { TRANSACTION_TYPE, type TransactionRequest } from '../../../src/emv/kernel/context.js';
import { processingRestrictions, type RestrictionOptions } from '../../../src/emv/kernel/restrictions.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { hex } from './card-builders.js';
import { testContext, testKernelConfig, testRequest } from './fixtures.js';

/** The terminal's country in the fixtures (9F1A 0826) and another one. */
const HERE = '0826';
const ABROAD = '0840';
const VALID_DATES = { '5F24': '271231', '5F25': '200101' };

interface Case {
  readonly card: Record<string, string>;
  readonly request?: Partial<TransactionRequest>;
  readonly terminal?: { readonly terminalType?: number; readonly additionalTerminalCapabilities?: string };
  readonly options?: RestrictionOptions;
}

/** The TVR after processing restrictions alone, as hex. */
function tvrAfter({ card, request = {}, terminal = {}, options }: Case): string {
  const base = testKernelConfig();
  const config = testKernelConfig({
    terminal: {
      ...base.terminal,
      ...(terminal.terminalType === undefined ? {} : { terminalType: terminal.terminalType }),
      ...(terminal.additionalTerminalCapabilities === undefined ? {} : { additionalTerminalCapabilities: hex(terminal.additionalTerminalCapabilities) }),
    },
  });
  const ctx = testContext(new ScriptedCard([]).transmit, { config, request: testRequest(request) });
  for (const [tag, value] of Object.entries({ ...VALID_DATES, ...card })) ctx.data.set(tag, hex(value), 'card');
  processingRestrictions(ctx, options);
  expect(ctx.tsi.bytes().toString('hex')).toBe('0000');
  return ctx.tvr.bytes().toString('hex').toUpperCase();
}

const NONE = '0000000000';
const DIFFERENT_VERSIONS = '0080000000'; // byte 2 b8
const EXPIRED = '0040000000'; // byte 2 b7
const NOT_YET_EFFECTIVE = '0020000000'; // byte 2 b6
const SERVICE_NOT_ALLOWED = '0010000000'; // byte 2 b5

describe('application version number (Book 3 §10.4.1)', () => {
  it.each([
    ['9F08 absent: taken as compatible', {}, NONE],
    ['9F08 equal to the terminal’s 9F09 (0096)', { '9F08': '0096' }, NONE],
    ['9F08 different from 9F09', { '9F08': '0095' }, DIFFERENT_VERSIONS],
    ['9F08 of the wrong length', { '9F08': '00' }, DIFFERENT_VERSIONS],
  ])('%s', (_name, card, tvr) => {
    expect(tvrAfter({ card })).toBe(tvr);
  });
});

describe('application usage control (Book 3 §10.4.2)', () => {
  const cash = { transactionType: TRANSACTION_TYPE.cash };
  const cashback = { transactionType: TRANSACTION_TYPE.purchaseWithCashback, amountOtherMinor: 500 };
  const refund = { transactionType: TRANSACTION_TYPE.refund };
  const atm = { terminalType: 14, additionalTerminalCapabilities: 'F000F0A001' };
  const goodsOnly = { additionalTerminalCapabilities: '4000F0A001' };
  const servicesOnly = { additionalTerminalCapabilities: '2000F0A001' };

  it.each<[string, Case, string]>([
    ['AUC absent: no check', { card: { '5F28': ABROAD } }, NONE],
    ['valid everywhere (FF00)', { card: { '9F07': 'FF00', '5F28': HERE } }, NONE],
    ['not valid at terminals other than ATMs, at a merchant', { card: { '9F07': 'FE00', '5F28': HERE } }, SERVICE_NOT_ALLOWED],
    ['valid at ATMs only, at a merchant', { card: { '9F07': '0200' } }, SERVICE_NOT_ALLOWED],
    ['valid at ATMs, at an ATM (type 14 with cash)', { card: { '9F07': 'C200', '5F28': HERE }, request: cash, terminal: atm }, NONE],
    ['not valid at ATMs, at an ATM', { card: { '9F07': 'C100', '5F28': HERE }, request: cash, terminal: atm }, SERVICE_NOT_ALLOWED],
    ['type 14 without cash capability is no ATM', { card: { '9F07': '2900', '5F28': HERE }, terminal: { terminalType: 14, additionalTerminalCapabilities: '6000F0A001' } }, NONE],
    ['domestic cash, valid for domestic cash', { card: { '9F07': '8100', '5F28': HERE }, request: cash }, NONE],
    ['domestic cash, valid for international cash only', { card: { '9F07': '4100', '5F28': HERE }, request: cash }, SERVICE_NOT_ALLOWED],
    ['international cash, valid for international cash', { card: { '9F07': '4100', '5F28': ABROAD }, request: cash }, NONE],
    ['international cash, valid for domestic cash only', { card: { '9F07': '8100', '5F28': ABROAD }, request: cash }, SERVICE_NOT_ALLOWED],
    ['domestic purchase, a goods-and-services terminal, domestic services only', { card: { '9F07': '0900', '5F28': HERE } }, NONE],
    ['domestic purchase, international goods and services only', { card: { '9F07': '1500', '5F28': HERE } }, SERVICE_NOT_ALLOWED],
    ['international purchase, international goods only', { card: { '9F07': '1100', '5F28': ABROAD } }, NONE],
    ['international purchase, domestic goods and services only', { card: { '9F07': '2900', '5F28': ABROAD } }, SERVICE_NOT_ALLOWED],
    ['goods-only terminal (9F40 b7), domestic services only', { card: { '9F07': '0900', '5F28': HERE }, terminal: goodsOnly }, SERVICE_NOT_ALLOWED],
    ['services-only terminal (9F40 b6), domestic services only', { card: { '9F07': '0900', '5F28': HERE }, terminal: servicesOnly }, NONE],
    ['caller says goods, domestic services only', { card: { '9F07': '0900', '5F28': HERE }, options: { purchaseOf: 'goods' } }, SERVICE_NOT_ALLOWED],
    ['caller says services, domestic goods only', { card: { '9F07': '2100', '5F28': HERE }, options: { purchaseOf: 'services' } }, SERVICE_NOT_ALLOWED],
    ['domestic cashback allowed', { card: { '9F07': '2980', '5F28': HERE }, request: cashback }, NONE],
    ['domestic cashback, international cashback only', { card: { '9F07': '2940', '5F28': HERE }, request: cashback }, SERVICE_NOT_ALLOWED],
    ['international cashback allowed', { card: { '9F07': '1540', '5F28': ABROAD }, request: cashback }, NONE],
    ['international cashback, domestic cashback only', { card: { '9F07': '1580', '5F28': ABROAD }, request: cashback }, SERVICE_NOT_ALLOWED],
    ['no Issuer Country Code: only the ATM check', { card: { '9F07': '0100' }, request: cashback }, NONE],
    ['a refund needs no service bit', { card: { '9F07': '0100', '5F28': HERE }, request: refund }, NONE],
    ['an AUC of one byte has no cashback bit', { card: { '9F07': '29', '5F28': HERE }, request: cashback }, SERVICE_NOT_ALLOWED],
  ])('%s', (_name, testCase, tvr) => {
    expect(tvrAfter(testCase)).toBe(tvr);
  });
});

describe('application effective and expiration dates (Book 3 §10.4.3), today 2026-03-15', () => {
  it.each([
    ['expires in 2027', { '5F24': '271231' }, NONE],
    ['expires today', { '5F24': '260315' }, NONE],
    ['expired yesterday', { '5F24': '260314' }, EXPIRED],
    ['99 is 1999', { '5F24': '991231' }, EXPIRED],
    ['49 is 2049', { '5F24': '491231' }, NONE],
    ['an expiry that is no date', { '5F24': 'AABBCC' }, EXPIRED],
    ['effective today', { '5F25': '260315' }, NONE],
    ['effective tomorrow', { '5F25': '260316' }, NOT_YET_EFFECTIVE],
    ['an effective date that is no date (month 13)', { '5F25': '261301' }, NOT_YET_EFFECTIVE],
  ])('%s', (_name, card, tvr) => {
    expect(tvrAfter({ card })).toBe(tvr);
  });

  it('an application with no expiry date is treated as expired', () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    processingRestrictions(ctx);
    expect(ctx.tvr.names()).toEqual(['expiredApplication']);
  });

  it('terminal data is not card data: a 5F24 the card never gave does not count', () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    ctx.data.set('5F24', hex('271231'), 'terminal');
    processingRestrictions(ctx);
    expect(ctx.tvr.names()).toEqual(['expiredApplication']);
  });
});

it('sets every failing check’s bit and nothing else', () => {
  const tvr = tvrAfter({ card: { '9F08': '0001', '9F07': '8000', '5F28': ABROAD, '5F24': '250101', '5F25': '270101' } });
  expect(tvr).toBe('00F0000000');
});
