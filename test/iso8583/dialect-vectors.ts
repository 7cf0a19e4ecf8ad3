/** Loads test/vectors/iso8583-dialects.json and iso8583-published.json into bytes, values and field offsets. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dialectByName } from '../../src/iso8583/dialects/index.js';
import type { Dialect, FieldValue } from '../../src/iso8583/types.js';

type Piece = { readonly text: string } | { readonly hex: string };
type Part = Piece & { readonly field: number; readonly note: string; readonly prefix?: Piece };
type RawValue = string | { readonly hex: string };

interface RawFile {
  readonly values: Record<string, Record<string, RawValue>>;
  readonly vectors: readonly { name: string; dialect: string; mti: string; values: string; parts: readonly Part[] }[];
}

export interface DialectVector {
  readonly name: string;
  readonly dialect: Dialect;
  readonly mti: string;
  readonly bytes: Buffer;
  readonly fields: Record<number, FieldValue>;
  /** Offset of each field's first byte (its prefix, when it has one). */
  readonly offsets: Record<number, number>;
}

const load = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../vectors/${name}`, import.meta.url)), 'utf8'));
const piece = (p: Piece): Buffer => ('text' in p ? Buffer.from(p.text, 'latin1') : Buffer.from(p.hex, 'hex'));
const value = (v: RawValue): FieldValue => (typeof v === 'string' ? v : Buffer.from(v.hex, 'hex'));

const raw = load('iso8583-dialects.json') as RawFile;

export const DIALECT_VECTORS: readonly DialectVector[] = raw.vectors.map((v) => {
  const chunks: Buffer[] = [];
  const offsets: Record<number, number> = {};
  let at = 0;
  for (const p of v.parts) {
    if (p.field >= 2) offsets[p.field] = at;
    for (const b of p.prefix === undefined ? [piece(p)] : [piece(p.prefix), piece(p)]) {
      chunks.push(b);
      at += b.length;
    }
  }
  const values = raw.values[v.values] ?? {};
  const fields = Object.fromEntries(Object.entries(values).map(([k, x]) => [Number(k), value(x)]));
  return { name: `${v.dialect}: ${v.name}`, dialect: dialectByName(v.dialect), mti: v.mti, bytes: Buffer.concat(chunks), fields, offsets };
});

export function dialectVector(prefix: string): DialectVector {
  const v = DIALECT_VECTORS.find((x) => x.name.startsWith(prefix));
  if (v === undefined) throw new Error(`no vector ${prefix}`);
  return v;
}

export interface PublishedVector {
  readonly name: string;
  readonly source: string;
  readonly dialect: Dialect;
  readonly bytes: Buffer;
  readonly mti: string;
  readonly fields: Record<string, string>;
}

export const PUBLISHED_VECTORS: readonly PublishedVector[] = (
  load('iso8583-published.json') as { vectors: { name: string; source: string; dialect: string; text: string; mti: string; fields: Record<string, string> }[] }
).vectors.map((v) => ({ name: v.name, source: v.source, dialect: dialectByName(v.dialect), bytes: Buffer.from(v.text, 'latin1'), mti: v.mti, fields: v.fields }));
