/**
 * What `pos iso8583` does (its command lines: `../commands/iso8583.ts`): a
 * technician's ISO 8583 decoder and encoder. `decode` prints each field with
 * its name, masked where sensitive (2, 35, 45, 52, 55 and those the dialect
 * flags) unless `--unmasked`; DE 55 is shown as a TLV tree through src/emv.
 * `--json` prints
 * `{ "mti": "0200", "fields": { "2": "…", … } }`, binary fields as uppercase hex.
 * `encode` reads that same JSON and prints the message as hex (no length
 * header); `--json` prints `{ "hex": "…" }`.
 */
import { readFileSync } from 'node:fs';
import { decode, describe } from '../../emv/index.js';
import { decodeMessage, dialectByName, dumpMessage, encodeMessage, messageFromJson, messageToJson, type Dialect, type Iso8583Message } from '../../iso8583/index.js';
import { PosError } from '../../util/errors.js';
import { fromLooseHex, toHex } from '../../util/hex.js';
import { DEFAULT_DIALECT } from '../commands/iso8583.js';
import { renderTree } from './tlv.js';

const ICC_DATA_FIELD = 55;

export interface Iso8583DecodeFlags {
  readonly dialect?: string;
  readonly json?: boolean;
  readonly unmasked?: boolean;
}

export interface Iso8583EncodeFlags {
  readonly dialect?: string;
  readonly json?: boolean;
}

/** `iso8583 decode`: what goes to stdout; throws a `PosError` on bad input. */
export function iso8583DecodeCommand(hexText: string, flags: Iso8583DecodeFlags = {}): string {
  const dialect = dialectByName(flags.dialect ?? DEFAULT_DIALECT);
  const message = decodeMessage(dialect, fromLooseHex(hexText, 'message hex'));
  const unmasked = flags.unmasked === true;
  if (flags.json === true) return JSON.stringify(messageToJson(message, dialect, { unmasked })) + '\n';
  return renderMessage(message, dialect, unmasked);
}

/** `iso8583 encode`: the message hex (or `{ "hex": … }`) for the JSON document `jsonText`. */
export function iso8583EncodeCommand(jsonText: string, flags: Iso8583EncodeFlags = {}): string {
  const dialect = dialectByName(flags.dialect ?? DEFAULT_DIALECT);
  let doc: unknown;
  try {
    doc = JSON.parse(jsonText);
  } catch {
    throw new PosError('ISO8583_JSON_INVALID', 'Message JSON: the input is not valid JSON', {});
  }
  const hex = toHex(encodeMessage(dialect, messageFromJson(dialect, doc)));
  return flags.json === true ? JSON.stringify({ hex }) + '\n' : hex + '\n';
}

/** One line a field (`dumpMessage`), with DE 55 as an indented TLV tree under its line. */
function renderMessage(message: Iso8583Message, dialect: Dialect, unmasked: boolean): string {
  const lines = unmasked ? dumpUnmasked(message, dialect) : dumpMessage(message, dialect).split('\n');
  const icc = message.get(ICC_DATA_FIELD);
  let out = '';
  for (const line of lines) {
    out += line + '\n';
    if (icc !== undefined && typeof icc !== 'string' && line.startsWith('055')) out += iccTree(icc, unmasked);
  }
  return out;
}

function dumpUnmasked(message: Iso8583Message, dialect: Dialect): string[] {
  const json = messageToJson(message, dialect, { unmasked: true });
  return [`MTI ${json.mti}`, ...Object.entries(json.fields).map(([k, v]) => `${k.padStart(3, '0')} ${dialect.fields[Number(k)]?.description ?? ''}  ${v}`)];
}

function iccTree(icc: Buffer, unmasked: boolean): string {
  try {
    return renderTree(describe(decode(icc), { unmasked }), '    ');
  } catch {
    return `    (not BER-TLV; ${icc.length} bytes)\n`;
  }
}

function readInput(arg: string, encoding: BufferEncoding): string {
  return arg === '-' ? readFileSync(0, encoding) : arg;
}

function readJsonFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'unknown';
    throw new PosError('ISO8583_JSON_INVALID', `Message JSON: cannot read the file (${code})`, { reason: code });
  }
}

export function runIso8583Decode(hex: string, flags: Iso8583DecodeFlags): void {
  process.stdout.write(iso8583DecodeCommand(readInput(hex, 'latin1'), flags));
}

export function runIso8583Encode(file: string, flags: Iso8583EncodeFlags): void {
  process.stdout.write(iso8583EncodeCommand(file === '-' ? readFileSync(0, 'utf8') : readJsonFile(file), flags));
}
