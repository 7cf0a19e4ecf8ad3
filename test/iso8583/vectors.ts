/** Loads test/vectors/iso8583-iso87ascii.json and builds each vector's bytes and field values from its annotated parts. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import type { FieldValue } from '../../src/iso8583/types.js';

interface Part {
  readonly field: number;
  readonly note: string;
  readonly prefix?: string;
  readonly wire: string;
}

interface RawVector {
  readonly name: string;
  readonly mti: string;
  readonly parts: readonly Part[];
}

export interface Vector {
  readonly name: string;
  readonly mti: string;
  readonly bytes: Buffer;
  readonly fields: Record<number, FieldValue>;
  /** Offset of each field's first byte (its prefix, when it has one). */
  readonly offsets: Record<number, number>;
}

const file = fileURLToPath(new URL('../vectors/iso8583-iso87ascii.json', import.meta.url));
const raw = JSON.parse(readFileSync(file, 'utf8')) as { source: string; vectors: RawVector[] };

export const VECTORS: readonly Vector[] = raw.vectors.map((v) => {
  const fields: Record<number, FieldValue> = {};
  const offsets: Record<number, number> = {};
  let wire = '';
  for (const p of v.parts) {
    if (p.field >= 2) {
      const spec = iso87ascii.fields[p.field as keyof typeof iso87ascii.fields];
      fields[p.field] = spec.format === 'b' ? Buffer.from(p.wire, 'hex') : p.wire;
      offsets[p.field] = wire.length;
    }
    wire += (p.prefix ?? '') + p.wire;
  }
  return { name: v.name, mti: v.mti, bytes: Buffer.from(wire, 'latin1'), fields, offsets };
});

export function vector(name: string): Vector {
  const v = VECTORS.find((x) => x.name.startsWith(name));
  if (v === undefined) throw new Error(`no vector ${name}`);
  return v;
}
