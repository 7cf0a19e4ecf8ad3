/**
 * A host failure, and the fact that decides between a reversal and an
 * offline approval: may the request have reached the host?
 *
 *   not-sent    nothing left the terminal (connection refused, TLS refused,
 *               the request did not encode, cancelled before writing): the
 *               host cannot have acted on it, so store-and-forward may
 *               approve offline and an advice's next send is its first.
 *   maybe-sent  it may have reached the host (written, then a timeout, a
 *               drop, a cancel, an answer that does not decode, match or
 *               authenticate): the host may have approved, so a reversal is
 *               owed and nothing is approved offline.
 *
 * Each channel and client sets it once, where the failure happens, and
 * nothing changes it afterwards. An error that is not a `HostError` (a bug,
 * a foreign throw) counts as `maybe-sent`: doubt never approves offline.
 * `code`, `kind`, `details` and the JSON shape are `PosError`'s.
 */
import { asPosError, PosError, type ErrorCode, type ErrorDetails } from '../util/errors.js';

export type Delivery = 'not-sent' | 'maybe-sent';

/** Why a request stopped waiting for its answer: its own deadline (`HOST_TIMEOUT`) or the caller's signal (`HOST_CANCELLED`). */
export type StopReason = 'timeout' | 'cancelled';

export class HostError extends PosError {
  readonly delivery: Delivery;

  constructor(code: ErrorCode, message: string, delivery: Delivery, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.delivery = delivery;
  }
}

/** Whether the failed request may have reached the host; anything but a `HostError` is doubt: `maybe-sent`. */
export function deliveryOf(err: unknown): Delivery {
  return err instanceof HostError ? err.delivery : 'maybe-sent';
}

/**
 * `err` as a `HostError`: itself when it is one (its delivery stands), else a
 * `HostError` with `delivery` and the `PosError`'s code and details (another
 * throw becomes `INTERNAL`, naming only its class, as `asPosError` does).
 */
export function asHostError(err: unknown, delivery: Delivery, where: string): HostError {
  if (err instanceof HostError) return err;
  const e = asPosError(err, where);
  return new HostError(e.code, e.message, delivery, e.details, { cause: err });
}
