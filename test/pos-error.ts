/**
 * The one place tests catch a `PosError`: the error a call throws or a promise
 * rejects with, for tests that then assert its `code` and `details` (STYLE.md:
 * never the message text). Anything else thrown is rethrown, and no error at
 * all fails the test — except with `thrownOrNone`, for a decoder fed random
 * bytes, which may return a value or throw a PosError and nothing else.
 */
import { PosError } from '../src/util/errors.js';

/** The PosError caught; anything else is rethrown. */
function posError(e: unknown): PosError {
  if (e instanceof PosError) return e;
  throw e;
}

/** Runs `fn`, expecting a PosError; returns it. */
export function thrown(fn: () => unknown): PosError {
  const error = thrownOrNone(fn);
  if (error === undefined) throw new Error('expected a PosError, nothing was thrown');
  return error;
}

/** Awaits `promise`, expecting it to reject with a PosError; returns it. */
export async function rejection(promise: Promise<unknown>): Promise<PosError> {
  try {
    await promise;
  } catch (e) {
    return posError(e);
  }
  throw new Error('did not reject');
}

/** Runs `fn`, which may return (undefined) or throw a PosError (returned); anything else thrown is rethrown. */
export function thrownOrNone(fn: () => unknown): PosError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return posError(e);
  }
}
