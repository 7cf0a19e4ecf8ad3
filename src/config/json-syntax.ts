/**
 * Where a text stops being JSON (RFC 8259), for an error message that points
 * at the spot without quoting it: `JSON.parse`'s own message often repeats
 * the text ("Unexpected token 'x', "…" is not valid JSON"), and a config file
 * may hold a path or a secret that must not reach a log.
 *
 * A recognizer only: it builds no value. It accepts exactly what `JSON.parse`
 * accepts (a property test holds the two together).
 */

export interface JsonSyntaxError {
  /** Offset in UTF-16 code units of the text, as `JSON.parse` counts. */
  readonly offset: number;
  /** 1-based line and column of that offset (a column counts code units). */
  readonly line: number;
  readonly column: number;
  /** What was expected there, in a few words, never a character of the text. */
  readonly expected: string;
}

const MAX_DEPTH = 10_000;

class Stop extends Error {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {
    super(expected);
  }
}

/** The first place `text` is not JSON, or `null` when it is. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let at = 0;
  const stop = (expected: string): never => {
    throw new Stop(at, expected);
  };
  const space = () => {
    for (let c = text.charCodeAt(at); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++at));
  };
  const digits = (what: string) => {
    const start = at;
    while (at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at++;
    if (at === start) stop(what);
  };
  const word = (w: string) => {
    for (const ch of w) {
      if (text[at] !== ch) stop(`"${w}"`);
      at++;
    }
  };
  const string = () => {
    at++; // the opening quote
    for (;;) {
      if (at >= text.length) stop('the closing quote of a string');
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        at++;
        return;
      }
      if (c < 0x20) stop('no control character inside a string');
      if (c === 0x5c) {
        at++;
        const e = text[at];
        if (e === 'u') {
          at++;
          for (let i = 0; i < 4; i++, at++) if (!/^[0-9a-fA-F]$/.test(text[at] ?? '')) stop('four hex digits after \\u');
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) at++;
        else stop('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u');
      } else at++;
    }
  };
  const number = () => {
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else digits('a digit');
    if (text[at] === '.') {
      at++;
      digits('a digit after the decimal point');
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      digits('a digit in the exponent');
    }
  };
  /** The members of an object or the elements of an array, its opening bracket read: each read by `member`, then ',' or `close`. */
  const members = (close: '}' | ']', member: () => void): void => {
    space();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      member();
      space();
      if (text[at] === ',') {
        at++;
        continue;
      }
      if (text[at] === close) {
        at++;
        return;
      }
      stop(`',' or '${close}'`);
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) stop('less nesting');
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      return members('}', () => {
        space();
        if (text[at] !== '"') stop('a property name in double quotes');
        string();
        space();
        if (text[at] !== ':') stop("':' after a property name");
        at++;
        value(depth + 1);
      });
    }
    if (c === '[') {
      at++;
      return members(']', () => value(depth + 1));
    }
    if (c === '"') return string();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    stop(at >= text.length ? 'a value before the end of the file' : 'a value');
  };

  try {
    value(0);
    space();
    if (at < text.length) stop('nothing after the value');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const offset = Math.min(err.at, text.length);
    const before = text.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { offset, line: before.split('\n').length, column: offset - lineStart + 1, expected: err.expected };
  }
}
