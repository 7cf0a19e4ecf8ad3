/**
 * The subfield syntax of DE 48 (additional data — private use, `an ..999`
 * LLLVAR in every dialect of ISO 8583:1987) as this terminal and its host
 * use it: a run of `[tag ×2][length ×3][value]`, tag two characters
 * `A–Z 0–9`, length three decimal digits counting the value's characters.
 * `encrypted-tracks.ts` and `sealed-advice.ts` each define their tags.
 */
import { PosError } from '../../util/errors.js';

export const DE48_FIELD = 48;
/** The field's own limit (LLLVAR), which the subfields together must keep. */
export const MAX_DE48_CHARS = 999;

const TAG_CHARS = 2;
const LENGTH_DIGITS = 3;
export const MAX_SUBFIELD_VALUE_CHARS = 999;

/** What a reader of DE 48 reports when the text is not a well-formed run of subfields. */
export type SubfieldFault = (subfield: string, reason: string, offset?: number) => never;

export function subfield(tag: string, value: string, fault: SubfieldFault): string {
  if (value.length > MAX_SUBFIELD_VALUE_CHARS) fault(tag, 'too-long');
  return `${tag}${String(value.length).padStart(LENGTH_DIGITS, '0')}${value}`;
}

/** Tag → value; a bad header, a length past the end or a repeated tag is reported through `fault`. */
export function parseSubfields(text: string, fault: SubfieldFault): Map<string, string> {
  const values = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const tag = text.slice(at, at + TAG_CHARS);
    const lengthText = text.slice(at + TAG_CHARS, at + TAG_CHARS + LENGTH_DIGITS);
    if (!/^[A-Z0-9]{2}$/.test(tag) || !/^\d{3}$/.test(lengthText)) fault(tag, 'header', at);
    const start = at + TAG_CHARS + LENGTH_DIGITS;
    const end = start + Number(lengthText);
    if (end > text.length) fault(tag, 'length', at);
    if (values.has(tag)) fault(tag, 'repeated', at);
    values.set(tag, text.slice(start, end));
    at = end;
  }
  return values;
}

/** A subfield's uppercase hex as bytes; `undefined` when absent. */
export function hexSubfield(values: ReadonlyMap<string, string>, tag: string, fault: SubfieldFault): Buffer | undefined {
  const value = values.get(tag);
  if (value === undefined) return undefined;
  if (!/^(?:[0-9A-F]{2})*$/.test(value)) fault(tag, 'hex');
  return Buffer.from(value, 'hex');
}

/** A `HOST_REQUEST_INVALID` thrower for one DE 48 use, named in the message. */
export function de48Fault(what: string): SubfieldFault {
  return (subfieldTag, reason, offset) => {
    throw new PosError('HOST_REQUEST_INVALID', `DE 48 ${what}: subfield ${subfieldTag || '(none)'} is not valid (${reason})`, {
      field: DE48_FIELD,
      subfield: subfieldTag,
      reason,
      ...(offset === undefined ? {} : { offset }),
    });
  };
}
