/**
 * The screen model (`src/display/screens.ts`) on a 20×2 customer display:
 * which text goes on which line, centring, truncation, amount formatting with
 * the currency's exponent (`formatAmount`), and the bytes for a command set.
 * Pure: no I/O.
 *
 *   line 1: the prompt            "     APPROVED       "
 *   line 2: the amount, or the reason for a declined/cancelled/failed screen
 *           that has one          "     12.34 EUR      "
 */
import type { Screen, ScreenKind } from '../../src/devices/display.js';
import { formatAmount } from '../../src/util/iso4217.js';
import { VFD_COLUMNS, type VfdCommandSet } from './command-sets.js';

const QUESTION_MARK = 0x3f; // '?': what an unmappable character shows as
const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;

/** What the second line shows, per screen kind. */
const SECOND_LINE: Readonly<Record<ScreenKind, 'amount' | 'reason-first'>> = {
  idle: 'amount',
  'present-card': 'amount',
  'enter-tip': 'amount',
  'enter-pin': 'amount',
  processing: 'amount',
  approved: 'amount',
  declined: 'reason-first',
  cancelled: 'reason-first',
  failed: 'reason-first',
  message: 'reason-first',
};

/** The two lines, centred and cut to `columns`. */
export function screenLines(screen: Screen, columns = VFD_COLUMNS): [string, string] {
  const amount = screen.amount ? formatAmount(screen.amount.minor, screen.amount.currency) : undefined;
  const second = SECOND_LINE[screen.kind] === 'reason-first' ? (screen.reason ?? amount ?? '') : (amount ?? screen.reason ?? '');
  return [centre(screen.prompt, columns), centre(second, columns)];
}

export function centre(text: string, columns = VFD_COLUMNS): string {
  const chars = [...text.trim()].slice(0, columns);
  const left = Math.floor((columns - chars.length) / 2);
  return (' '.repeat(left) + chars.join('')).padEnd(columns, ' ');
}

/** One line as display bytes: ASCII as is, table characters mapped, anything else `?`. */
export function encodeLine(text: string, set: VfdCommandSet, columns = VFD_COLUMNS): Buffer {
  const out = Buffer.alloc(columns, 0x20);
  let i = 0;
  for (const ch of text) {
    if (i >= columns) break;
    const code = ch.codePointAt(0) ?? QUESTION_MARK;
    out[i++] = code >= PRINTABLE_FIRST && code <= PRINTABLE_LAST ? code : (set.characters[ch] ?? QUESTION_MARK);
  }
  return out;
}

/** The bytes that put two lines on the display: cursor to row 1, line, cursor to row 2, line. */
export function renderLines(lines: readonly [string, string], set: VfdCommandSet, columns = VFD_COLUMNS): Buffer {
  return Buffer.concat([
    Buffer.from(set.moveTo(1, 1)),
    encodeLine(lines[0], set, columns),
    Buffer.from(set.moveTo(1, 2)),
    encodeLine(lines[1], set, columns),
  ]);
}

export function renderScreen(screen: Screen, set: VfdCommandSet, columns = VFD_COLUMNS): Buffer {
  return renderLines(screenLines(screen, columns), set, columns);
}

/** Sent once when the display is opened: reset, overwrite mode, cursor off, character table, brightness, blank. */
export function initSequence(set: VfdCommandSet, brightness: 1 | 2 | 3 | 4): Buffer {
  return Buffer.from([...set.initialize, ...set.overwriteMode, ...set.cursorOff, ...set.selectCodePage, ...set.brightness(brightness), ...set.clear]);
}
