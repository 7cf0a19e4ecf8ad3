/**
 * A message as JSON, the form `pos iso8583 decode --json` prints and
 * `pos iso8583 encode` reads:
 *
 *   { "mti": "0200", "fields": { "2": "4761739001010010", "3": "000000", "52": "1234567890ABCDEF" } }
 *
 * Field numbers are the keys; text fields are their text; binary fields
 * (those the dialect declares `b`: 52, 53, 55, 64, 128, …) are uppercase
 * hex. Bitmaps are not fields.
 */
import { PosError } from '../util/errors.js';
import { maskedMessage } from './mask.js';
import type { Dialect, FieldValue, MessageInput } from './types.js';

export interface MessageJson {
  readonly mti: string;
  readonly fields: Readonly<Record<string, string>>;
}

const HEX_RE = /^(?:[0-9A-Fa-f]{2})*$/;

/** The JSON form; sensitive fields masked unless `unmasked`. */
export function messageToJson(message: MessageInput, dialect: Dialect, options: { readonly unmasked?: boolean } = {}): MessageJson {
  if (options.unmasked !== true) return maskedMessage(message, dialect);
  const fields: Record<string, string> = {};
  const numbers = Object.keys(message.fields)
    .map(Number)
    .sort((a, b) => a - b);
  for (const n of numbers) {
    const value = message.fields[n];
    if (value !== undefined) fields[String(n)] = typeof value === 'string' ? value : value.toString('hex').toUpperCase();
  }
  return { mti: message.mti, fields };
}

/** Reads the JSON form (already parsed) into a message input for `dialect`. Values are checked by the encoder, not here. */
export function messageFromJson(dialect: Dialect, json: unknown): MessageInput {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('the document is not an object', {});
  const doc = json as Record<string, unknown>;
  if (typeof doc['mti'] !== 'string') throw invalid('"mti" must be a string', { key: 'mti' });
  const raw = doc['fields'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('"fields" must be an object', { key: 'fields' });
  const fields: Record<number, FieldValue> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[0-9]{1,3}$/.test(key)) throw invalid(`field key "${key.slice(0, 8)}" is not a field number`, { key: key.slice(0, 8) });
    const n = Number(key);
    if (typeof value !== 'string') throw invalid(`field ${n} must be a string`, { field: n });
    const spec = dialect.fields[n];
    if (spec?.format === 'b') {
      if (!HEX_RE.test(value)) throw invalid(`field ${n} is binary and must be hex`, { field: n });
      fields[n] = Buffer.from(value, 'hex');
    } else {
      fields[n] = value;
    }
  }
  return { mti: doc['mti'], fields };
}

function invalid(problem: string, details: Readonly<Record<string, string | number>>): PosError {
  return new PosError('ISO8583_JSON_INVALID', `Message JSON: ${problem}`, details);
}
