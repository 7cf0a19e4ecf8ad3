/**
 * What one copy of a receipt says, worked out from a journal row and the
 * merchant settings only — never from the engine's memory — so a reprint
 * after a restart says exactly what the first print said. The layout
 * (`layout/`) decides where each fact goes at a paper width.
 *
 * Card data: the merchant copy shows the journal's masked PAN (first six and
 * last four at most); the customer copy the last four only. A masked PAN that
 * shows more than ten digits (not this software's) prints as last four too.
 */
import type { CardBrand } from '../card/types.js';
import type { EntryMode } from '../devices/card-reader.js';
import type { JournalEntry, JournalKind } from '../txn/journal/index.js';
import { PosError } from '../util/errors.js';
import { formatAmount } from '../util/iso4217.js';
import { cvmWords } from './cvm.js';
import type { MerchantSettings } from './merchant.js';

export type ReceiptCopy = 'merchant' | 'customer';

export interface ReceiptOptions {
  readonly copy: ReceiptCopy;
  /** A reprint (or a job that may have printed already): marked DUPLICATE. */
  readonly duplicate?: boolean;
}

/** The merchant's lines and ids as configured (the time zone is spent on `date` and `time`). */
export interface ReceiptFacts extends Omit<MerchantSettings, 'timeZone'> {
  readonly date: string;
  readonly time: string;
  /** SALE, REFUND, PRE-AUTH, COMPLETION, TIP ADJUST; VOID … for a voided one. */
  readonly type: string;
  readonly pan: string | null;
  readonly brand: string | null;
  readonly entryMode: string | null;
  readonly chip: ChipFacts | null;
  readonly amounts: AmountFacts;
  readonly cvm: string | null;
  /** The merchant copy of an approved receipt whose CVM is a signature. */
  readonly signatureLine: boolean;
  readonly authCode: string | null;
  readonly rrn: string | null;
  readonly stan: string | null;
  /** APPROVED, DECLINED, VOIDED, CANCELLED, NOT COMPLETED. */
  readonly result: string;
  /** Why, for a decline or a failure: the response code and the reason shown. */
  readonly resultDetail: string | null;
  readonly offline: boolean;
  readonly copyText: 'MERCHANT COPY' | 'CUSTOMER COPY';
  readonly duplicate: boolean;
}

export interface ChipFacts {
  readonly aid: string;
  readonly label: string | null;
  readonly tvr: string;
  readonly tsi: string;
  /** The authorisation response code (DE 39 as the card was given it). */
  readonly arc: string | null;
  /** `ARQC`, `TC` or `AAC`, and its value. */
  readonly cryptogramType: string | null;
  readonly cryptogram: string | null;
}

export interface AmountFacts {
  /** The goods: the whole amount less tip and cashback; shown when there is a tip or cashback. */
  readonly amount: string | null;
  readonly tip: string | null;
  readonly cashback: string | null;
  readonly total: string;
}

const TYPE_WORDS: Readonly<Record<JournalKind, string>> = {
  purchase: 'SALE',
  refund: 'REFUND',
  preauth: 'PRE-AUTH',
  completion: 'COMPLETION',
  'tip-adjust': 'TIP ADJUST',
  incremental: 'INCREMENT',
};

const ENTRY_WORDS: Readonly<Record<EntryMode, string>> = {
  swipe: 'SWIPE',
  chip: 'CHIP',
  contactless: 'CONTACTLESS',
  'contactless-magstripe': 'CONTACTLESS',
  fallback: 'FALLBACK',
  manual: 'MANUAL',
};

/** The most digits a masked PAN may show (PCI DSS 3.4: first six, last four). */
const MAX_SHOWN_DIGITS = 10;

