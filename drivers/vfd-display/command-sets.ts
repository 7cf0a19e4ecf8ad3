/**
 * Customer-display command sets, one table each: another dialect is another
 * table of the same shape.
 *
 * - `cd5220`: the CD5220 standard mode (Logic Controls / Boca-style pole
 *   displays; "CD5220 VFD Customer Display User's Manual", §6.1 "CD5220
 *   standard mode command list").
 * - `epson`: Epson ESC/POS customer display commands (DM-D series; "ESC/POS
 *   Application Programming Guide — Customer Display", commands ESC @, CLR,
 *   US $, US X, US MD1, US C, US @, ESC t).
 *
 * Each line is written as: move the cursor to column 1 of the row, then 20
 * characters (overwrite mode, so nothing scrolls):
 *
 *   cd5220: [ESC 'l' 0x01 row][20 chars]      epson: [US '$' 0x01 row][20 chars]
 */

export const ESC = 0x1b; // escape: starts a command
export const US = 0x1f; // unit separator: starts an Epson display command
export const CLR = 0x0c; // form feed: clear the display
export const NUL = 0x00;

export const VFD_COLUMNS = 20;
export const VFD_ROWS = 2;

export type BrightnessLevel = 1 | 2 | 3 | 4;

export interface VfdCommandSet {
  readonly name: string;
  /** ESC @: reset to power-on state. */
  readonly initialize: readonly number[];
  /** Overwrite mode: the cursor wraps, nothing scrolls. */
  readonly overwriteMode: readonly number[];
  readonly cursorOff: readonly number[];
  readonly clear: readonly number[];
  /** Column 1–20, row 1–2. */
  readonly moveTo: (column: number, row: number) => number[];
  readonly brightness: (level: BrightnessLevel) => number[];
  /** The device's own self test, where the command set has one. */
  readonly selfTest?: readonly number[];
  /** Selects the character table `characters` maps into. */
  readonly selectCodePage: readonly number[];
  /** Non-ASCII characters → byte in the selected table (0x80–0xFF). Anything else non-ASCII shows as `?`. */
  readonly characters: Readonly<Record<string, number>>;
}

/** Code page 437's upper half, the characters a customer display is likely to need. */
const PC437: Readonly<Record<string, number>> = {
  Ç: 0x80,
  ü: 0x81,
  é: 0x82,
  â: 0x83,
  ä: 0x84,
  à: 0x85,
  å: 0x86,
  ç: 0x87,
  ê: 0x88,
  ë: 0x89,
  è: 0x8a,
  ï: 0x8b,
  î: 0x8c,
  ì: 0x8d,
  Ä: 0x8e,
  Å: 0x8f,
  É: 0x90,
  ô: 0x93,
  ö: 0x94,
  ò: 0x95,
  û: 0x96,
  ù: 0x97,
  Ö: 0x99,
  Ü: 0x9a,
  '£': 0x9c,
  '¥': 0x9d,
  á: 0xa0,
  í: 0xa1,
  ó: 0xa2,
  ú: 0xa3,
  ñ: 0xa4,
  Ñ: 0xa5,
  ß: 0xe1,
};

/** Code page 858: 437's letters plus the euro sign (at 0xD5). */
const PC858: Readonly<Record<string, number>> = { ...PC437, '€': 0xd5 };

export const CD5220: VfdCommandSet = {
  name: 'cd5220',
  initialize: [ESC, 0x40], // ESC @
  overwriteMode: [ESC, 0x11], // ESC DC1
  cursorOff: [ESC, 0x5f, 0x00], // ESC _ 0
  clear: [CLR],
  moveTo: (column, row) => [ESC, 0x6c, column, row], // ESC l x y
  brightness: (level) => [ESC, 0x2a, level], // ESC * n, 1–4
  selectCodePage: [ESC, 0x66, 0x55], // ESC f 'U': USA character set; upper half per the unit's ROM (PC437 on common units)
  characters: PC437,
};

export const EPSON: VfdCommandSet = {
  name: 'epson',
  initialize: [ESC, 0x40], // ESC @
  overwriteMode: [US, 0x01], // US MD1
  cursorOff: [US, 0x43, 0x00], // US C 0
  clear: [CLR],
  moveTo: (column, row) => [US, 0x24, column, row], // US $ x y
  brightness: (level) => [US, 0x58, level], // US X n, 1–4
  selfTest: [US, 0x40], // US @
  selectCodePage: [ESC, 0x74, 0x13], // ESC t 19: PC858 (euro)
  characters: PC858,
};

export const VFD_COMMAND_SETS = { cd5220: CD5220, epson: EPSON } as const;
export type VfdEmulation = keyof typeof VFD_COMMAND_SETS;
