/**
 * The engine's model ⇄ the gateway's JSON (`wire.ts`), terminal side:
 * a `CardRequest` as the authorization body, a `FollowUpRequest` as the
 * follow-up body, a `PendingReversal` as the reversal body, and the answers read back after checking that they parse,
 * follow the protocol and answer this request (STAN, terminal ID, amount).
 *
 * This is the one place the JSON profile reveals card data (PAN, expiry,
 * track 2, PIN block, DE 55); it goes straight into the body.
 */
import type { AxiosResponse } from 'axios';
import { formatExpiry } from '../../card/expiry.js';
import { iso87ascii } from '../../iso8583/dialects/iso87ascii.js';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { toHex } from '../../util/hex.js';
import { isApproval } from '../approval.js';
import { chipDataForHost } from '../messages/chip-data.js';
import { RESPONSE_CODES } from '../messages/constants.js';
import { checkDate } from '../messages/fields.js';
import { pinFields } from '../messages/pin-data.js';
import { reversalReasonFor } from '../messages/reversal.js';
import { checkAmountParts } from '../messages/financial.js';
import { ORIGINAL_KIND } from '../messages/follow-up.js';
import type { AuthorizationResponse, CardRequest, FollowUpRequest } from '../model.js';
import type { PendingReversal } from '../reversal-store.js';
import { badResponseError, type FailureContext } from './failures.js';
import {
  authorizationResponseSchema,
  failedFields,
  reversalResponseSchema,
  type AuthorizationRequestBody,
  type FollowUpRequestBody,
  type ReversalRequestBody,
} from './wire.js';

/** The JSON body of an authorization. Throws `HOST_REQUEST_INVALID` (nothing sent) for a PIN entry the protocol cannot carry. */
export function authorizationBody(request: CardRequest): AuthorizationRequestBody {
  checkDate(request.at);
  checkAmountParts(request);
  let pin: AuthorizationRequestBody['pin'];
  if (request.pin !== undefined) {
    // the same checks as DE 52/53: ISO 9564 format 0, 8-byte block, 10-byte KSN
    const fields = pinFields(iso87ascii, request.pin);
    pin = { block: toHex(fields[52]), ksn: toHex(fields[53]), format: 'iso0' };
    wipe(fields[52]);
  }
  let chip: AuthorizationRequestBody['chip'];
  if (request.chip !== undefined) {
    const de55 = chipDataForHost(request.chip.tlv);
    chip = { de55: toHex(de55) };
    wipe(de55);
  }
  return {
    kind: request.kind,
    stan: request.stan,
    transmittedAt: request.at.toISOString(),
    amountMinor: request.amountMinor,
    ...((request.tipMinor ?? 0) > 0 ? { tipMinor: request.tipMinor } : {}),
    ...((request.cashbackMinor ?? 0) > 0 ? { cashbackMinor: request.cashbackMinor } : {}),
    currency: request.currency,
    terminalId: request.terminalId,
    merchantId: request.merchantId,
    entryMode: request.entryMode,
    card: { pan: request.card.pan.revealText(), expiry: formatExpiry(request.card.expiry), track2: request.card.track2.revealText() },
    ...(pin === undefined ? {} : { pin }),
    ...(chip === undefined ? {} : { chip }),
  };
}