/** `RECEIPT_TXN_RUNNING` for a row whose outcome the register has not been told yet. */
export function receiptFacts(entry: JournalEntry, merchant: MerchantSettings, options: ReceiptOptions): ReceiptFacts {
  if (entry.outcome === null) {
    throw new PosError('RECEIPT_TXN_RUNNING', 'The transaction has not ended: no receipt yet', { id: entry.id, state: entry.state });
  }
  const voided = entry.voidedAt !== null;
  const approved = entry.outcome === 'approved' && !voided;
  const cvm = cvmWords(entry.emv?.cvmResults, entry.entryMode, entry.outcome === 'approved', entry.onlinePin);
  const at = dateTime(entry.endedAt ?? entry.createdAt, merchant.timeZone);
  return {
    merchantName: merchant.merchantName,
    addressLines: merchant.addressLines.slice(0, 4),
    footer: merchant.footer,
    terminalId: merchant.terminalId,
    merchantId: merchant.merchantId,
    date: at.date,
    time: at.time,
    type: voided ? `VOID ${TYPE_WORDS[entry.kind]}` : TYPE_WORDS[entry.kind],
    pan: panFor(entry.maskedPan, options.copy),
    brand: brandWords(entry.brand),
    entryMode: entry.entryMode === null ? null : ENTRY_WORDS[entry.entryMode],
    chip: chipFacts(entry),
    amounts: amountFacts(entry),
    cvm: cvm.text,
    signatureLine: cvm.signature && approved && options.copy === 'merchant',
    authCode: entry.authCode,
    rrn: entry.rrn,
    stan: entry.stan,
    ...resultOf(entry),
    offline: entry.offline && approved,
    copyText: options.copy === 'merchant' ? 'MERCHANT COPY' : 'CUSTOMER COPY',
    duplicate: options.duplicate === true,
  };
}

/** The customer's copy: `**** **** **** 1234`; the merchant's: the journal's masked PAN, unless it shows too much. */
export function panFor(maskedPan: string | null, copy: ReceiptCopy): string | null {
  if (maskedPan === null) return null;
  const digits = maskedPan.replace(/[^0-9]/g, '');
  const lastFour = /[0-9]{4}$/.exec(maskedPan)?.[0];
  const customer = lastFour === undefined ? '****' : `**** **** **** ${lastFour}`;
  if (copy === 'customer' || digits.length > MAX_SHOWN_DIGITS || !/^[0-9*]+$/.test(maskedPan)) return customer;
  return maskedPan;
}

function brandWords(brand: CardBrand | null): string | null {
  return brand === null || brand === 'unknown' ? null : brand.toUpperCase();
}

function chipFacts(entry: JournalEntry): ChipFacts | null {
  const emv = entry.emv;
  if (emv === null) return null;
  return {
    aid: emv.aid,
    label: emv.applicationLabel ?? null,
    tvr: emv.tvr,
    tsi: emv.tsi,
    arc: entry.responseCode,
    cryptogramType: emv.cryptogramType ?? null,
    cryptogram: emv.cryptogram ?? null,
  };
}

function amountFacts(entry: JournalEntry): AmountFacts {
  const money = (minor: number): string => formatAmount(minor, entry.currency);
  const extras = entry.tipMinor > 0 || entry.cashbackMinor > 0;
  return {
    amount: extras ? money(entry.amountMinor - entry.tipMinor - entry.cashbackMinor) : null,
    tip: entry.tipMinor > 0 ? money(entry.tipMinor) : null,
    cashback: entry.cashbackMinor > 0 ? money(entry.cashbackMinor) : null,
    total: money(entry.amountMinor),
  };
}

function resultOf(entry: JournalEntry): { result: string; resultDetail: string | null } {
  if (entry.voidedAt !== null) return { result: 'VOIDED', resultDetail: null };
  const why = [entry.responseCode, entry.reason?.toUpperCase() ?? null].filter((part) => part !== null && part !== '').join(' ');
  switch (entry.outcome) {
    case 'approved':
      return { result: 'APPROVED', resultDetail: null };
    case 'declined':
      return { result: 'DECLINED', resultDetail: why === '' ? null : why };
    case 'cancelled':
      return { result: 'CANCELLED', resultDetail: null };
    case 'failed':
    case null:
      return { result: 'NOT COMPLETED', resultDetail: why === '' ? null : why };
  }
}

/** `YYYY-MM-DD` and `HH:MM:SS` in `timeZone` (a fixed zone: the same row prints the same anywhere). */
function dateTime(iso: string, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${part('year')}-${part('month')}-${part('day')}`, time: `${part('hour')}:${part('minute')}:${part('second')}` };
}
