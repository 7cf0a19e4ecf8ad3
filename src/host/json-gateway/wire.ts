/**
 * The HTTPS JSON gateway protocol, both directions, as data: what the
 * terminal's `JsonGatewayClient` sends and the simulator's gateway
 * (`hw-mocks/host/https-gateway.ts`) reads, and back.
 *
 *   POST /v1/authorizations   Idempotency-Key: <terminal>-<stan>-<YYYYMMDD>
 *     { kind, stan, transmittedAt, amountMinor, tipMinor?, cashbackMinor?, currency, terminalId,
 *       merchantId, entryMode, card: { pan, expiry, track2? }, pin?: { block, ksn, format }, chip?: { de55 } }
 *   → 200 { stan, terminalId, amountMinor, responseCode, approved, authCode, rrn, issuerData }
 *     kind: purchase (ISO 8583 0200, DE 3 00, or 09 with a cashback), refund (0200, 20),
 *     preauth (0100, 00: holds the amount); amountMinor is the whole amount, tip and
 *     cashback included (DE 4; DE 54 types 44 and 40)
 *
 *   POST /v1/follow-ups       Idempotency-Key: <terminal>-<stan>-<YYYYMMDD>
 *     { kind, stan, transmittedAt, amountMinor, tipMinor?, currency, terminalId, merchantId,
 *       original: { kind, stan, transmittedAt, authCode, rrn, entryMode } }
 *   → 200 as an authorization's answer (issuerData null)
 *     kind: completion (ISO 8583 0220, DE 3 00: captures up to the pre-authorization's hold;
 *     original.kind preauth) or tip-adjust (0220, DE 3 02: amountMinor the purchase's new
 *     whole amount, tipMinor the new tip; original.kind purchase) or incremental (0100, DE 3 00:
 *     amountMinor added to the pre-authorization's hold; original.kind preauth). No card data: the
 *     original is found by terminal, STAN and transmittedAt (ISO 8583 DE 90).
 *
 *   POST /v1/reversals        Idempotency-Key: <terminal>-<stan>-<YYYYMMDD>-R
 *     { terminalId, merchantId, original: { kind, stan, transmittedAt }, amountMinor, currency,
 *       entryMode, reason, repeat, at }
 *   → 200 { stan, terminalId, responseCode, acknowledged }
 *     original.kind: purchase, refund, preauth (a release), completion, tip-adjust, incremental — as the
 *     ISO 8583 reversal names them (`messages/reversal.ts`)
 *
 *   any failure → 4xx/5xx { error: { code, message } }
 *
 * Card data (PAN, expiry, track 2, the PIN block, DE 55) travels only in the
 * request body, over TLS: never in the URL, a header or a log line. Binary
 * values (PIN block, KSN, chip data) are uppercase hex; `de55` is the DE 55
 * TLV the ISO 8583 encoder would send (sensitive tags stripped). Response
 * codes are ISO 8583:1987 DE 39 values, so the engine reads both profiles
 * the same way.
 */
import { z } from 'zod';
import type { EntryMode } from '../../devices/card-reader.js';

export const AUTHORIZATIONS_PATH = '/v1/authorizations';
export const REVERSALS_PATH = '/v1/reversals';
export const FOLLOW_UPS_PATH = '/v1/follow-ups';
/** IETF draft-ietf-httpapi-idempotency-key-header. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set by the gateway on an answer replayed for a repeated key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

const ENTRY_MODES = ['swipe', 'chip', 'contactless', 'contactless-magstripe', 'fallback', 'manual'] as const satisfies readonly EntryMode[];
const HEX = /^(?:[0-9A-F]{2})*$/;
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date');
const stan = z.string().regex(/^\d{6}$/);
const terminalId = z.string().regex(/^[ -~]{8}$/);
/** DE 39 as ISO 8583 carries it: two digits or capitals. */
const responseCode = z.string().regex(/^[0-9A-Z]{2}$/);
const merchantId = z.string().regex(/^[ -~]{15}$/);
const amountMinor = z.number().int().nonnegative().max(999_999_999_999);
const currency = z.string().regex(/^\d{3}$/);
const kind = z.enum(['purchase', 'refund', 'preauth']);
const followUpKind = z.enum(['completion', 'tip-adjust', 'incremental']);
const reversedKind = z.enum(['purchase', 'refund', 'preauth', 'completion', 'tip-adjust', 'incremental']);
const authCode = z.string().regex(/^[0-9A-Za-z ]{1,6}$/);
const rrn = z.string().regex(/^[0-9A-Za-z ]{1,12}$/);
const entryMode = z.enum(ENTRY_MODES);
/** What every answer carries: its request's STAN and terminal ID, and DE 39. */
const answered = { stan, terminalId, responseCode };

