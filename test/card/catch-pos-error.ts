/** Runs `fn` and returns the `PosError` it throws; fails the test if it returns or throws anything else. */
import { expect } from 'vitest';
import { PosError } from '../../src/util/errors.js';

export function catchPosError(fn: () => unknown): PosError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PosError);
    return err as PosError;
  }
  throw new Error('expected a PosError, got a value');
}
