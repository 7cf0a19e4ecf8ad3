/**
 * The printer twin read against the ESC/POS Command Reference, with bytes
 * written here from the document's [Format] rows (never from our encoder):
 * receipts cut by cut, the modes each line printed in, wrapping, real-time
 * status from its state, paper out dropping what it is sent, and any byte
 * stream taken without a throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualEscposPrinter } from '../../../hw-mocks/escpos-printer/index.js';
import { everySplit } from '../framer-splits.js';

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const EOT = 0x04;
const LF = 0x0a;
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];

/** A receipt as the document spells it: ESC @, ESC t 19 (PC858), a centred emphasized double-size heading, a right-aligned total with € (D5h), GS V 66 0. */
const RECEIPT = Uint8Array.from([
  ...[ESC, 0x40],
  ...[ESC, 0x74, 19],
  ...[ESC, 0x61, 1, ESC, 0x45, 1, GS, 0x21, 0x11],
  ...ascii('SHOP'),
  LF,
  ...[ESC, 0x61, 2, ESC, 0x45, 0, GS, 0x21, 0x00],
  ...ascii('Total 5,00 '),
  0xd5,
  LF,
  ...[GS, 0x56, 66, 0],
]);

describe('the printer twin', () => {
  it('prints the lines with their modes and ends the receipt at the cut', () => {
    const printer = new VirtualEscposPrinter();
    printer.receive(RECEIPT);
    expect(printer.receipts()).toEqual([['SHOP', 'Total 5,00 €']]);
    expect(printer.printedReceipts()).toEqual([
      [
        { text: 'SHOP', bold: true, doubleWidth: true, doubleHeight: true, align: 'center' },
        { text: 'Total 5,00 €', bold: false, doubleWidth: false, doubleHeight: false, align: 'right' },
      ],
    ]);
    expect(printer.uncut()).toEqual([]);
  });

  it('reads the same receipt split at every offset and one byte at a time', () => {
    for (const chunks of everySplit(RECEIPT)) {
      const printer = new VirtualEscposPrinter();
      for (const chunk of chunks) printer.receive(chunk);
      expect(printer.receipts()).toEqual([['SHOP', 'Total 5,00 €']]);
    }
  });

  it('decodes each code page it is switched to with ESC t (Page 0 PC437, 2 PC850, 16 WPC1252, 19 PC858)', () => {
    const printer = new VirtualEscposPrinter();
    const line = (page: number, bytes: number[]) => [ESC, 0x74, page, ...bytes, LF];
    printer.receive(Uint8Array.from([...line(0, [0x82, 0x9c]), ...line(2, [0x82, 0xd5]), ...line(16, [0x80, 0xe9]), ...line(19, [0x82, 0xd5]), GS, 0x56, 1]));
    expect(printer.receipts()).toEqual([['é£', 'éı', '€é', 'é€']]);
  });

  it('wraps a line longer than the paper: 42 columns, 21 in double width', () => {
    const printer = new VirtualEscposPrinter({ columns: 42 });
    printer.receive(Uint8Array.from([...ascii('x'.repeat(50)), LF, GS, 0x21, 0x10, ...ascii('y'.repeat(25)), LF, GS, 0x21, 0, ...ascii('z'.repeat(42)), LF, GS, 0x56, 66, 0]));
    expect(printer.receipts()).toEqual([['x'.repeat(42), 'x'.repeat(8), 'y'.repeat(21), 'y'.repeat(4), 'z'.repeat(42)]]);
  });

  it('feeds blank lines with ESC d n, and ignores a cut that is not at the beginning of a line', () => {
    const printer = new VirtualEscposPrinter();
    printer.receive(Uint8Array.from([...ascii('a'), ESC, 0x64, 3, ...ascii('b'), GS, 0x56, 66, 0]));
    expect(printer.receipts()).toEqual([]);
    expect(printer.uncut().map((l) => l.text)).toEqual(['a', '', '']);
    expect(printer.ignoredCommands()).toEqual(['GS V (not at the beginning of a line)']);
    printer.receive(Uint8Array.from([LF, GS, 0x56, 49]));
    expect(printer.receipts()).toEqual([['a', '', '', 'b']]);
  });

  it('records an unknown command and skips it, as a printer ignores what it does not know', () => {
    const printer = new VirtualEscposPrinter();
    printer.receive(Uint8Array.from([ESC, 0x7a, ...ascii('AB'), 0x07, LF, ESC, 0x2d, 1, ...ascii('C'), LF, GS, 0x56, 1]));
    expect(printer.receipts()).toEqual([['AB', 'C']]);
    expect(printer.unknownCommands()).toEqual([{ bytes: [ESC, 0x7a] }, { bytes: [0x07] }]);
    expect(printer.ignoredCommands()).toEqual(['ESC -']);
  });

  describe('DLE EOT n, answered from its state as it arrives', () => {
    const ask = (printer: VirtualEscposPrinter, chunks: number[][]): number[] => {
      const answers: number[] = [];
      printer.onTransmit((bytes) => answers.push(...bytes));
      for (const chunk of chunks) printer.receive(Uint8Array.from(chunk));
      return answers;
    };
    const all = [DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4];

    it.each([
      ['ready', () => undefined, [0x12, 0x12, 0x12, 0x12]],
      ['paper out: off-line, paper-end stop, paper end and near end', (p: VirtualEscposPrinter) => p.paperOut(true), [0x1a, 0x32, 0x12, 0x7e]],
      ['paper near end: still on-line', (p: VirtualEscposPrinter) => p.paperNearEnd(true), [0x12, 0x12, 0x12, 0x1e]],
      ['cover open: off-line, cover open', (p: VirtualEscposPrinter) => p.coverOpen(true), [0x1a, 0x16, 0x12, 0x12]],
      ['off-line', (p: VirtualEscposPrinter) => p.goOffline(true), [0x1a, 0x12, 0x12, 0x12]],
    ])('%s', (_name, set, expected) => {
      const printer = new VirtualEscposPrinter();
      set(printer);
      expect(ask(printer, [all])).toEqual(expected);
    });

    it('split across chunks, and in the middle of text', () => {
      const printer = new VirtualEscposPrinter();
      expect(ask(printer, [[...ascii('ab'), DLE], [EOT], [1, ...ascii('c'), LF]])).toEqual([0x12]);
    });

    it('not at all when the link is one-way (answerStatus(false))', () => {
      const printer = new VirtualEscposPrinter();
      printer.answerStatus(false);
      expect(ask(printer, [all])).toEqual([]);
    });
  });

  it('out of paper, drops what it is sent; with paper back, prints the next job', () => {
    const printer = new VirtualEscposPrinter();
    printer.paperOut(true);
    printer.receive(RECEIPT);
    expect(printer.receipts()).toEqual([]);
    expect(printer.uncut()).toEqual([]);
    expect(printer.bytesDropped()).toBe(RECEIPT.length);
    printer.paperOut(false);
    printer.receive(RECEIPT);
    expect(printer.receipts()).toEqual([['SHOP', 'Total 5,00 €']]);
  });

  it('takes any byte stream without throwing, never printing a line wider than the paper (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), fc.constantFrom(32, 42, 48), (chunks, columns) => {
        const printer = new VirtualEscposPrinter({ columns });
        for (const chunk of chunks) printer.receive(chunk);
        for (const line of [...printer.printedReceipts().flat(), ...printer.uncut()]) {
          expect([...line.text].length).toBeLessThanOrEqual(columns);
        }
        expect(printer.unknownCommands().length).toBeLessThanOrEqual(64);
      }),
    );
  });
});
