/**
 * Messages about an approved transaction, without the card, in ISO 8583:1987
 * terms (`FollowUpRequest` in the host model):
 *
 *   completion   captures up to the amount a pre-authorization (0100) holds;
 *                0220/0230 financial advice (0221 repeat) by default, or
 *                0200/0210 when the host's dialect wants a request
 *                (`completionMessage: 'request'`);
 *                DE 3 000000, DE 25 06 (preauthorized request),
 *                DE 4 the amount captured (the rest of the hold is freed);
 *   tip-adjust   replaces the tip of an approved purchase (0200) before the
 *                batch closes; 0220/0230 (0221 repeat), DE 3 020000 (02,
 *                debit adjustment), DE 25 00, DE 4 the purchase's new whole
 *                amount (not the difference), DE 54 the new tip (amount type
 *                44, gratuity: sent even when 0, the tip removed);
 *   incremental  adds to the hold of an approved pre-authorization (0100),
 *                where the acquirer's dialect takes it (`transactions.incrementalAuthorization`):
 *                0100/0110 like the pre-authorization itself, DE 3 000000,
 *                DE 25 00, DE 4 the amount added (not the new whole hold);
 *                DE 90 naming the 0100 is what tells it from a new
 *                pre-authorization (our layout: ISO 8583:1987 has no
 *                function code for it, as the 1993 DE 24 106/107 would be).
 *
 * All: 7 transmission date and time (now), 11 the follow-up's own STAN,
 * 12/13 local time and date, 22 the original's entry mode (when known),
 * 37 the original's RRN (when it had one), 38 the original's auth code
 * (required), 41 terminal ID, 42 merchant ID, 49 currency, 54 the tip (a
 * completion's, when it has one), 90 the original data elements (MTI 0100
 * for a pre-authorization, 0200 for a purchase; its STAN and DE 7 — see
 * `reversal.ts`), 128 the MAC (DE 90 sets the secondary bitmap).
 * No card data: DE 2, 14, 35, 45, 52, 53 and 55 are never present; the
 * terminal keeps none once the card is gone, and the host finds the
 * original by DE 41 and DE 90 (DE 37/38 confirm it).
 *
 * Answer (0230 / 0210 / 0110): 3, 4, 7, 11, 41, 49 echoed; 39 response code (00
 * approved: captured, adjusted or held; a host declines with 13 for an
 * amount over the hold, 51 for an increment the account cannot cover, 25
 * when it knows no such original, 12 when the original was released,
 * voided or completed already); 37/38; 64 or 128 MAC.
 * Matched by MTI (request + 10), STAN, terminal ID and amount, MAC checked,
 * like every answer of this set.
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect, MessageInput } from '../../iso8583/types.js';
import { PosError } from '../../util/errors.js';
import type { AuthorizationResponse, FollowUpRequest, OriginalTransaction } from '../model.js';
import { ACCOUNT_TYPE_UNSPECIFIED, AMOUNT_TYPES, encodeAdditionalAmounts, tipAndCashbackField } from './additional-amounts.js';
import { MTI, POS_CONDITION_NORMAL, POS_CONDITION_PREAUTHORIZED, processingCodeOf } from './constants.js';
import { amountField, checkDate, localDate, localTime, transmissionDateTime } from './fields.js';
import { ENTRY_MODE_CODES, readFinancialResponse } from './financial.js';
import { encodeRequest } from './mac.js';
import type { ReplyMacOptions } from './reply-mac.js';
import { ORIGINAL_DATA_FIELD, originalDataElements, originalMtiOf, type CompletionMessage } from './reversal.js';

export type FollowUpMti = typeof MTI.authorizationRequest | typeof MTI.financialRequest | typeof MTI.financialAdvice | typeof MTI.financialAdviceRepeat;

const AUTH_CODE_RE = /^[0-9A-Za-z ]{6}$/;
const RRN_RE = /^[0-9A-Za-z ]{12}$/;

/** What each follow-up names as its original. */
export const ORIGINAL_KIND = { completion: 'preauth', 'tip-adjust': 'purchase', incremental: 'preauth' } as const satisfies Record<FollowUpRequest['kind'], string>;

export interface FollowUpOptions {
  /** How completions go out; default `advice` (0220). A tip adjustment is always an advice. */
  readonly completionMessage?: CompletionMessage;
  /** A repeat of an advice whose answer was lost: 0221 (an incremental authorization is a request: never repeated). */
  readonly repeat?: boolean;
}

