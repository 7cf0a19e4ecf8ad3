/** fast-check arbitraries the ISO 8583 codec tests share. */
import fc from 'fast-check';
import type { FieldSpec, FieldValue } from '../../src/iso8583/types.js';

/** Arbitrary valid value for a field spec (BCD track data uses `=` only: its nibble D reads back as `=`). */
export function arbValue(spec: FieldSpec): fc.Arbitrary<FieldValue> {
  const cap = Math.min(spec.length, 40);
  const lengths = spec.lengthType === 'fixed' ? fc.constant(spec.length) : fc.integer({ min: 0, max: cap });
  const chars: Record<Exclude<FieldSpec['format'], 'b'>, string> = {
    n: '0123456789',
    an: 'ABCXYZabcxyz0189 ',
    ans: ' !"#$%&/09:;<=>?@AZ[\\]^_`az{|}~',
    z: spec.encoding === 'bcd' ? '0123456789=' : '0123456789=D',
    xn: '0123456789',
  };
  if (spec.format === 'b') return lengths.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((u) => Buffer.from(u));
  const set = chars[spec.format];
  const text = lengths.chain((n) => fc.array(fc.constantFrom(...set), { minLength: n, maxLength: n }).map((cs) => cs.join('')));
  return spec.format === 'xn' ? fc.tuple(fc.constantFrom('C', 'D'), text).map(([s, t]) => (t.length === 0 ? '' : s + t.slice(1))) : text;
}

/**
 * Near-misses for fuzzing the decoder: one of the given valid messages with
 * up to four bytes overwritten and up to `maxCut - 1` bytes cut off its end.
 */

export function mutatedMessages(valid: readonly Uint8Array[], maxCut: number): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([bytes, edits, cut]) => {
      const b = Buffer.from(bytes);
      for (const [i, v] of edits) b[i % b.length] = v;
      return b.subarray(0, b.length - (cut % maxCut));
    });
}
