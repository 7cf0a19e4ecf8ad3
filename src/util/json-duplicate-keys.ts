/**
 * Finds a key named twice in one JSON object (RFC 8259 §4: names "SHOULD be
 * unique"; `JSON.parse` silently keeps the last). Two readers of the same
 * body could otherwise disagree on what it says — the validator sees one
 * `amount`, a log or a proxy another — so the ECR API refuses such a body.
 *
 * It scans text that `JSON.parse` has already accepted: it only tracks
 * strings (to find keys and skip their content) and the nesting of objects
 * and arrays. Keys are compared after decoding their escapes, so `"a"` and
 * `"\u0061"` are the same key. On text that is not JSON it still ends, and
 * answers about what it could make out.
 */

/** Where the second occurrence of a key starts. */
export interface DuplicateKey {
  /** UTF-16 offset of the key's opening quote in the text. */
  readonly offset: number;
  /** How many objects/arrays enclose it (1: the top-level object). */
  readonly depth: number;
}

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const COMMA = 0x2c; // ,

/** An open object (its keys so far, and whether the next string is a key) or an open array (null). */
type Frame = { readonly keys: Set<string>; expectKey: boolean } | null;

/** The first key repeated within one object, or null when every object's keys are distinct. */
export function findDuplicateKey(text: string): DuplicateKey | null {
  const frames: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = frames.at(-1);
      if (top && top.expectKey) {
        const key = decodeKey(text.slice(i, end));
        if (top.keys.has(key)) return { offset: i, depth: frames.length };
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT) frames.push({ keys: new Set(), expectKey: true });
    else if (c === OPEN_ARRAY) frames.push(null);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) frames.pop();
    else if (c === COMMA) {
      const top = frames.at(-1);
      if (top) top.expectKey = true;
    }
    i++;
  }
  return null;
}

/** The offset just past the string that opens at `start` (or the text's end when it never closes). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return text.length;
}

/** A key's value with escapes decoded; the raw text when it is not a valid JSON string. */
function decodeKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}
