/**
 * The seam for reversals. When a request may have reached the host but no
 * usable answer came back, the customer may have been charged; the caller
 * (the transaction engine) owns the reversal (0400 with DE 90 from these
 * original data elements). The client tells `onUnanswered` before it rejects;
 * the rejection's `requestMayHaveReachedHost: true` says the same thing.
 * Nothing here is card data: the engine still holds the card.
 */
import type { EntryMode } from '../devices/card-reader.js';
import type { ErrorCode } from '../util/errors.js';
import { transmissionDateTime } from './messages/fields.js';
import type { PurchaseRequest } from './model.js';

export interface UnansweredRequest {
  /** Original MTI (DE 90 positions 1–4). */
  readonly mti: string;
  /** Original STAN (DE 90 positions 5–10). */
  readonly stan: string;
  /** Original DE 7, MMDDhhmmss UTC (DE 90 positions 11–20). */
  readonly transmissionDateTime: string;
  /** The request's `at`, ISO 8601 UTC. */
  readonly transmittedAt: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly entryMode: EntryMode;
  readonly terminalId: string;
  readonly merchantId: string;
  /** Why the outcome is unknown: HOST_TIMEOUT, HOST_CONNECTION_LOST, HOST_BAD_RESPONSE, HOST_CANCELLED. */
  readonly reason: ErrorCode;
}

export type OnUnanswered = (request: UnansweredRequest) => void;

/** The original data elements of `request`, sent as `mti`, for the reversal seam; no card data. */
export function unansweredRequestOf(
  request: Pick<PurchaseRequest, 'stan' | 'at' | 'amountMinor' | 'currency' | 'entryMode' | 'terminalId' | 'merchantId'>,
  mti: string,
  reason: ErrorCode,
): UnansweredRequest {
  return {
    mti,
    stan: request.stan,
    transmissionDateTime: transmissionDateTime(request.at),
    transmittedAt: request.at.toISOString(),
    amountMinor: request.amountMinor,
    currency: request.currency,
    entryMode: request.entryMode,
    terminalId: request.terminalId,
    merchantId: request.merchantId,
    reason,
  };
}
