/**
 * The subfield syntax of DE 48 (additional data — private use, `an ..999`
 * LLLVAR in every dialect of ISO 8583:1987) as this terminal and its host
 * use it: a run of `[tag ×2][length ×3][value]`, tag two characters
 * `A–Z 0–9`, length three decimal digits counting the value's characters.
 * `encrypted-tracks.ts` and `sealed-advice.ts` each define their tags; both
 * carry the card they stand for as a claim, BN and L4 (`panClaimSubfields`).
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

/** The subfields that say which card a field stands for without holding its PAN. */
export const PAN_CLAIM_TAGS = {
  /** The masked PAN's first six digits (optional). */
  bin: 'BN',
  /** The masked PAN's last four digits (optional). */
  lastFour: 'L4',
} as const;

/** The card a field claims to stand for, which the host checks against the PAN it recovers. */
export interface PanClaim {
  readonly bin?: string;
  readonly lastFour?: string;
}

/** BN and L4 for the first six and last four of `maskedPan` (`411111******1111`), each where it has them. */
export function panClaimSubfields(maskedPan: string | null | undefined, fault: SubfieldFault): string[] {
  const bin = maskedPan?.slice(0, 6);
  const lastFour = maskedPan?.slice(-4);
  const parts: string[] = [];
  if (bin !== undefined && /^\d{6}$/.test(bin)) parts.push(subfield(PAN_CLAIM_TAGS.bin, bin, fault));
  if (lastFour !== undefined && /^\d{4}$/.test(lastFour)) parts.push(subfield(PAN_CLAIM_TAGS.lastFour, lastFour, fault));
  return parts;
}

/** BN and L4 read back; digits of the wrong count are a fault. */
export function readPanClaim(values: ReadonlyMap<string, string>, fault: SubfieldFault): PanClaim {
  const bin = values.get(PAN_CLAIM_TAGS.bin);
  const lastFour = values.get(PAN_CLAIM_TAGS.lastFour);
  if (bin !== undefined && !/^\d{6}$/.test(bin)) fault(PAN_CLAIM_TAGS.bin, 'digits');
  if (lastFour !== undefined && !/^\d{4}$/.test(lastFour)) fault(PAN_CLAIM_TAGS.lastFour, 'digits');
  return { ...(bin === undefined ? {} : { bin }), ...(lastFour === undefined ? {} : { lastFour }) };
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
