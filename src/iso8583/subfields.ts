/**
 * Structured text data elements (DE 48 "additional data — private", DE 62
 * and the like): ISO 8583:1987 leaves their inside to private agreement; the
 * two layouts hosts use are described as data (`SubfieldSpec` in types.ts):
 *
 *   tlv:   [tag: tagChars][length: lengthDigits ASCII digits][value] … repeated
 *          e.g. tagChars 2, lengthDigits 3:  "01" "004" "ABCD" "02" "001" "X"
 *   fixed: [subfield 1: length 1][subfield 2: length 2]…, in order; trailing ones may be absent
 *
 * Errors name the field, the subfield and the offset within the field (plus
 * the field's own offset in the message when given); never the value.
 */
import { PosError } from '../util/errors.js';
import { firstBadChar, firstNonDigit } from './charset.js';
import type { SubfieldSpec } from './types.js';

export interface Subfield {
  readonly id: string;
  readonly value: string;
}

/** Where the field sits, for errors. */
export interface SubfieldContext {
  readonly field: number;
  /** The field content's offset in the message; 0 when unknown. */
  readonly offset?: number;
}

/** Splits a field's text into its subfields, in wire order; unknown TLV tags are kept. */
export function decodeSubfields(spec: SubfieldSpec, text: string, context: SubfieldContext): Subfield[] {
  const base = context.offset ?? 0;
  const out: Subfield[] = [];
  let at = 0;
  if (spec.kind === 'tlv') {
    while (at < text.length) {
      const header = spec.tagChars + spec.lengthDigits;
      if (at + header > text.length) throw invalid(context, '?', base + at, 'header cut short');
      const id = text.slice(at, at + spec.tagChars);
      const lengthText = text.slice(at + spec.tagChars, at + header);
      if (firstNonDigit(lengthText) >= 0) throw invalid(context, id, base + at + spec.tagChars, 'length is not decimal digits');
      const length = Number(lengthText);
      if (at + header + length > text.length) throw invalid(context, id, base + at, 'value runs past the end of the field');
      out.push({ id, value: text.slice(at + header, at + header + length) });
      at += header + length;
    }
    return out;
  }
  for (const sub of spec.subfields) {
    if (at === text.length) break;
    if (at + sub.length > text.length) throw invalid(context, sub.id, base + at, 'cut short');
    const value = text.slice(at, at + sub.length);
    const bad = firstBadChar(sub.format, value);
    if (bad >= 0) throw invalid(context, sub.id, base + at + bad, `a character its format ${sub.format} does not allow`);
    out.push({ id: sub.id, value });
    at += sub.length;
  }
  if (at !== text.length) throw invalid(context, '', base + at, 'characters follow the last subfield');
  return out;
}

/** Joins subfields into the field's text. TLV keeps the given order; fixed takes the spec's order and stops at the first absent one. */
export function encodeSubfields(spec: SubfieldSpec, subfields: readonly Subfield[] | Readonly<Record<string, string>>, context: SubfieldContext): string {
  const list: readonly Subfield[] = Array.isArray(subfields) ? subfields : Object.entries(subfields).map(([id, value]) => ({ id, value: value as string }));
  let text = '';
  if (spec.kind === 'tlv') {
    const maxValue = 10 ** spec.lengthDigits - 1;
    for (const { id, value } of list) {
      if (id.length !== spec.tagChars) throw invalid(context, id, text.length, `tag must be ${spec.tagChars} characters`);
      if (value.length > maxValue) throw invalid(context, id, text.length, `value longer than ${maxValue}`);
      text += id + String(value.length).padStart(spec.lengthDigits, '0') + value;
    }
    return text;
  }
  const byId = new Map(list.map((s) => [s.id, s.value]));
  for (const known of byId.keys()) {
    if (!spec.subfields.some((s) => s.id === known)) throw invalid(context, known, 0, 'not in the spec');
  }
  for (const sub of spec.subfields) {
    const value = byId.get(sub.id);
    if (value === undefined) break;
    if (value.length !== sub.length) throw invalid(context, sub.id, text.length, `must be exactly ${sub.length} long`);
    const bad = firstBadChar(sub.format, value);
    if (bad >= 0) throw invalid(context, sub.id, text.length + bad, `a character its format ${sub.format} does not allow`);
    text += value;
    byId.delete(sub.id);
  }
  const skipped = byId.keys().next();
  if (skipped.done !== true) throw invalid(context, skipped.value, text.length, 'given after an absent subfield');
  return text;
}

function invalid(context: SubfieldContext, subfield: string, offset: number, problem: string): PosError {
  return new PosError('ISO8583_SUBFIELD_INVALID', `Field ${context.field}${subfield === '' ? '' : ` subfield ${subfield}`}: ${problem}`, {
    field: context.field,
    subfield,
    offset,
  });
}
