/** Small byte helpers shared by the codecs. */
import { timingSafeEqual } from 'node:crypto';

/** XOR of two equal-length buffers into a new buffer. */
export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** Constant-time equality for MACs and cryptograms; unequal lengths are simply unequal. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Overwrites the given buffers with zeros (keys, PIN blocks, PAN digits once used). */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** The ASCII bytes of a string of printable characters. */
export function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
