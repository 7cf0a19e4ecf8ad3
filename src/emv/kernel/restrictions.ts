/**
 * Processing restrictions, EMV 4.4 Book 3 §10.4: is this application
 * allowed here, now, for this transaction? Nothing terminates; each failed
 * check sets its TVR bit and terminal action analysis decides (Annex C5):
 *
 * | Book 3  | check                                   | TVR bit                                  |
 * | ------- | --------------------------------------- | ---------------------------------------- |
 * | §10.4.1 | 9F08 present and not equal to 9F09      | 2.8 different application versions       |
 * | §10.4.2 | AUC (9F07) against terminal, transaction | 2.5 requested service not allowed        |
 * | §10.4.3 | today before 5F25                       | 2.6 application not yet effective        |
 * | §10.4.3 | today after 5F24                        | 2.7 expired application                  |
 *
 * Application Usage Control, when the card has it: an ATM (Terminal Type
 * 14, 15 or 16 with the cash capability in 9F40 byte 1 b8, Book 4 Annex A1)
 * needs "valid at ATMs", any other terminal "valid at terminals other than
 * ATMs". When the card also has its Issuer Country Code (5F28), the
 * transaction is domestic if 5F28 equals the Terminal Country Code (9F1A),
 * international otherwise, and needs:
 * - cash (9C 01): valid for domestic / international cash;
 * - goods or services (9C 00 and 09): valid for domestic / international
 *   goods, or services. Transaction Type 00 does not tell the two apart: the
 *   caller may say which; otherwise a terminal that sells only goods or only
 *   services (9F40 byte 1 b7, b6) checks that one, and one that sells both
 *   accepts either bit;
 * - a cashback amount (9F03 > 0): domestic / international cashback allowed.
 *
 * Dates are YYMMDD, years 00–49 being 20YY (Book 3 Annex A); "today" is the
 * terminal's clock in UTC, as 9A is. A date that is no date fails its check,
 * and so does a missing expiry date (read application data has already
 * refused both): the card cannot prove the application is in its period.
 */
import { parseDate } from '../interpret/values.js';
import { TRANSACTION_TYPE, type KernelContext } from './context.js';

export type PurchaseOf = 'goods' | 'services';

export interface RestrictionOptions {
  /** What a purchase (9C 00, 09) buys, when the terminal knows; see the header. */
  readonly purchaseOf?: PurchaseOf;
}

/** Application Usage Control bits (Book 3 Annex C2): [byte, mask]. */
const AUC = {
  domesticCash: [0, 0x80],
  internationalCash: [0, 0x40],
  domesticGoods: [0, 0x20],
  internationalGoods: [0, 0x10],
  domesticServices: [0, 0x08],
  internationalServices: [0, 0x04],
  atms: [0, 0x02],
  otherThanAtms: [0, 0x01],
  domesticCashback: [1, 0x80],
  internationalCashback: [1, 0x40],
} as const satisfies Record<string, readonly [number, number]>;
type AucBit = keyof typeof AUC;

/** Additional Terminal Capabilities byte 1 (Book 4 Annex A3). */
const ATC_CASH = 0x80;
const ATC_GOODS = 0x40;
const ATC_SERVICES = 0x20;
/** Terminal Types that are ATMs when they dispense cash (Book 4 Annex A1). */
const ATM_TERMINAL_TYPES: readonly number[] = [14, 15, 16];

export function processingRestrictions(ctx: KernelContext, options: RestrictionOptions = {}): void {
  checkApplicationVersion(ctx);
  checkUsageControl(ctx, options);
  checkDates(ctx);
}

/** §10.4.1: an absent 9F08 is taken as compatible. */
function checkApplicationVersion(ctx: KernelContext): void {
  const card = cardValue(ctx, '9F08');
  if (card !== undefined && !card.equals(ctx.aid.applicationVersion)) ctx.tvr.set('differentApplicationVersions');
}

/** §10.4.2. */
function checkUsageControl(ctx: KernelContext, options: RestrictionOptions): void {
  const auc = cardValue(ctx, '9F07');
  if (auc === undefined) return;
  const allows = (bit: AucBit): boolean => {
    const [byte, mask] = AUC[bit];
    return ((auc[byte] ?? 0) & mask) !== 0;
  };
  const terminal = ctx.config.terminal;
  const capabilities = terminal.additionalTerminalCapabilities[0] ?? 0;
  const atm = ATM_TERMINAL_TYPES.includes(terminal.terminalType) && (capabilities & ATC_CASH) !== 0;
  let allowed = atm ? allows('atms') : allows('otherThanAtms');

  const issuerCountry = cardValue(ctx, '5F28');
  if (issuerCountry !== undefined) {
    const domestic = issuerCountry.equals(terminal.countryCode);
    const { transactionType, amountOtherMinor } = ctx.request;
    if (transactionType === TRANSACTION_TYPE.cash) {
      allowed &&= allows(domestic ? 'domesticCash' : 'internationalCash');
    }
    if (transactionType === TRANSACTION_TYPE.purchase || transactionType === TRANSACTION_TYPE.purchaseWithCashback) {
      const goods = allows(domestic ? 'domesticGoods' : 'internationalGoods');
      const services = allows(domestic ? 'domesticServices' : 'internationalServices');
      switch (options.purchaseOf ?? purchaseOfTerminal(capabilities)) {
        case 'goods':
          allowed &&= goods;
          break;
        case 'services':
          allowed &&= services;
          break;
        case 'either':
          allowed &&= goods || services;
          break;
      }
    }
    if (amountOtherMinor > 0) allowed &&= allows(domestic ? 'domesticCashback' : 'internationalCashback');
  }
  if (!allowed) ctx.tvr.set('serviceNotAllowed');
}

/** What a purchase buys, from the terminal's own capabilities (9F40 byte 1 b7 goods, b6 services). */
function purchaseOfTerminal(capabilities: number): PurchaseOf | 'either' {
  const goods = (capabilities & ATC_GOODS) !== 0;
  const services = (capabilities & ATC_SERVICES) !== 0;
  if (goods && !services) return 'goods';
  if (services && !goods) return 'services';
  return 'either';
}

/** §10.4.3. */
function checkDates(ctx: KernelContext): void {
  const today = ctx.env.now().toISOString().slice(0, 10);
  const effective = cardValue(ctx, '5F25');
  if (effective !== undefined) {
    const date = parseDate(effective)?.date;
    if (date === undefined || today < date) ctx.tvr.set('applicationNotYetEffective');
  }
  const expiry = cardValue(ctx, '5F24');
  const date = expiry === undefined ? undefined : parseDate(expiry)?.date;
  if (date === undefined || today > date) ctx.tvr.set('expiredApplication');
}

function cardValue(ctx: KernelContext, tag: string): Buffer | undefined {
  return ctx.data.sourceOf(tag) === 'card' ? ctx.data.get(tag) : undefined;
}
