/**
 * `PosError`s with the codes of `src/util/error-codes/chip-pinpad.ts`.
 *
 * Until the lead merges `CHIP_PINPAD_ERRORS` into `ERROR_CODES`, this module
 * registers the missing entries at load time (so `PosError` finds each
 * code's kind) and casts the code type. Once merged, the loop adds nothing
 * and the cast is a no-op: delete both and call `new PosError` directly.
 */
import { CHIP_PINPAD_ERRORS, type ChipPinpadErrorCode } from '../../src/util/error-codes/chip-pinpad.js';
import { ERROR_CODES, type ErrorSpec } from '../../src/util/error-codes/index.js';
import { PosError, type ErrorCode, type ErrorDetails } from '../../src/util/errors.js';

const catalog = ERROR_CODES as unknown as Record<string, ErrorSpec>;
for (const [code, spec] of Object.entries(CHIP_PINPAD_ERRORS)) {
  if (!(code in catalog)) catalog[code] = spec;
}

export function chipPinpadError(code: ChipPinpadErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }): PosError {
  return new PosError(code as unknown as ErrorCode, message, details, options);
}
