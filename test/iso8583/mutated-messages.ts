/**
 * A fast-check arbitrary for fuzzing the decoder with near-misses: one of the
 * given valid messages with up to four bytes overwritten and up to
 * `maxCut - 1` bytes cut off its end.
 */
import fc from 'fast-check';

export function mutatedMessages(valid: readonly Uint8Array[], maxCut: number): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([bytes, edits, cut]) => {
      const b = Buffer.from(bytes);
      for (const [i, v] of edits) b[i % b.length] = v;
      return b.subarray(0, b.length - (cut % maxCut));
    });
}
