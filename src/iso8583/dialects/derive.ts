/**
 * Builds one dialect's field table from another's: the data element
 * directory (lengths, formats, names) is the same ISO 8583:1987 §4.3 table;
 * only how each format travels changes. Used by the data files in this
 * folder, never by the codec.
 */
import type { FieldSpec } from '../types.js';

/** Encoding choices per content format, applied to every field of `base`. */
export type Carriers = Readonly<Record<FieldSpec['format'], Pick<FieldSpec, 'encoding' | 'prefixEncoding'>>>;

/** `base`'s fields with each format's carrier replaced, and per-field overrides on top. */
export function deriveFields(
  base: Readonly<Record<number, FieldSpec>>,
  carriers: Carriers,
  overrides: Readonly<Record<number, Partial<FieldSpec>>> = {},
): Readonly<Record<number, FieldSpec>> {
  const out: Record<number, FieldSpec> = {};
  for (const [key, spec] of Object.entries(base)) {
    const n = Number(key);
    out[n] = { ...spec, ...carriers[spec.format], ...overrides[n] };
  }
  return Object.freeze(out);
}
