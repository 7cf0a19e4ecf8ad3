import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PosError } from '../../src/util/errors.js';

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', file), 'utf8')) as T;
}

/** Runs `fn`, expects a `PosError`, and returns it for `code`/`details` checks. */
export function catchPosError(fn: () => unknown): PosError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PosError);
  return caught as PosError;
}

export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
