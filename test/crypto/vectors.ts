/** Loads a published-vector file from test/vectors/ (each has a `source`). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Vectors and hex helpers for the crypto tests (PosError checks: ../pos-error.js).

export function loadVectors<T>(name: string): T & { source: string } {
  const path = fileURLToPath(new URL(`../vectors/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T & { source: string };
}

export const hex = (text: string): Buffer => Buffer.from(text, 'hex');
export const toHexUpper = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

/** A DES MAC row of crypto-mac.json (ISO/IEC 9797-1 algorithms 1 and 3). */
export interface DesMacVector {
  id: string;
  key: string;
  dataAscii: string;
  padding: 1 | 2;
  mac: string;
}
