/**
 * The printer's side of ESC/POS: what each command byte sequence is, and
 * how many parameter bytes follow it, from Epson's "ESC/POS Command
 * Reference" (the command sections named at each row). Written from the
 * document, never from our driver: the twin must read what a TM printer
 * reads. A sequence not in the table is recorded as unknown and skipped
 * (ESC or GS and the byte after it): a printer ignores what it does not know.
 */

export const HT = 0x09; // horizontal tab
export const LF = 0x0a; // print and line feed
export const CR = 0x0d; // print and carriage return: ignored with auto line feed off
export const DLE = 0x10;
export const EOT = 0x04;
export const ENQ = 0x05;
export const DC4 = 0x14;
export const ESC = 0x1b;
export const GS = 0x1d;

export type Action =
  | { readonly kind: 'initialize' }
  | { readonly kind: 'code-table'; readonly n: number }
  | { readonly kind: 'emphasis'; readonly on: boolean }
  | { readonly kind: 'print-mode'; readonly n: number }
  | { readonly kind: 'character-size'; readonly n: number }
  | { readonly kind: 'justification'; readonly n: number }
  | { readonly kind: 'feed-lines'; readonly n: number }
  | { readonly kind: 'cut'; readonly partial: boolean }
  | { readonly kind: 'real-time-status'; readonly n: number }
  | { readonly kind: 'ignored'; readonly name: string };

export interface CommandSpec {
  readonly name: string;
  /** Parameter bytes after the two command bytes; a function when the first parameter decides. */
  readonly params: number | ((first: number) => number);
  readonly action: (params: readonly number[]) => Action;
}

const ignored = (name: string) => (): Action => ({ kind: 'ignored', name });
const p0 = (params: readonly number[]): number => params[0] ?? 0;

/** GS V: m = 0, 1, 48, 49 (function A) take no n; 65, 66, 97, 98, 103, 104 (functions B–D) take n. */
const cutParams = (m: number): number => ([65, 66, 97, 98, 103, 104].includes(m) ? 2 : 1);
const FULL_CUT_MODES = [0, 48, 65, 97, 103];

/** Two-byte command prefixes (ESC x, GS x, DLE x) → their spec. */
export const COMMANDS: ReadonlyMap<number, ReadonlyMap<number, CommandSpec>> = new Map([
  [
    ESC,
    new Map<number, CommandSpec>([
      [0x40, { name: 'ESC @', params: 0, action: () => ({ kind: 'initialize' }) }], // Initialize printer
      [0x74, { name: 'ESC t', params: 1, action: (p) => ({ kind: 'code-table', n: p0(p) }) }], // Select character code table
      [0x45, { name: 'ESC E', params: 1, action: (p) => ({ kind: 'emphasis', on: (p0(p) & 0x01) === 1 }) }], // Turn emphasized mode on/off: LSB
      [0x21, { name: 'ESC !', params: 1, action: (p) => ({ kind: 'print-mode', n: p0(p) }) }], // Select print mode(s)
      [0x61, { name: 'ESC a', params: 1, action: (p) => ({ kind: 'justification', n: p0(p) }) }], // Select justification
      [0x64, { name: 'ESC d', params: 1, action: (p) => ({ kind: 'feed-lines', n: p0(p) }) }], // Print and feed n lines
      [0x4a, { name: 'ESC J', params: 1, action: ignored('ESC J') }], // Print and feed paper (dots)
      [0x2d, { name: 'ESC -', params: 1, action: ignored('ESC -') }], // Underline mode
      [0x47, { name: 'ESC G', params: 1, action: ignored('ESC G') }], // Double-strike mode
      [0x4d, { name: 'ESC M', params: 1, action: ignored('ESC M') }], // Select character font
      [0x52, { name: 'ESC R', params: 1, action: ignored('ESC R') }], // Select an international character set
      [0x32, { name: 'ESC 2', params: 0, action: ignored('ESC 2') }], // Select default line spacing
      [0x33, { name: 'ESC 3', params: 1, action: ignored('ESC 3') }], // Set line spacing
      [0x20, { name: 'ESC SP', params: 1, action: ignored('ESC SP') }], // Set right-side character spacing
      [0x7b, { name: 'ESC {', params: 1, action: ignored('ESC {') }], // Upside-down print mode
      [0x70, { name: 'ESC p', params: 3, action: ignored('ESC p') }], // Generate pulse (cash drawer)
    ]),
  ],
  [
    GS,
    new Map<number, CommandSpec>([
      [0x21, { name: 'GS !', params: 1, action: (p) => ({ kind: 'character-size', n: p0(p) }) }], // Select character size
      [0x56, { name: 'GS V', params: cutParams, action: (p) => ({ kind: 'cut', partial: !FULL_CUT_MODES.includes(p0(p)) }) }], // Select cut mode and cut paper
      [0x42, { name: 'GS B', params: 1, action: ignored('GS B') }], // White/black reverse print mode
      [0x4c, { name: 'GS L', params: 2, action: ignored('GS L') }], // Set left margin
      [0x57, { name: 'GS W', params: 2, action: ignored('GS W') }], // Set print area width
      [0x61, { name: 'GS a', params: 1, action: ignored('GS a') }], // Enable/disable Automatic Status Back
    ]),
  ],
  [
    DLE,
    new Map<number, CommandSpec>([
      [EOT, { name: 'DLE EOT', params: 1, action: (p) => ({ kind: 'real-time-status', n: p0(p) }) }], // Transmit real-time status
      [ENQ, { name: 'DLE ENQ', params: 1, action: ignored('DLE ENQ') }], // Send real-time request to printer
      [DC4, { name: 'DLE DC4', params: 3, action: ignored('DLE DC4') }], // Execute real-time request (fn 1: pulse)
    ]),
  ],
]);

/** ESC t n → the code page the twin decodes text with (the document's "Character Code Tables"). */
export const CODE_TABLES: Readonly<Record<number, string>> = {
  0: 'pc437',
  2: 'pc850',
  16: 'wpc1252',
  19: 'pc858',
};
