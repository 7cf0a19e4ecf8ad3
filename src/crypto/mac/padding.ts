/**
 * ISO/IEC 9797-1:2011 padding methods 1 and 2 (6.3.2, 6.3.3).
 * Method 1: zeros up to a whole block (one zero block for empty data).
 * Method 2: one 0x80 byte, then zeros up to a whole block.
 */
import { optionError } from '../check.js';

export type PaddingMethod = 1 | 2;
export const PADDING_METHODS: readonly PaddingMethod[] = [1, 2];

/** The length of `dataLength` bytes once padded: whole blocks, at least one. */
export function paddedLength(dataLength: number, method: PaddingMethod, blockBytes: number): number {
  if (method !== 1 && method !== 2) throw optionError('padding method', method, PADDING_METHODS);
  const body = method === 2 ? dataLength + 1 : dataLength;
  return Math.max(blockBytes, Math.ceil(body / blockBytes) * blockBytes);
}

export function pad(data: Uint8Array, method: PaddingMethod, blockBytes: number): Buffer {
  const out = Buffer.alloc(paddedLength(data.length, method, blockBytes));
  out.set(data);
  if (method === 2) out[data.length] = 0x80;
  return out;
}
