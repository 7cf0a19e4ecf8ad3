/**
 * The ESC/POS commands a receipt needs, as one table (Epson "ESC/POS Command
 * Reference"; sections named at each row), and a print job rendered with
 * them. Another printer dialect would be another table of the same shape.
 *
 *   job:  [ESC @][ESC t n]  then a line:  [ESC a n][ESC E n][GS ! n][text…][LF]  …
 *         then [GS V 66 0] (feed to the cutter, partial cut) or [ESC d 3] (feed, no cut)
 *
 * Every line states its alignment, emphasis and size, so a line never
 * inherits the one before it, and a job starts from ESC @ (the printer's
 * power-on modes), so it never inherits the job before it.
 */
import type { LineAlign, PrintJob, PrintLine } from '../../src/devices/printer.js';
import { CODE_PAGES, encodeText, type CodePageName } from './code-pages.js';

export const LF = 0x0a; // line feed: print the buffer and feed one line
export const DLE = 0x10; // data link escape: starts a real-time command
export const EOT = 0x04; // end of transmission: DLE EOT, real-time status
export const ESC = 0x1b; // escape
export const GS = 0x1d; // group separator

/** ESC a n: 0 left, 1 centred, 2 right. */
const JUSTIFICATION: Readonly<Record<LineAlign, number>> = { left: 0, center: 1, right: 2 };

/** GS ! n: bits 0–3 the height multiple − 1, bits 4–7 the width multiple − 1; 0x11 is double width and height. */
const NORMAL_SIZE = 0x00;
const DOUBLE_SIZE = 0x11;

/** GS V m n, m = 66: feed to the cutting position + n × vertical motion unit, then a partial cut (one point left uncut). */
const FEED_AND_PARTIAL_CUT = 66;

/** Lines fed after a job that is not cut, so its last line clears the print head and can be read. */
export const FEED_LINES_WITHOUT_CUT = 3;

export const ESCPOS = {
  /** ESC @ "Initialize printer": the modes at power-on, buffer cleared. */
  initialize: () => [ESC, 0x40],
  /** ESC t n "Select character code table". */
  selectCodePage: (page: CodePageName) => [ESC, 0x74, CODE_PAGES[page].escT],
  /** ESC E n "Turn emphasized mode on/off": bit 0 of n. */
  emphasis: (on: boolean) => [ESC, 0x45, on ? 1 : 0],
  /** GS ! n "Select character size". */
  characterSize: (double: boolean) => [GS, 0x21, double ? DOUBLE_SIZE : NORMAL_SIZE],
  /** ESC a n "Select justification". */
  justification: (align: LineAlign) => [ESC, 0x61, JUSTIFICATION[align]],
  /** ESC d n "Print and feed n lines". */
  printAndFeedLines: (lines: number) => [ESC, 0x64, lines],
  /** GS V 66 n "Select cut mode and cut paper", function B: feed, then partial cut. */
  feedAndPartialCut: (extraFeed = 0) => [GS, 0x56, FEED_AND_PARTIAL_CUT, extraFeed],
  /** DLE EOT n "Transmit real-time status": 1 printer, 2 off-line cause, 3 error cause, 4 roll paper sensor. */
  transmitStatus: (n: StatusRequest) => [DLE, EOT, n],
} as const satisfies Readonly<Record<string, (...args: never[]) => number[]>>;

export type StatusRequest = 1 | 2 | 3 | 4;

export interface JobFormat {
  readonly codePage: CodePageName;
}

/** One line: its modes, its text in the code page, LF. */
export function encodeLine(line: PrintLine, codePage: CodePageName): Buffer {
  return Buffer.concat([
    Buffer.from([...ESCPOS.justification(line.align ?? 'left'), ...ESCPOS.emphasis(line.bold ?? false), ...ESCPOS.characterSize(line.doubleSize ?? false)]),
    encodeText(line.text, codePage),
    Buffer.from([LF]),
  ]);
}

/** The whole job as the bytes sent to the printer. */
export function encodeJob(job: PrintJob, { codePage }: JobFormat): Buffer {
  const end = job.cut ? ESCPOS.feedAndPartialCut() : ESCPOS.printAndFeedLines(FEED_LINES_WITHOUT_CUT);
  return Buffer.concat([Buffer.from([...ESCPOS.initialize(), ...ESCPOS.selectCodePage(codePage)]), ...job.lines.map((line) => encodeLine(line, codePage)), Buffer.from(end)]);
}