export const authorizationRequestSchema = z.strictObject({
  kind,
  stan,
  transmittedAt: isoDate,
  amountMinor,
  /** Parts of `amountMinor`. */
  tipMinor: amountMinor.optional(),
  cashbackMinor: amountMinor.optional(),
  currency,
  terminalId,
  merchantId,
  entryMode,
  card: z.strictObject({
    pan: z.string().regex(/^\d{12,19}$/),
    /** YYMM. */
    expiry: z.string().regex(/^\d{4}$/),
    /** ISO/IEC 7813 track 2 without sentinels (`PAN=YYMMSSS…`). */
    track2: z.string().regex(/^\d{12,19}[=D][0-9]{0,21}$/).optional(),
  }),
  pin: z.strictObject({
    /** ISO 9564-1 format 0, encrypted under the DUKPT PIN key: 8 bytes. */
    block: z.string().regex(HEX).length(16),
    /** TDES DUKPT KSN: 10 bytes. */
    ksn: z.string().regex(HEX).length(20),
    format: z.literal('iso0'),
  }).optional(),
  chip: z.strictObject({ de55: z.string().regex(HEX).min(2).max(510) }).optional(),
});
export type AuthorizationRequestBody = z.infer<typeof authorizationRequestSchema>;

export const authorizationResponseSchema = z.strictObject({
  ...answered,
  amountMinor,
  approved: z.boolean(),
  authCode: authCode.nullable(),
  rrn: rrn.nullable(),
  /** DE 55 of the answer (91 ARPC ‖ ARC, 71/72 scripts), hex; null when none. */
  issuerData: z.string().regex(HEX).nullable(),
});
export type AuthorizationResponseBody = z.infer<typeof authorizationResponseSchema>;

export const followUpRequestSchema = z.strictObject({
  kind: followUpKind,
  stan,
  transmittedAt: isoDate,
  amountMinor,
  tipMinor: amountMinor.optional(),
  currency,
  terminalId,
  merchantId,
  original: z.strictObject({ kind: z.enum(['preauth', 'purchase']), stan, transmittedAt: isoDate, authCode, rrn: rrn.nullable(), entryMode: entryMode.nullable() }),
});
export type FollowUpRequestBody = z.infer<typeof followUpRequestSchema>;

export const REVERSAL_REASON_NAMES = ['noResponse', 'customerCancellation', 'chipDeclineAfterApproval'] as const;

export const reversalRequestSchema = z.strictObject({
  terminalId,
  merchantId,
  original: z.strictObject({ kind: reversedKind, stan, transmittedAt: isoDate }),
  amountMinor,
  currency,
  entryMode,
  reason: z.enum(REVERSAL_REASON_NAMES),
  /** A repeat of a reversal already sent (0401 in ISO 8583 terms). */
  repeat: z.boolean(),
  at: isoDate,
});
export type ReversalRequestBody = z.infer<typeof reversalRequestSchema>;

export const reversalResponseSchema = z.strictObject({
  ...answered,
  /** The host holds no charge for the original any more (00), or never had one (25). */
  acknowledged: z.boolean(),
});
export type ReversalResponseBody = z.infer<typeof reversalResponseSchema>;

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYYMMDD` of an instant, in UTC (the day DE 7 belongs to). */
export function utcDay(at: Date): string {
  return `${at.getUTCFullYear()}${pad2(at.getUTCMonth() + 1)}${pad2(at.getUTCDate())}`;
}

/**
 * The idempotency key of a request: terminal ID, STAN and the UTC day, the
 * same triple a host uses to spot a duplicate. Spaces in a terminal ID
 * become `_` so the header stays a token. Not card data.
 */
export function idempotencyKey(terminal: string, stanValue: string, at: Date, suffix = ''): string {
  return `${terminal.replace(/[^0-9A-Za-z-]/g, '_')}-${stanValue}-${utcDay(at)}${suffix === '' ? '' : `-${suffix}`}`;
}

/** The names of the fields a zod failure points at (never their values). */
export function failedFields(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((i) => i.path.join('.') || '(root)'))];
}
