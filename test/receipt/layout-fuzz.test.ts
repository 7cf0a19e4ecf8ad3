/**
 * Any journal row the terminal could hold (and some it could not: long
 * labels, control characters, emoji, huge amounts, unknown currencies) lays
 * out at every width with no line wider than the paper, double size within
 * half of it, the same lines twice, and never more of a PAN than the row's
 * last four on the customer copy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EmvSummary } from '../../src/devices/card-reader.js';
import { renderReceipt } from '../../src/receipt/layout/render.js';
import type { MerchantSettings } from '../../src/receipt/merchant.js';
import { receiptText } from '../../src/receipt/text.js';
import type { JournalEntry } from '../../src/txn/journal/index.js';
import { entry, MERCHANT } from './receipt-fixtures.js';

const text = fc.string({ unit: 'binary', maxLength: 80 });
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 0, maxLength: n });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const emv: fc.Arbitrary<EmvSummary> = fc.record(
  {
    aid: hex(40),
    applicationLabel: text,
    tvr: hex(12),
    tsi: hex(6),
    cvmResults: fc.oneof(hex(6), text),
    odaMethod: fc.constantFrom('cda', 'dda', 'sda', 'none'),
    cryptogram: hex(20),
    cryptogramType: fc.constantFrom('AAC', 'TC', 'ARQC'),
    atc: hex(4),
  },
  { requiredKeys: ['aid', 'tvr', 'tsi', 'odaMethod'] },
);

const row: fc.Arbitrary<JournalEntry> = fc
  .record({
    kind: fc.constantFrom('purchase', 'refund', 'preauth', 'completion', 'tip-adjust'),
    outcome: fc.constantFrom('approved', 'declined', 'cancelled', 'failed'),
    amountMinor: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    tipMinor: fc.nat(),
    cashbackMinor: fc.nat(),
    currency: fc.oneof(fc.constantFrom('978', '392', '414', '840'), fc.string({ maxLength: 5 })),
    voidedAt: nullable(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString())),
    entryMode: nullable(fc.constantFrom('swipe', 'chip', 'contactless', 'contactless-magstripe', 'fallback', 'manual')),
    brand: nullable(fc.constantFrom('visa', 'mastercard', 'amex', 'unknown')),
    maskedPan: nullable(fc.oneof(fc.stringMatching(/^[0-9]{6}\*{2,9}[0-9]{4}$/), text)),
    responseCode: nullable(text),
    authCode: nullable(text),
    rrn: nullable(text),
    stan: nullable(text),
    reason: nullable(text),
    offline: fc.boolean(),
    emv: nullable(emv),
    endedAt: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
  })
  .map((fields) => entry(fields as Partial<JournalEntry>));

const merchant: fc.Arbitrary<MerchantSettings> = fc.record({
  merchantName: text.filter((t) => t.length > 0),
  addressLines: fc.array(text, { maxLength: 6 }),
  footer: fc.array(text, { maxLength: 8 }),
  terminalId: text,
  merchantId: text,
  timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns'),
});

/** A control character or half a surrogate pair: nothing a printer should get. */
const unprintable = (ch: string): boolean => {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff);
};

describe('any journal row lays out within the paper', () => {
  it('keeps every line within the width (double size within half), printable, and the same twice', () => {
    fc.assert(
      fc.property(row, merchant, fc.constantFrom(32, 42, 48), fc.constantFrom('merchant', 'customer'), fc.boolean(), (e, m, width, copy, duplicate) => {
        const lines = renderReceipt(e, m, { copy, duplicate, width });
        for (const line of lines) {
          expect(line.text.length).toBeLessThanOrEqual(line.doubleSize === true ? Math.floor(width / 2) : width);
          expect([...line.text].filter(unprintable)).toEqual([]);
        }
        for (const textLine of receiptText(lines, width).split('\n')) expect(textLine.length).toBeLessThanOrEqual(width);
        expect(renderReceipt(e, m, { copy, duplicate, width })).toEqual(lines);
      }),
      { numRuns: 400 },
    );
  });

  it('shows the customer no digit of the PAN but the last four', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{13,19}$/), fc.constantFrom(32, 42, 48), (pan, width) => {
        const masked = `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
        const render = (maskedPan: string | null) => JSON.stringify(renderReceipt(entry({ maskedPan, authCode: null, rrn: null, stan: null, emv: null }), MERCHANT, { copy: 'customer', width }));
        // Digits the receipt prints anyway (the ids, the date) are no leak.
        fc.pre(!render(null).includes(pan.slice(0, 6)));
        const bytes = render(masked);
        expect(bytes).toContain(`**** **** **** ${pan.slice(-4)}`);
        expect(bytes).not.toContain(pan.slice(0, 6));
      }),
      { numRuns: 200 },
    );
  });
});
