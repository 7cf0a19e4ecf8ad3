/** The host's book across simulator lives: a reversal that reached a later life undoes its original in an earlier one, nothing else. */
import { describe, expect, it } from 'vitest';
import { combineLives } from '../../bench/crash/host-book.js';
import type { LedgerEntry } from '../../bench/crash/host-sim.js';

function entry(mti: string, stan: string, fields: Partial<LedgerEntry> = {}): LedgerEntry {
  return { mti, terminalId: 'T0000001', stan, transmissionDateTime: '1124141435', maskedPan: null, amountMinor: 100, currency: '978', kind: 'purchase', responseCode: '00', reversed: false, heldMinor: null, capturedMinor: null, completed: false, originalStan: null, ...fields };
}

describe('combineLives', () => {
  it('keeps every entry, oldest life first, and applies a later reversal (answered 25 by the life that forgot) to its original', () => {
    const first = [entry('0200', '000001'), entry('0200', '000002')];
    const second = [entry('0400', '000002', { responseCode: '25' }), entry('0200', '000003')];
    const book = combineLives([first, second]);
    expect(book.map((e) => `${e.mti}/${e.stan}/${e.reversed}`)).toEqual(['0200/000001/false', '0200/000002/true', '0400/000002/false', '0200/000003/false']);
  });

  it('does not apply a reversal the host refused (30), one from another terminal, or one in an earlier life', () => {
    const book = combineLives([
      [entry('0400', '000004')],
      [entry('0200', '000001'), entry('0200', '000002'), entry('0200', '000004')],
      [entry('0401', '000001', { responseCode: '30' }), entry('0400', '000002', { terminalId: 'T0000002' })],
    ]);
    expect(book.filter((e) => e.mti === '0200').map((e) => e.reversed)).toEqual([false, false, false]);
  });

  it('keeps what a life reversed itself', () => {
    const book = combineLives([[entry('0200', '000001', { reversed: true })], []]);
    expect(book[0]?.reversed).toBe(true);
  });

  it('takes an increment reversed by a later life off the hold it raised, while that still holds', () => {
    const held = entry('0100', '000001', { kind: 'preauth', amountMinor: 300, heldMinor: 450 });
    const raise = entry('0100', '000002', { kind: 'incremental', amountMinor: 150, originalStan: '000001' });
    const reversal = entry('0400', '000009', { originalStan: '000002', responseCode: '25', kind: null });
    const book = combineLives([[held, raise], [reversal]]);
    expect(book.slice(0, 2).map((e) => [e.kind, e.reversed, e.heldMinor])).toEqual([
      ['preauth', false, 300],
      ['incremental', true, null],
    ]);
    // A completed hold was captured as it stood: nothing to take off.
    const completed = combineLives([[{ ...held, heldMinor: 0, completed: true }, raise], [reversal]]);
    expect(completed[0]?.heldMinor).toBe(0);
  });

  it('applies a later reversal naming its original in DE 90 to a completion advice, and frees a reversed hold', () => {
    const book = combineLives([
      [entry('0100', '000001', { kind: 'preauth', heldMinor: 100 }), entry('0220', '000002', { kind: 'completion', capturedMinor: 80 })],
      [entry('0400', '000009', { originalStan: '000001', responseCode: '25' }), entry('0420', '000009', { originalStan: '000002', responseCode: '25' })],
    ]);
    expect(book.slice(0, 2).map((e) => [e.reversed, e.heldMinor])).toEqual([
      [true, 0],
      [true, null],
    ]);
  });
});
