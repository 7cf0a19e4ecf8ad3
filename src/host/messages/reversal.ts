/**
 * Reversals in ISO 8583:1987 terms: 0400 reversal request (0401 repeat) and
 * 0420 reversal advice (0421 repeat), answered by 0410 / 0430.
 *
 * One message undoes any original, whatever made it owed (no answer, a
 * cancellation, a void of the open batch, a release of a hold): DE 3 is the
 * original's and DE 90 names the original's MTI —
 *
 *   original           DE 3     DE 90 MTI   what the host undoes
 *   purchase           000000   0200        the debit (a void)
 *     with cashback    090000   0200
 *   refund             200000   0200        the credit (a void)
 *   preauth            000000   0100        the hold (a release)
 *   completion         000000   0220/0200   the capture (as the dialect sends completions)
 *   tip-adjust         020000   0220        the adjustment: the purchase's amount before it
 *   incremental        000000   0100        the increment: the hold goes back to what it was
 *
 * Request: 3 processing code, 4 amount, 7 transmission date and time (now),
 * 11 the ORIGINAL STAN, 12/13 local time and date (now), 22 entry mode,
 * 25 POS condition code, 39 reason, 41 terminal ID, 42 merchant ID,
 * 49 currency, 90 original data elements, 128 MAC (DE 90 sets the secondary
 * bitmap, so the MAC moves from DE 64 to DE 128).
 *
 * No DE 2/35: the terminal no longer holds the PAN once the card is gone.
 * The host finds the original by terminal ID (DE 41) and DE 90:
 *
 *   DE 90 (n 42) = [original MTI 4][original STAN 6][original DE 7 10]
 *                  [acquirer ID 11 zeros][forwarding institution ID 11 zeros]
 *
 * DE 39 in the request says why (our choice of codes):
 *   68 no answer came (timeout, connection lost, undecodable or bad-MAC answer);
 *   17 the customer or the attendant cancelled after the request went out,
 *      or the register voided the transaction or released the hold
 *      (`TXN_VOIDED`, `TXN_RELEASED`);
 *   E1 the chip declined (AAC at the second GENERATE AC) after the host approved.
 *
 * Answer: 39 = 00 reversed (also to every repeat: a host applies a reversal
 * once), or 25 when the host has no record of the original — nothing was
 * charged, so the terminal's duty is done too (`acknowledged`).
 */
import type { EntryMode } from '../../devices/card-reader.js';
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect, MessageInput } from '../../iso8583/types.js';
import { PosError } from '../../util/errors.js';
import type { PendingReversal, ReversalOutcome } from '../reversal-store.js';
import { INSTITUTION_ID_DIGITS, MTI, POS_CONDITION_NORMAL, processingCodeOf, RESPONSE_CODES, responseMtiOf, type TransactionKind } from './constants.js';
import { amountField, checkDate, localDate, localTime, responseCodeOf, transmissionDateTime } from './fields.js';
import { ENTRY_MODE_CODES } from './financial.js';
import { encodeRequest } from './mac.js';
import { checkReplyHeader, type ReplyMacOptions } from './reply-mac.js';

export type ReversalMti = typeof MTI.reversalRequest | typeof MTI.reversalRepeat | typeof MTI.reversalAdvice | typeof MTI.reversalAdviceRepeat;

export const REVERSAL_REASONS = {
  noResponse: RESPONSE_CODES.responseReceivedTooLate,
  customerCancellation: RESPONSE_CODES.customerCancellation,
  chipDeclineAfterApproval: RESPONSE_CODES.chipDeclineAfterApproval,
} as const;
export type ReversalReason = keyof typeof REVERSAL_REASONS;

export const ORIGINAL_DATA_FIELD = 90;
const DE90_RE = /^(\d{4})(\d{6})(\d{10})(\d{11})(\d{11})$/;

/** The original request a reversal names (DE 90's first three parts). */
export interface OriginalData {
  readonly mti: string;
  readonly stan: string;
  /** The original DE 7, MMDDhhmmss UTC. */
  readonly transmissionDateTime: string;
}

export interface ReversalInput {
  /** Default 0400. */
  readonly mti?: ReversalMti;
  /** Now: DE 7, 12, 13. */
  readonly at: Date;
  readonly original: OriginalData;
  readonly kind: TransactionKind;
  /** A purchase's cashback: its DE 3 is 09. */
  readonly cashback?: boolean;
  readonly amountMinor: number;
  readonly currency: string;
  readonly entryMode: EntryMode;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly reason: ReversalReason;
}

/** DE 90 from the original's MTI, STAN and DE 7; the institution IDs are zeros. */
export function originalDataElements(original: OriginalData): string {
  const zeros = '0'.repeat(INSTITUTION_ID_DIGITS);
  const value = `${original.mti}${original.stan}${original.transmissionDateTime}${zeros}${zeros}`;
  if (!DE90_RE.test(value)) throw new PosError('HOST_REQUEST_INVALID', 'DE 90 needs a 4-digit MTI, 6-digit STAN and 10-digit DE 7', { field: ORIGINAL_DATA_FIELD });
  return value;
}

