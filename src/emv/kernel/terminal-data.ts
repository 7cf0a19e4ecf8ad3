/**
 * The terminal's side of the data store: the transaction's amounts, date,
 * type and unpredictable number, and the terminal's configured data objects,
 * in the formats Book 3 Annex A gives them, so a DOL can ask for any of them.
 * 95 (TVR) and 9B (TSI) are refreshed from the registers each time a DOL is
 * built, so a card always gets their current value.
 */
import { buildDolData } from '../dol.js';
import type { AidConfig, TerminalData } from './config.js';
import type { KernelContext, TransactionRequest } from './context.js';
import type { TransactionData } from './transaction-data.js';

/** n digits as packed BCD, left-padded with zeros (Book 3 §4.3 format n). */
export function bcd(value: number | string, bytes: number): Buffer {
  const digits = String(value).padStart(bytes * 2, '0');
  if (!/^\d+$/.test(digits) || digits.length > bytes * 2) throw new RangeError(`cannot encode ${digits.length} digits as n${bytes * 2}`);
  return Buffer.from(digits, 'hex');
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** Seeds the terminal's and the transaction's data objects (before application selection). */
export function seedTerminalData(data: TransactionData, terminal: TerminalData, request: TransactionRequest, now: Date, unpredictableNumber: Buffer): void {
  const date = `${twoDigits(now.getUTCFullYear() % 100)}${twoDigits(now.getUTCMonth() + 1)}${twoDigits(now.getUTCDate())}`;
  const time = `${twoDigits(now.getUTCHours())}${twoDigits(now.getUTCMinutes())}${twoDigits(now.getUTCSeconds())}`;
  const entries: [string, Buffer][] = [
    ['9F02', bcd(request.amountMinor, 6)],
    ['9F03', bcd(request.amountOtherMinor, 6)],
    ['5F2A', bcd(request.currency, 2)],
    ['5F36', bcd(request.currencyExponent, 1)],
    ['9C', bcd(request.transactionType.toString(16).padStart(2, '0'), 1)],
    ['9A', Buffer.from(date, 'hex')],
    ['9F21', Buffer.from(time, 'hex')],
    ['9F37', unpredictableNumber],
    ['9F1A', terminal.countryCode],
    ['9F33', terminal.terminalCapabilities],
    ['9F40', terminal.additionalTerminalCapabilities],
    ['9F35', bcd(terminal.terminalType, 1)],
    ['9F15', terminal.merchantCategoryCode],
    ['9F16', terminal.merchantIdentifier],
    ['9F1C', terminal.terminalIdentification],
    ['9F1E', terminal.ifdSerialNumber],
    ['95', Buffer.alloc(5)],
    ['9B', Buffer.alloc(2)],
  ];
  for (const [tag, value] of entries) data.set(tag, value, 'terminal');
}

/** The AID-specific terminal data, once an application is selected: 9F09 and 9F1B. */
export function seedAidData(data: TransactionData, aid: AidConfig): void {
  data.set('9F09', aid.applicationVersion, 'terminal');
  const floorLimit = Buffer.alloc(4);
  floorLimit.writeUInt32BE(Math.min(aid.floorLimitMinor, 0xffffffff));
  data.set('9F1B', floorLimit, 'terminal');
}

/** The DOL's data from the store, with 95 and 9B as they stand now (Book 3 §5.4). */
export function buildKernelDol(ctx: KernelContext, dol: Uint8Array): Buffer {
  ctx.data.set('95', ctx.tvr.bytes(), 'terminal');
  ctx.data.set('9B', ctx.tsi.bytes(), 'terminal');
  return buildDolData(dol, ctx.data.lookup);
}
