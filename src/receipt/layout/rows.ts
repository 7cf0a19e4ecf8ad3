/**
 * The receipt's layout as data: the rows in the order they print, each
 * naming the fact it shows (`ReceiptFacts`) and how; a row whose fact is
 * absent prints nothing. `widths.ts` says what changes with the paper.
 *
 *   merchant name, address            centered, the name bold (double size when it fits)
 *   DUPLICATE                         a reprint
 *   type                              SALE, REFUND, PRE-AUTH, COMPLETION, VOID SALE … (double size)
 *   TID MID, DATE TIME                side by side where the paper allows
 *   card: PAN, brand and entry mode
 *   chip: AID, APP, TVR TSI, ARC, the cryptogram
 *   AMOUNT, TIP, CASHBACK, TOTAL      TOTAL bold (double size when it fits)
 *   CVM, signature line               the line on the merchant copy of an approved signature receipt
 *   AUTH CODE, RRN, STAN
 *   result, its reason                APPROVED, DECLINED, VOIDED …
 *   MERCHANT COPY / CUSTOMER COPY, DUPLICATE, footer
 */
import type { ReceiptFacts } from '../receipt-facts.js';

type Fact = (f: ReceiptFacts) => string | null;

export type Row =
  /** Centered. */
  | { readonly row: 'heading'; readonly fact: Fact; readonly bold?: true; readonly doubleSize?: true }
  /** Each centered on its own line. */
  | { readonly row: 'lines'; readonly facts: (f: ReceiptFacts) => readonly string[] }
  /** Left-aligned. */
  | { readonly row: 'text'; readonly fact: Fact; readonly bold?: true }
  /** `LABEL      value`. */
  | { readonly row: 'pair'; readonly label: string; readonly fact: Fact; readonly bold?: true; readonly doubleSize?: true }
  /** Two short pairs, side by side when the width's layout allows and they fit. */
  | { readonly row: 'pairs'; readonly first: readonly [string, Fact]; readonly second: readonly [string, Fact] }
  | { readonly row: 'rule' }
  | { readonly row: 'blank' }
  /** Room to sign, then a line, when `signatureLine`. */
  | { readonly row: 'signature' };

const chip = (pick: (c: NonNullable<ReceiptFacts['chip']>) => string | null): Fact => (f) => (f.chip === null ? null : pick(f.chip));

export const RECEIPT_ROWS: readonly Row[] = [
  { row: 'heading', fact: (f) => f.merchantName, bold: true, doubleSize: true },
  { row: 'lines', facts: (f) => f.addressLines },
  { row: 'heading', fact: (f) => (f.duplicate ? '*** DUPLICATE ***' : null), bold: true },
  { row: 'rule' },
  { row: 'heading', fact: (f) => f.type, bold: true, doubleSize: true },
  { row: 'pairs', first: ['TID', (f) => f.terminalId], second: ['MID', (f) => f.merchantId] },
  { row: 'pairs', first: ['DATE', (f) => f.date], second: ['TIME', (f) => f.time] },
  { row: 'rule' },
  { row: 'text', fact: (f) => f.pan },
  { row: 'pairs', first: ['', (f) => f.brand], second: ['', (f) => f.entryMode] },
  { row: 'pair', label: 'AID', fact: chip((c) => c.aid) },
  { row: 'pair', label: 'APP', fact: chip((c) => c.label) },
  { row: 'pairs', first: ['TVR', chip((c) => c.tvr)], second: ['TSI', chip((c) => c.tsi)] },
  { row: 'pair', label: 'ARC', fact: chip((c) => c.arc) },
  { row: 'pair', label: 'AC', fact: chip((c) => (c.cryptogram === null ? null : `${c.cryptogramType ?? ''} ${c.cryptogram}`.trim())) },
  { row: 'rule' },
  { row: 'pair', label: 'AMOUNT', fact: (f) => f.amounts.amount },
  { row: 'pair', label: 'TIP', fact: (f) => f.amounts.tip },
  { row: 'pair', label: 'CASHBACK', fact: (f) => f.amounts.cashback },
  { row: 'pair', label: 'TOTAL', fact: (f) => f.amounts.total, bold: true, doubleSize: true },
  { row: 'rule' },
  { row: 'heading', fact: (f) => f.cvm },
  { row: 'signature' },
  { row: 'pair', label: 'AUTH CODE', fact: (f) => f.authCode },
  { row: 'pair', label: 'RRN', fact: (f) => f.rrn },
  { row: 'pair', label: 'STAN', fact: (f) => f.stan },
  { row: 'blank' },
  { row: 'heading', fact: (f) => f.result, bold: true, doubleSize: true },
  { row: 'heading', fact: (f) => f.resultDetail },
  { row: 'heading', fact: (f) => (f.offline ? 'OFFLINE APPROVAL' : null) },
  { row: 'blank' },
  { row: 'heading', fact: (f) => f.copyText, bold: true },
  { row: 'heading', fact: (f) => (f.duplicate ? '*** DUPLICATE ***' : null), bold: true },
  { row: 'lines', facts: (f) => f.footer },
];
