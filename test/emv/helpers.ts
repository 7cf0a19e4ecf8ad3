import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', file), 'utf8')) as T;
}

export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