/** The JSON body of a completion, tip adjustment or increment (no card data). `HOST_REQUEST_INVALID` (nothing sent) when the original cannot be named. */
export function followUpBody(request: FollowUpRequest): FollowUpRequestBody {
  checkDate(request.at);
  const { original } = request;
  const originalKind = ORIGINAL_KIND[request.kind];
  if (original.kind !== originalKind) throw new PosError('HOST_REQUEST_INVALID', `A ${request.kind} names a ${originalKind}`, { field: 'original.kind', reason: 'original-kind' });
  if (original.authCode === null) throw new PosError('HOST_REQUEST_INVALID', 'A follow-up carries its original\'s auth code', { field: 'original.authCode', reason: 'auth-code' });
  if (Number.isNaN(Date.parse(original.transmittedAt))) throw new PosError('HOST_REQUEST_INVALID', 'The original\'s time is not a valid date', { field: 'original.transmittedAt', reason: 'date' });
  return {
    kind: request.kind,
    stan: request.stan,
    transmittedAt: request.at.toISOString(),
    amountMinor: request.amountMinor,
    ...(request.tipMinor === undefined ? {} : { tipMinor: request.tipMinor }),
    currency: request.currency,
    terminalId: request.terminalId,
    merchantId: request.merchantId,
    original: {
      kind: originalKind,
      stan: original.stan,
      transmittedAt: original.transmittedAt,
      authCode: original.authCode,
      rrn: original.rrn,
      entryMode: original.entryMode,
    },
  };
}

export function reversalBody(pending: PendingReversal, options: { merchantId: string; at: Date; repeat: boolean }): ReversalRequestBody {
  return {
    terminalId: pending.terminalId,
    merchantId: options.merchantId,
    original: { kind: pending.original, stan: pending.stan, transmittedAt: pending.transmittedAt },
    amountMinor: pending.amountMinor,
    currency: pending.currency,
    entryMode: pending.entryMode,
    reason: reversalReasonFor(pending.reason),
    repeat: options.repeat,
    at: options.at.toISOString(),
  };
}

/** The body as JSON, or `HOST_BAD_RESPONSE` (reason `not-json`). */
function jsonOf(response: AxiosResponse<string>, ctx: FailureContext): unknown {
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) throw badResponseError('not-json', ctx, { contentType: type.slice(0, 60) });
  try {
    return JSON.parse(response.data) as unknown;
  } catch {
    throw badResponseError('not-json', ctx);
  }
}

/** An authorization's or a follow-up's answer, checked against the request's STAN, terminal ID and amount. */
export function readAuthorizationAnswer(response: AxiosResponse<string>, request: Pick<CardRequest, 'stan' | 'terminalId' | 'amountMinor'>, ctx: FailureContext): AuthorizationResponse {
  const parsed = authorizationResponseSchema.safeParse(jsonOf(response, ctx));
  if (!parsed.success) throw badResponseError('schema', ctx, { fields: failedFields(parsed.error) });
  const body = parsed.data;
  if (body.stan !== request.stan) throw badResponseError('mismatch', ctx, { field: 'stan' });
  if (body.terminalId !== request.terminalId) throw badResponseError('mismatch', ctx, { field: 'terminalId' });
  if (body.amountMinor !== request.amountMinor) throw badResponseError('mismatch', ctx, { field: 'amountMinor' });
  if (body.approved !== isApproval(body.responseCode)) throw badResponseError('mismatch', ctx, { field: 'approved' });
  return {
    responseCode: body.responseCode,
    approved: body.approved,
    authCode: body.authCode,
    rrn: body.rrn,
    stan: request.stan,
    ...(body.issuerData === null || body.issuerData === '' ? {} : { issuerTlv: Buffer.from(body.issuerData, 'hex') }),
  };
}

export function readReversalAnswer(response: AxiosResponse<string>, pending: PendingReversal, ctx: FailureContext): { responseCode: string; acknowledged: boolean; stan: string } {
  const parsed = reversalResponseSchema.safeParse(jsonOf(response, ctx));
  if (!parsed.success) throw badResponseError('schema', ctx, { fields: failedFields(parsed.error) });
  const body = parsed.data;
  if (body.stan !== pending.stan) throw badResponseError('mismatch', ctx, { field: 'stan' });
  if (body.terminalId !== pending.terminalId) throw badResponseError('mismatch', ctx, { field: 'terminalId' });
  const acknowledged = body.responseCode === RESPONSE_CODES.approved || body.responseCode === RESPONSE_CODES.unableToLocateRecord;
  if (body.acknowledged !== acknowledged) throw badResponseError('mismatch', ctx, { field: 'acknowledged' });
  return { responseCode: body.responseCode, acknowledged, stan: pending.stan };
}