/** DE 90 read back; undefined when it is not 42 digits. */
export function parseOriginalDataElements(de90: string): OriginalData | undefined {
  const m = DE90_RE.exec(de90);
  if (m === null) return undefined;
  return { mti: m[1] ?? '', stan: m[2] ?? '', transmissionDateTime: m[3] ?? '' };
}

/** Error codes that mean someone chose to undo the request: the customer, the attendant, or the register (a void, a release). */
const CANCELLATION_CODES: ReadonlySet<string> = new Set(['HOST_CANCELLED', 'TXN_VOIDED', 'TXN_RELEASED']);

/** How an acknowledging DE 39 says the host took the reversal: 25 (unable to locate record) is a host that never had the original. */
export function reversalOutcomeOf(responseCode: string): ReversalOutcome {
  return responseCode === RESPONSE_CODES.unableToLocateRecord ? 'no-record' : 'reversed';
}

/** Why a reversal is owed (an error code: the host's, or the register's void or release) → the reversal's reason. */
export function reversalReasonFor(errorCode: string): ReversalReason {
  return CANCELLATION_CODES.has(errorCode) ? 'customerCancellation' : 'noResponse';
}

/** How completions go out: a 0220 advice (default) or a 0200 financial request, as the host's dialect wants. */
export type CompletionMessage = 'advice' | 'request';

/** The MTI of the original a reversal names (DE 90), by what it reverses. */
export function originalMtiOf(original: PendingReversal['original'], completionMessage: CompletionMessage = 'advice'): string {
  switch (original) {
    case 'purchase':
    case 'refund':
      return MTI.financialRequest;
    case 'preauth':
    case 'incremental':
      return MTI.authorizationRequest;
    case 'completion':
      return completionMessage === 'request' ? MTI.financialRequest : MTI.financialAdvice;
    case 'tip-adjust':
      return MTI.financialAdvice;
  }
}

/** A reversal duty from the store as a 0400 (or, with `attempt` > 1, a 0401 repeat). */
export function reversalFromPending(
  pending: PendingReversal,
  options: { merchantId: string; at: Date; attempt?: number; reason?: ReversalReason; completionMessage?: CompletionMessage },
): ReversalInput {
  const transmittedAt = new Date(pending.transmittedAt);
  checkDate(transmittedAt, ORIGINAL_DATA_FIELD);
  return {
    mti: (options.attempt ?? 1) > 1 ? MTI.reversalRepeat : MTI.reversalRequest,
    at: options.at,
    original: { mti: originalMtiOf(pending.original, options.completionMessage), stan: pending.stan, transmissionDateTime: transmissionDateTime(transmittedAt) },
    kind: pending.original,
    ...((pending.cashbackMinor ?? 0) > 0 ? { cashback: true } : {}),
    amountMinor: pending.amountMinor,
    currency: pending.currency,
    entryMode: pending.entryMode,
    terminalId: pending.terminalId,
    merchantId: options.merchantId,
    reason: options.reason ?? reversalReasonFor(pending.reason),
  };
}

/** The reversal as a message, before encoding: also how the simulator's JSON gateway hands a JSON reversal to its issuer. */
export function reversalMessage(input: ReversalInput): MessageInput {
  checkDate(input.at);
  return {
    mti: input.mti ?? MTI.reversalRequest,
    fields: {
      3: processingCodeOf(input.kind, input.cashback === true),
      4: amountField(input.amountMinor),
      7: transmissionDateTime(input.at),
      11: input.original.stan,
      12: localTime(input.at),
      13: localDate(input.at),
      22: ENTRY_MODE_CODES[input.entryMode],
      25: POS_CONDITION_NORMAL,
      39: REVERSAL_REASONS[input.reason],
      41: input.terminalId,
      42: input.merchantId,
      49: input.currency,
      90: originalDataElements(input.original),
    },
  };
}

/** The reversal's bytes, MAC'd (DE 128) when `macKey` is given. `HOST_REQUEST_INVALID` naming the field otherwise. */
export function encodeReversalRequest(dialect: Dialect, input: ReversalInput, macKey?: Uint8Array): Buffer {
  return encodeRequest('reversal', dialect, () => reversalMessage(input), macKey);
}

export interface ReversalResponse {
  readonly responseCode: string;
  /** The host holds no charge for the original any more (00), or never had one (25): the duty is done. */
  readonly acknowledged: boolean;
  readonly stan: string;
}

/** The 0410/0430 read back after its MAC, MTI, STAN and terminal ID are checked. */
export function readReversalResponse(input: ReversalInput, reply: Iso8583Message, options: ReplyMacOptions = {}): ReversalResponse {
  checkReplyHeader(reply, options, { mti: responseMtiOf(input.mti ?? MTI.reversalRequest), stan: input.original.stan, terminalId: input.terminalId });
  const responseCode = responseCodeOf(reply);
  return {
    responseCode,
    acknowledged: responseCode === RESPONSE_CODES.approved || responseCode === RESPONSE_CODES.unableToLocateRecord,
    stan: input.original.stan,
  };
}