/** The MTI of a follow-up: 0220 (0221 when repeated), 0200 for a completion when the dialect wants a request, 0100 for an incremental authorization. */
export function followUpMtiOf(kind: FollowUpRequest['kind'], options: FollowUpOptions = {}): FollowUpMti {
  if (kind === 'incremental') return MTI.authorizationRequest;
  if (kind === 'completion' && options.completionMessage === 'request') return MTI.financialRequest;
  return options.repeat === true ? MTI.financialAdviceRepeat : MTI.financialAdvice;
}

/** What the message needs of a follow-up: its original as DE 90 and DE 22/37/38 name it (the simulator's JSON gateway builds one from JSON). */
export interface FollowUpMessageInput extends Omit<FollowUpRequest, 'original'> {
  readonly original: Pick<OriginalTransaction, 'kind' | 'stan' | 'transmittedAt' | 'authCode' | 'rrn' | 'entryMode'>;
}

/** The message of a follow-up, before encoding. `HOST_REQUEST_INVALID` naming the field when it cannot be sent. */
export function followUpMessage(request: FollowUpMessageInput, options: FollowUpOptions = {}): MessageInput {
  checkDate(request.at);
  const { original } = request;
  if (original.kind !== ORIGINAL_KIND[request.kind]) {
    throw new PosError('HOST_REQUEST_INVALID', `A ${request.kind} names a ${ORIGINAL_KIND[request.kind]}, not a ${original.kind}`, { field: ORIGINAL_DATA_FIELD, reason: 'original-kind' });
  }
  if (original.authCode === null || !AUTH_CODE_RE.test(original.authCode)) {
    throw new PosError('HOST_REQUEST_INVALID', 'A follow-up carries its original\'s six-character auth code', { field: 38, reason: 'auth-code' });
  }
  if (original.rrn !== null && !RRN_RE.test(original.rrn)) throw new PosError('HOST_REQUEST_INVALID', 'The original\'s RRN is not 12 characters', { field: 37, reason: 'rrn' });
  const tip = request.tipMinor ?? 0;
  if (!Number.isSafeInteger(tip) || tip < 0 || tip > request.amountMinor) {
    throw new PosError('HOST_REQUEST_INVALID', 'The tip is a whole part of the amount', { field: 54, reason: 'tip' });
  }
  const originalAt = new Date(original.transmittedAt);
  checkDate(originalAt, ORIGINAL_DATA_FIELD);
  const mti = followUpMtiOf(request.kind, options);
  return {
    mti,
    fields: {
      3: processingCodeOf(request.kind),
      4: amountField(request.amountMinor),
      7: transmissionDateTime(request.at),
      11: request.stan,
      12: localTime(request.at),
      13: localDate(request.at),
      22: original.entryMode === null ? undefined : ENTRY_MODE_CODES[original.entryMode],
      25: request.kind === 'completion' ? POS_CONDITION_PREAUTHORIZED : POS_CONDITION_NORMAL,
      37: original.rrn ?? undefined,
      38: original.authCode,
      41: request.terminalId,
      42: request.merchantId,
      49: request.currency,
      54:
        request.kind === 'tip-adjust'
          ? encodeAdditionalAmounts([{ accountType: ACCOUNT_TYPE_UNSPECIFIED, amountType: AMOUNT_TYPES.gratuity, currency: request.currency, sign: 'D', amountMinor: tip }])
          : tipAndCashbackField(request.currency, { tipMinor: tip }),
      90: originalDataElements({ mti: originalMtiOf(original.kind), stan: original.stan, transmissionDateTime: transmissionDateTime(originalAt) }),
    },
  };
}

/** The follow-up's bytes, MAC'd (DE 128) when `macKey` is given. */
export function encodeFollowUpRequest(dialect: Dialect, request: FollowUpRequest, options: FollowUpOptions & { readonly macKey?: Uint8Array } = {}): Buffer {
  return encodeRequest(request.kind, dialect, () => followUpMessage(request, options), options.macKey);
}

/** The 0230/0210 read back after its MAC, MTI, STAN, terminal ID and amount are checked, as a financial answer is. */
export function readFollowUpResponse(
  request: Pick<FollowUpRequest, 'kind' | 'stan' | 'terminalId' | 'amountMinor'>,
  reply: Iso8583Message,
  options: FollowUpOptions & ReplyMacOptions = {},
): AuthorizationResponse {
  const { macKey, dialect } = options;
  return readFinancialResponse(request, reply, { mti: followUpMtiOf(request.kind, options), ...(macKey === undefined ? {} : { macKey }), ...(dialect === undefined ? {} : { dialect }) });
}
