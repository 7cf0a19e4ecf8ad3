/**
 * One error class for the whole terminal. `code` is stable and machine-readable,
 * `kind` is what callers branch on, `details` is safe to log: it never holds a
 * PAN, track, PIN block or key — callers put offsets, field numbers, tag paths
 * and lengths there, not values.
 */
import { ERROR_CODES, type ErrorCode, type ErrorKind } from './error-codes/index.js';

export type { ErrorCode, ErrorKind } from './error-codes/index.js';

/** Values allowed in `details`: plain, printable, and never card data by construction of the call sites. */
export type ErrorDetail = string | number | boolean | null | readonly (string | number)[];
export type ErrorDetails = Readonly<Record<string, ErrorDetail>>;

export class PosError extends Error {
  override readonly name = 'PosError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
    this.details = details;
  }

  /** What a log line or an API response may carry. */
  toJSON(): { code: ErrorCode; kind: ErrorKind; message: string; details: ErrorDetails } {
    return { code: this.code, kind: this.kind, message: this.message, details: this.details };
  }
}

export function isPosError(value: unknown, code?: ErrorCode): value is PosError {
  return value instanceof PosError && (code === undefined || value.code === code);
}

/**
 * Turns anything thrown into a `PosError` without copying the foreign message
 * (it may hold data we cannot vouch for): only the class name survives.
 */
export function asPosError(value: unknown, where: string): PosError {
  if (value instanceof PosError) return value;
  const name = value instanceof Error ? value.name : typeof value;
  return new PosError('INTERNAL', `Unexpected ${name} in ${where}`, { where, name }, { cause: value });
}
