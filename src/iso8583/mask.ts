/**
 * What an ISO 8583 message may show in a log, a dump or an error: data
 * elements 2 (PAN), 35 (track 2), 45 (track 1), 52 (PIN data) and 55 (ICC
 * data) are always masked, as are those a dialect flags `sensitive`. A PAN
 * keeps its first six and last four digits (PCI DSS 3.4); everything else
 * masked keeps only its length.
 */
import { maskPan } from '../util/sensitive.js';
import type { Dialect, FieldValue, MessageInput } from './types.js';

/** Masked in every dump whatever the dialect says (moov-io field_filter, jPOS ProtectedLogListener). */
export const ALWAYS_MASKED_FIELDS: ReadonlySet<number> = new Set([2, 35, 45, 52, 55]);

/** Fields whose masked form keeps the PAN's first six and last four. */
const PAN_FIELDS: ReadonlySet<number> = new Set([2, 34]);
/** Track fields: the PAN before the separator is masked as a PAN, the rest fully. */
const TRACK_FIELDS: ReadonlySet<number> = new Set([35, 36]);
const TRACK_SEPARATOR = /[=D^]/;

export function isMaskedField(field: number, dialect?: Dialect): boolean {
  return ALWAYS_MASKED_FIELDS.has(field) || dialect?.fields[field]?.sensitive === true;
}

/** A field's printable form: masked when `isMaskedField`, binary as hex otherwise. */
export function printableField(field: number, value: FieldValue, dialect?: Dialect): string {
  if (!isMaskedField(field, dialect)) return typeof value === 'string' ? value : value.toString('hex').toUpperCase();
  if (typeof value !== 'string') return `[${value.length} bytes]`;
  if (PAN_FIELDS.has(field)) return maskPan(value);
  if (TRACK_FIELDS.has(field)) {
    const sep = value.search(TRACK_SEPARATOR);
    if (sep >= 0) return `${maskPan(value.slice(0, sep))}${value.charAt(sep)}${'*'.repeat(value.length - sep - 1)}`;
  }
  return '*'.repeat(value.length);
}

/** Field numbers present in `message`, ascending. */
export function presentFields(message: MessageInput): number[] {
  return Object.entries(message.fields)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => Number(k))
    .sort((a, b) => a - b);
}

/** The message with every field printable and sensitive ones masked, for JSON logs. */
export function maskedMessage(message: MessageInput, dialect?: Dialect): { mti: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const n of presentFields(message)) {
    const value = message.fields[n];
    if (value !== undefined) fields[String(n)] = printableField(n, value, dialect);
  }
  return { mti: message.mti, fields };
}

/**
 * A multi-line dump, one field a line, for the CLI and debug logs:
 *
 *   MTI 0200
 *   002 Primary account number (PAN)  411111******1111
 */
export function dumpMessage(message: MessageInput, dialect?: Dialect): string {
  const masked = maskedMessage(message, dialect);
  const lines = [`MTI ${masked.mti}`];
  for (const [k, v] of Object.entries(masked.fields)) {
    const description = dialect?.fields[Number(k)]?.description;
    lines.push(`${k.padStart(3, '0')}${description === undefined ? '' : ` ${description}`}  ${v}`);
  }
  return lines.join('\n');
}
