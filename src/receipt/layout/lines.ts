/**
 * Receipt line primitives that can never overflow the paper: every line they
 * return is at most `columns` characters (half that in double size); a value
 * too long for its line wraps onto lines of its own, a heading too long for
 * double size prints normal size, and text is cleaned to printable
 * characters first (control characters become spaces; a character outside
 * the Basic Multilingual Plane, which no receipt code page has, becomes `?`),
 * so a character is one column and one UTF-16 unit.
 */
import type { LineAlign, PrintLine } from '../../devices/printer.js';

export interface Emphasis {
  readonly bold?: boolean;
  /** Wanted; given only when the text fits in half the columns. */
  readonly doubleSize?: boolean;
}

/** Printable text of one column a character. */
export function clean(text: string): string {
  return Array.from(text.normalize('NFC'), (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return ' ';
    return code > 0xffff ? '?' : ch;
  }).join('');
}

/** Splits at spaces where it can, else hard, into pieces of at most `width`. */
export function wrap(text: string, width: number): string[] {
  const words = clean(text).trim().split(/ +/).filter((w) => w !== '');
  const out: string[] = [];
  let line = '';
  for (const word of words) {
    for (let rest = word; rest !== ''; ) {
      const room = line === '' ? width : width - line.length - 1;
      if (rest.length <= room) {
        line = line === '' ? rest : `${line} ${rest}`;
        rest = '';
      } else if (line !== '') {
        out.push(line);
        line = '';
      } else {
        out.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
  }
  if (line !== '') out.push(line);
  return out;
}

/** Centered text, wrapped; double size only when every piece fits in half the columns. */
export function centered(text: string, columns: number, emphasis: Emphasis = {}): PrintLine[] {
  const half = Math.floor(columns / 2);
  const big = emphasis.doubleSize === true && clean(text).trim().length <= half;
  return wrap(text, big ? half : columns).map((piece) => styled({ text: piece, align: 'center' }, emphasis.bold === true, big));
}

/** Left-aligned text, wrapped. */
export function left(text: string, columns: number, emphasis: Emphasis = {}): PrintLine[] {
  return wrap(text, columns).map((piece) => styled({ text: piece, align: 'left' }, emphasis.bold === true, false));
}

/**
 * `LABEL        value` on one line when both fit with a space between;
 * otherwise the label, then the value right-aligned on lines of its own.
 */
export function pair(label: string, value: string, columns: number, emphasis: Emphasis = {}): PrintLine[] {
  const l = clean(label).trim();
  const v = clean(value).trim();
  const bold = emphasis.bold === true;
  const half = Math.floor(columns / 2);
  if (emphasis.doubleSize === true && l.length + 1 + v.length <= half) {
    return [styled({ text: l + ' '.repeat(half - l.length - v.length) + v, align: 'left' }, bold, true)];
  }
  if (l.length + 1 + v.length <= columns) return [styled({ text: l + ' '.repeat(columns - l.length - v.length) + v, align: 'left' }, bold, false)];
  return [...wrap(l, columns).map((t) => styled({ text: t, align: 'left' }, bold, false)), ...wrap(v, columns).map((t) => styled({ text: t, align: 'right' }, bold, false))];
}

/** Two short pairs side by side when both fit with two spaces between, else one under the other. */
export function pairs(first: readonly [string, string], second: readonly [string, string], columns: number): PrintLine[] {
  const a = labelled(first[0], first[1]);
  const b = labelled(second[0], second[1]);
  if (a.length + 2 + b.length <= columns) return [{ text: a + ' '.repeat(columns - a.length - b.length) + b, align: 'left' }];
  return [...pair(first[0], first[1], columns), ...pair(second[0], second[1], columns)];
}

/** `LABEL value`, or the value alone for an empty label. */
function labelled(label: string, value: string): string {
  const l = clean(label).trim();
  const v = clean(value).trim();
  return l === '' ? v : `${l} ${v}`;
}

export function rule(columns: number, char = '-'): PrintLine {
  return { text: char.repeat(columns), align: 'left' };
}

export const BLANK: PrintLine = { text: '', align: 'left' };

function styled(line: { readonly text: string; readonly align: LineAlign }, bold: boolean, doubleSize: boolean): PrintLine {
  return { ...line, ...(bold ? { bold: true } : {}), ...(doubleSize ? { doubleSize: true } : {}) };
}
