/**
 * The receipt layout at 32, 42 and 48 columns against expected text
 * (`expected/<case>.<copy>.<width>.txt`: written once from the layout,
 * read line by line against the issue, and kept; the test never rewrites
 * them), the emphasis the printer gets, the CVM words of EMV Book 3
 * Annex C3, and a reprint that is the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cvmWords } from '../../src/receipt/cvm.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import { receiptWidthFor } from '../../src/receipt/layout/widths.js';
import { effectiveAutoPrint } from '../../src/receipt/merchant.js';
import { autoPrintCopies } from '../../src/receipt/receipt-desk.js';
import { receiptText } from '../../src/receipt/text.js';
import { CASES, entry, MERCHANT } from './receipt-fixtures.js';
import { thrown } from '../pos-error.js';

const EXPECTED = join(import.meta.dirname, 'expected');
const WIDTHS = [32, 42, 48] as const;
const COPIES = ['merchant', 'customer'] as const;

const expected = (name: string, copy: string, width: number): string => readFileSync(join(EXPECTED, `${name.replace(/ /g, '-')}.${copy}.${width}.txt`), 'utf8');
const text = (name: string, copy: 'merchant' | 'customer', width: number): string => receiptText(renderReceipt(CASES[name] ?? entry(), MERCHANT, { copy, width }), width);

describe('receipt layout against expected text', () => {
  const rows = Object.keys(CASES).flatMap((name) => WIDTHS.flatMap((width) => COPIES.map((copy) => [name, copy, width] as const)));
  it.each(rows)('%s, %s copy, %i columns', (name, copy, width) => {
    expect(text(name, copy, width)).toBe(expected(name, copy, width));
  });

  it('says what each case is about where the case is about it', () => {
    expect(text('chip purchase with PIN', 'merchant', 32)).toContain('\n          PIN VERIFIED\n');
    expect(text('contactless with no CVM', 'merchant', 42)).toMatch(/\n +NO CVM\n/);
    expect(text('contactless on a phone', 'customer', 48)).toMatch(/\n +DEVICE VERIFIED\n/);
    expect(text('swipe with signature', 'merchant', 32)).toContain('\nX_______________________________\n      CARDHOLDER SIGNATURE\n');
    expect(text('swipe with signature', 'customer', 32)).not.toContain('X___');
    expect(text('refund', 'customer', 32)).toContain('\n             REFUND\n');
    expect(text('voided purchase', 'customer', 42)).toMatch(/\n +VOID SALE\n[^]*\n +VOIDED\n/);
    expect(text('declined purchase', 'merchant', 32)).toContain('\n            DECLINED\n     51 INSUFFICIENT FUNDS\n');
    expect(text('declined purchase', 'merchant', 32)).not.toContain('AUTH CODE');
    const tipped = text('purchase with tip and cashback', 'customer', 32);
    expect(tipped).toContain('AMOUNT                 12.50 EUR\nTIP                     5.00 EUR\nCASHBACK               50.00 EUR\nTOTAL                  67.50 EUR\n');
  });

  it('gives the printer its emphasis: the name and total double size when they fit, the result bold', () => {
    const lines = renderReceipt(entry(), MERCHANT, { copy: 'customer', width: 32 });
    expect(lines[0]).toEqual({ text: 'CORNER SHOP', align: 'center', bold: true, doubleSize: true });
    expect(lines.find((l) => l.text.startsWith('TOTAL'))).toEqual({ text: 'TOTAL  12.50 EUR', align: 'left', bold: true, doubleSize: true });
    expect(lines.find((l) => l.text === 'APPROVED')).toEqual({ text: 'APPROVED', align: 'center', bold: true, doubleSize: true });
    // Too long for half the paper: normal size, still bold.
    const long = renderReceipt(entry({ amountMinor: 123_456_789_00 }), MERCHANT, { copy: 'customer', width: 32 });
    expect(long.find((l) => l.text.startsWith('TOTAL'))).toEqual({ text: 'TOTAL           123456789.00 EUR', align: 'left', bold: true });
  });

  it('says OFFLINE APPROVAL under an offline approval only', () => {
    const offline = receiptText(renderReceipt(entry({ offline: true, responseCode: 'Y3', rrn: null }), MERCHANT, { copy: 'customer', width: 32 }), 32);
    expect(offline).toContain('\n            APPROVED\n        OFFLINE APPROVAL\n');
    const voided = receiptText(renderReceipt(entry({ offline: true, voidedAt: '2025-03-01T10:05:00.000Z' }), MERCHANT, { copy: 'customer', width: 32 }), 32);
    expect(voided).not.toContain('OFFLINE');
  });

  it('marks a reprint DUPLICATE at the head and the foot', () => {
    const reprint = receiptText(renderReceipt(entry(), MERCHANT, { copy: 'customer', duplicate: true, width: 42 }), 42);
    expect(reprint.match(/\*\*\* DUPLICATE \*\*\*/g)).toHaveLength(2);
    expect(text('chip purchase with PIN', 'customer', 42)).not.toContain('DUPLICATE');
  });

  it('renders the same row twice to the same bytes, whatever the process time zone', () => {
    const first = JSON.stringify(renderReceipt(entry(), MERCHANT, { copy: 'merchant', width: 48 }));
    const zone = process.env['TZ'];
    process.env['TZ'] = 'Pacific/Kiritimati';
    try {
      expect(JSON.stringify(renderReceipt(entry(), MERCHANT, { copy: 'merchant', width: 48 }))).toBe(first);
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  it('prints the date and time in the merchant time zone', () => {
    const berlin = receiptText(renderReceipt(entry(), { ...MERCHANT, timeZone: 'Europe/Berlin' }, { copy: 'customer', width: 42 }), 42);
    expect(berlin).toContain('DATE 2025-03-01              TIME 11:00:05');
  });

  it('formats amounts with the currency minor unit (JPY none, KWD three)', () => {
    expect(text('chip purchase with PIN', 'customer', 32)).toContain('12.50 EUR');
    const yen = receiptText(renderReceipt(entry({ currency: '392', amountMinor: 1250 }), MERCHANT, { copy: 'customer', width: 32 }), 32);
    expect(yen).toContain('TOTAL                   1250 JPY');
    const dinar = receiptText(renderReceipt(entry({ currency: '414', amountMinor: 1250 }), MERCHANT, { copy: 'customer', width: 32 }), 32);
    expect(dinar).toContain('TOTAL                  1.250 KWD');
  });

  it('refuses a transaction that has not ended, and a width it has no layout for', () => {
    const running = thrown(() => renderReceipt(entry({ outcome: null, state: 'request-sent', endedAt: null }), MERCHANT, { copy: 'customer', width: 32 }));
    expect(running.code).toBe('RECEIPT_TXN_RUNNING');
    expect(running.details).toEqual({ id: 'txn-0001', state: 'request-sent' });
    expect(thrown(() => renderReceipt(entry(), MERCHANT, { copy: 'customer', width: 40 })).details).toEqual({ width: 40 });
    expect(receiptWidthFor(40)).toBe(32);
    expect(receiptWidthFor(42)).toBe(42);
    expect(receiptWidthFor(64)).toBe(48);
  });
});

describe('card data on the receipt', () => {
  const FULL_PAN = '4761739001010119';
  const TRACK = `;${FULL_PAN}=29122011000000000000?`;

  it('shows the customer the last four only, the merchant the masked PAN, in the bytes rendered', () => {
    for (const width of WIDTHS) {
      const customer = JSON.stringify(renderReceipt(entry(), MERCHANT, { copy: 'customer', width }));
      expect(customer).toContain('**** **** **** 0119');
      expect(customer).not.toContain('476173');
      const merchant = JSON.stringify(renderReceipt(entry(), MERCHANT, { copy: 'merchant', width }));
      expect(merchant).toContain('476173******0119');
      for (const bytes of [customer, merchant]) {
        expect(bytes.replace(/[^0-9]/g, ' ')).not.toContain(FULL_PAN);
        expect(bytes).not.toContain('=2912');
      }
    }
  });

  it('prints no more than the last four of a row whose masked PAN shows too much (a full PAN, a track)', () => {
    for (const maskedPan of [FULL_PAN, TRACK, '476173900101****', '4761 7390 0101 0119']) {
      for (const copy of COPIES) {
        const bytes = JSON.stringify(renderReceipt(entry({ maskedPan }), MERCHANT, { copy, width: 48 }));
        expect(bytes).not.toContain('47617390');
        expect(bytes).not.toContain('2912201');
      }
    }
    const fromTrack = receiptText(renderReceipt(entry({ maskedPan: FULL_PAN }), MERCHANT, { copy: 'merchant', width: 32 }), 32);
    expect(fromTrack).toContain('\n**** **** **** 0119\n');
  });
});

describe('CVM in words from 9F34 (EMV Book 3 Annex C3)', () => {
  it.each([
    ['420300', 'chip', true, 'PIN VERIFIED', false], // 02: enciphered PIN verified online, approved
    ['420300', 'chip', false, 'PIN ENTERED', false],
    ['410302', 'chip', true, 'PIN VERIFIED', false], // 01: plaintext PIN by ICC
    ['440302', 'chip', true, 'PIN VERIFIED', false], // 04: enciphered PIN by ICC
    ['430302', 'chip', true, 'PIN VERIFIED + SIGNATURE', true], // 03: PIN by ICC and signature
    ['1E0300', 'chip', true, 'SIGNATURE', true],
    ['5E0000', 'chip', true, 'SIGNATURE', true], // b7 (apply next) ignored
    ['1F0302', 'chip', true, 'NO CVM', false],
    ['3F0000', 'contactless', true, 'NO CVM', false], // no CVM performed
    ['010002', 'contactless', true, 'DEVICE VERIFIED', false], // consumer device CVM (Book C-2)
    ['410301', 'chip', true, 'CVM FAILED', false], // result 01: failed
    ['000000', 'chip', true, 'CVM FAILED', false], // 00: fail CVM processing
    ['250000', 'chip', true, null, false], // a payment system's own method: nothing claimed
  ] as const)('%s (%s, approved %s) → %s', (cvmResults, mode, approved, words, signature) => {
    expect(cvmWords(cvmResults, mode, approved)).toEqual({ text: words, signature });
  });

  it('takes the signature as the CVM of a stripe with no chip data, and claims nothing for a chip read without 9F34', () => {
    expect(cvmWords(undefined, 'swipe', true)).toEqual({ text: 'SIGNATURE', signature: true });
    expect(cvmWords(undefined, 'fallback', true)).toEqual({ text: 'SIGNATURE', signature: true });
    expect(cvmWords(undefined, 'chip', true)).toEqual({ text: null, signature: false });
    expect(cvmWords('zz', 'chip', true)).toEqual({ text: null, signature: false });
  });

  it('takes a PIN the request carried as the CVM of a stripe: no line to sign', () => {
    expect(cvmWords(undefined, 'swipe', true, true)).toEqual({ text: 'PIN VERIFIED', signature: false });
    expect(cvmWords(undefined, 'fallback', false, true)).toEqual({ text: 'PIN ENTERED', signature: false });
    // The kernel's own account wins where there is one.
    expect(cvmWords('1E0302', 'chip', true, true)).toEqual({ text: 'SIGNATURE', signature: true });
    const swipedWithPin = entry({ entryMode: 'swipe', emv: null, onlinePin: true });
    expect(autoPrintCopies('customer', swipedWithPin)).toEqual(['customer']);
    const merchantCopy = receiptText(renderReceipt(swipedWithPin, MERCHANT, { copy: 'merchant', width: 32 }), 32);
    expect(merchantCopy).toContain('\n          PIN VERIFIED\n');
    expect(merchantCopy).not.toContain('X___');
  });
});

describe('automatic copies', () => {
  it('prints the customer copy when a printer is configured and autoPrint is left out', () => {
    expect(effectiveAutoPrint(undefined, true)).toBe('customer');
    expect(effectiveAutoPrint(undefined, false)).toBe('none');
    expect(effectiveAutoPrint('both', false)).toBe('none');
    expect(effectiveAutoPrint('merchant', true)).toBe('merchant');
  });

  it('adds the merchant copy to sign first, prints declines, and nothing for a cancel or a row without a card', () => {
    expect(autoPrintCopies('customer', CASES['chip purchase with PIN'] ?? entry())).toEqual(['customer']);
    expect(autoPrintCopies('customer', CASES['swipe with signature'] ?? entry())).toEqual(['merchant', 'customer']);
    expect(autoPrintCopies('customer', CASES['declined purchase'] ?? entry())).toEqual(['customer']);
    expect(autoPrintCopies('both', entry())).toEqual(['merchant', 'customer']);
    expect(autoPrintCopies('customer', entry({ outcome: 'cancelled', state: 'cancelled' }))).toEqual([]);
    expect(autoPrintCopies('customer', entry({ outcome: 'failed', state: 'failed', maskedPan: null }))).toEqual([]);
    expect(autoPrintCopies('none', entry())).toEqual([]);
    expect(autoPrintCopies('both', entry({ kind: 'tip-adjust', originalId: 'txn-0000' }))).toEqual([]);
  });
});
