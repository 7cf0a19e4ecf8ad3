/**
 * The encoder's bytes against Epson's "ESC/POS Command Reference": each
 * command's [Format] (ASCII / Hex) and its program examples, built from the
 * document's own rows rather than from the encoder.
 */
import { describe, expect, it } from 'vitest';
import { CODE_PAGES, encodeJob, encodeText, ESCPOS } from '../../../drivers/escpos-printer/index.js';

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const EOT = 0x04;
const LF = 0x0a;

describe('ESC/POS commands (ESC/POS Command Reference, [Format] Hex)', () => {
  it.each([
    ['ESC @ "Initialize printer": 1B 40', ESCPOS.initialize(), [ESC, 0x40]],
    ['ESC t n "Select character code table", Page 19 (PC858): 1B 74 13', ESCPOS.selectCodePage('pc858'), [ESC, 0x74, 19]],
    ['ESC t n, Page 16 (WPC1252): 1B 74 10', ESCPOS.selectCodePage('wpc1252'), [ESC, 0x74, 16]],
    ['ESC t n, Page 2 (PC850): 1B 74 02', ESCPOS.selectCodePage('pc850'), [ESC, 0x74, 2]],
    ['ESC t n, Page 0 (PC437): 1B 74 00', ESCPOS.selectCodePage('pc437'), [ESC, 0x74, 0]],
    ['ESC E n "Turn emphasized mode on": 1B 45 01', ESCPOS.emphasis(true), [ESC, 0x45, 1]],
    ['ESC E n "Turn emphasized mode off": 1B 45 00', ESCPOS.emphasis(false), [ESC, 0x45, 0]],
    ['GS ! n "Select character size", width ×2 (Table 1: 10h) + height ×2 (Table 2: 01h): 1D 21 11', ESCPOS.characterSize(true), [GS, 0x21, 0x11]],
    ['GS ! n, normal (00h): 1D 21 00', ESCPOS.characterSize(false), [GS, 0x21, 0x00]],
    ['ESC a n "Select justification", left (n = 0): 1B 61 00', ESCPOS.justification('left'), [ESC, 0x61, 0]],
    ['ESC a n, centering (n = 1): 1B 61 01', ESCPOS.justification('center'), [ESC, 0x61, 1]],
    ['ESC a n, right (n = 2): 1B 61 02', ESCPOS.justification('right'), [ESC, 0x61, 2]],
    ['ESC d n "Print and feed n lines", n = 3: 1B 64 03', ESCPOS.printAndFeedLines(3), [ESC, 0x64, 3]],
    // GS V program example: PRINT #1, CHR$(&H1D);"V";CHR$(66);CHR$(0)  ← "Feed paper and cut" (partial cut).
    ['GS V m n "Select cut mode and cut paper", function B m = 66, n = 0 (program example): 1D 56 42 00', ESCPOS.feedAndPartialCut(), [GS, 0x56, 66, 0]],
    ['DLE EOT n "Transmit real-time status", n = 1 printer status: 10 04 01', ESCPOS.transmitStatus(1), [DLE, EOT, 1]],
    ['DLE EOT n, n = 2 off-line status: 10 04 02', ESCPOS.transmitStatus(2), [DLE, EOT, 2]],
    ['DLE EOT n, n = 3 error status: 10 04 03', ESCPOS.transmitStatus(3), [DLE, EOT, 3]],
    ['DLE EOT n, n = 4 roll paper sensor status: 10 04 04', ESCPOS.transmitStatus(4), [DLE, EOT, 4]],
  ])('%s', (_name, bytes, expected) => {
    expect(bytes).toEqual(expected);
  });
});

describe('text in the code page', () => {
  it.each([
    // PC858 chart: € at D5h, é at 82h; PC850 has ı (dotless i) at D5h and no euro.
    ['pc858', 'Total 12,50 € café', [...Buffer.from('Total 12,50 '), 0xd5, ...Buffer.from(' caf'), 0x82]],
    ['pc850', '€ é', [0x3f, 0x20, 0x82]],
    ['pc437', '€ é £', [0x3f, 0x20, 0x82, 0x20, 0x9c]],
    // WPC1252: € at 80h, é at E9h.
    ['wpc1252', '€ é', [0x80, 0x20, 0xe9]],
  ] as const)('%s: %s', (page, text, bytes) => {
    expect([...encodeText(text, page)]).toEqual(bytes);
  });

  it('composes a decomposed accent first (e + U+0301 prints as é)', () => {
    expect([...encodeText('cafe\u0301', 'pc858')]).toEqual([0x63, 0x61, 0x66, 0x82]);
  });

  it('prints control characters and unmapped characters as "?", so text never becomes a command', () => {
    expect([...encodeText('a\x1b@b\x1dV\n✓', 'pc858')]).toEqual([0x61, 0x3f, 0x40, 0x62, 0x3f, 0x56, 0x3f, 0x3f]);
  });

  it('each page table is 128 characters, the upper half 80h–FFh', () => {
    for (const page of Object.values(CODE_PAGES)) expect([...page.upper]).toHaveLength(128);
  });
});

describe('a job', () => {
  it('initialises, selects the code page, states each line\'s modes, and ends with feed-and-partial-cut', () => {
    const bytes = encodeJob(
      {
        lines: [
          { text: 'SHOP', align: 'center', bold: true, doubleSize: true },
          { text: 'Total 5,00 €', align: 'right' },
        ],
        cut: true,
      },
      { codePage: 'pc858' },
    );
    expect([...bytes]).toEqual([
      ...[ESC, 0x40], // ESC @
      ...[ESC, 0x74, 19], // ESC t 19
      ...[ESC, 0x61, 1, ESC, 0x45, 1, GS, 0x21, 0x11],
      ...Buffer.from('SHOP'),
      LF,
      ...[ESC, 0x61, 2, ESC, 0x45, 0, GS, 0x21, 0x00],
      ...Buffer.from('Total 5,00 '),
      0xd5,
      LF,
      ...[GS, 0x56, 66, 0], // GS V 66 0
    ]);
  });

  it('without a cut, feeds three lines instead (ESC d 3)', () => {
    const bytes = encodeJob({ lines: [{ text: 'x' }], cut: false }, { codePage: 'pc437' });
    expect([...bytes.subarray(-3)]).toEqual([ESC, 0x64, 3]);
    expect(bytes.includes(Buffer.from([GS, 0x56]))).toBe(false);
  });
});
