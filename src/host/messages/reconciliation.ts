/**
 * Reconciliation, ISO 8583:1987 0500/0510 (0501 repeat): the terminal's
 * totals since its last reconciliation against the host's.
 *
 * Request: 7 transmission date and time, 11 STAN, 41 terminal ID,
 * 42 merchant ID, 50 currency (settlement), and the 1987 totals:
 *
 *   74 credits, number           (n 10)  refunds approved
 *   75 credits, reversal number  (n 10)  of those, reversed
 *   76 debits, number            (n 10)  purchases approved (0200 and advices)
 *   77 debits, reversal number   (n 10)  of those, reversed
 *   86 credits, amount           (n 16)
 *   87 credits, reversal amount  (n 16)
 *   88 debits, amount            (n 16)
 *   89 debits, reversal amount   (n 16)
 *
 * A reversed transaction stays counted in 74/76 and is counted again in
 * 75/77, so the net is 88 − 89 − (86 − 87). Authorizations (0100) are not
 * financial and are not counted.
 *
 * Answer 0510: 39 = 00 when the host's totals agree, 95 when they do not;
 * the host's own totals in the same fields either way; 128 MAC.
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect, FieldValue } from '../../iso8583/types.js';
import { MTI, RESPONSE_CODES } from './constants.js';
import { amountField, badResponse, checkDate, replyText, responseCodeOf, transmissionDateTime } from './fields.js';
import { encodeRequest } from './mac.js';
import { checkReplyHeader, type ReplyMacOptions } from './reply-mac.js';

export interface ReconciliationTotals {
  readonly creditsCount: number;
  readonly creditsReversalCount: number;
  readonly debitsCount: number;
  readonly debitsReversalCount: number;
  readonly creditsAmountMinor: number;
  readonly creditsReversalAmountMinor: number;
  readonly debitsAmountMinor: number;
  readonly debitsReversalAmountMinor: number;
}

export const ZERO_TOTALS: ReconciliationTotals = {
  creditsCount: 0,
  creditsReversalCount: 0,
  debitsCount: 0,
  debitsReversalCount: 0,
  creditsAmountMinor: 0,
  creditsReversalAmountMinor: 0,
  debitsAmountMinor: 0,
  debitsReversalAmountMinor: 0,
};

/** Each total's data element and its digits. */
export const TOTALS_FIELDS = {
  creditsCount: [74, 10],
  creditsReversalCount: [75, 10],
  debitsCount: [76, 10],
  debitsReversalCount: [77, 10],
  creditsAmountMinor: [86, 16],
  creditsReversalAmountMinor: [87, 16],
  debitsAmountMinor: [88, 16],
  debitsReversalAmountMinor: [89, 16],
} as const satisfies Record<keyof ReconciliationTotals, readonly [number, number]>;

const TOTAL_KEYS = Object.keys(TOTALS_FIELDS) as (keyof ReconciliationTotals)[];

export interface ReconciliationRequest {
  readonly stan: string;
  readonly at: Date;
  readonly terminalId: string;
  readonly merchantId: string;
  /** ISO 4217 numeric (DE 50). */
  readonly currency: string;
  readonly totals: ReconciliationTotals;
  /** Default 0500. */
  readonly mti?: typeof MTI.reconciliationRequest | typeof MTI.reconciliationRepeat;
}

/** The totals as DE 74–89 values. */
export function totalsFields(totals: ReconciliationTotals): Record<number, string> {
  const out: Record<number, string> = {};
  for (const key of TOTAL_KEYS) {
    const [field, digits] = TOTALS_FIELDS[key];
    out[field] = amountField(totals[key], field, digits);
  }
  return out;
}

/** The totals of a message's DE 74–89; undefined when one is missing or not digits. */
export function totalsOf(fields: Readonly<Record<number, FieldValue | undefined>>): ReconciliationTotals | undefined {
  const out: Record<string, number> = {};
  for (const key of TOTAL_KEYS) {
    const value = fields[TOTALS_FIELDS[key][0]];
    if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
    out[key] = Number(value);
  }
  return out as unknown as ReconciliationTotals;
}

export function totalsEqual(a: ReconciliationTotals, b: ReconciliationTotals): boolean {
  return TOTAL_KEYS.every((k) => a[k] === b[k]);
}

export function encodeReconciliationRequest(dialect: Dialect, request: ReconciliationRequest, macKey?: Uint8Array): Buffer {
  return encodeRequest(
    'reconciliation request',
    dialect,
    () => {
      checkDate(request.at);
      return {
        mti: request.mti ?? MTI.reconciliationRequest,
        fields: {
          7: transmissionDateTime(request.at),
          11: request.stan,
          41: request.terminalId,
          42: request.merchantId,
          50: request.currency,
          ...totalsFields(request.totals),
        },
      };
    },
    macKey,
  );
}

export interface ReconciliationResponse {
  readonly responseCode: string;
  /** 00: the host's totals agree. */
  readonly inBalance: boolean;
  readonly hostTotals: ReconciliationTotals;
}

export function readReconciliationResponse(request: ReconciliationRequest, reply: Iso8583Message, options: ReplyMacOptions = {}): ReconciliationResponse {
  checkReplyHeader(reply, options, { mti: MTI.reconciliationResponse, stan: request.stan, terminalId: request.terminalId });
  const responseCode = responseCodeOf(reply);
  for (const key of TOTAL_KEYS) replyText(reply, TOTALS_FIELDS[key][0]);
  const hostTotals = totalsOf(reply.fields);
  if (hostTotals === undefined) badResponse(TOTALS_FIELDS.creditsCount[0], 'missing');
  return { responseCode, inBalance: responseCode === RESPONSE_CODES.approved, hostTotals };
}
