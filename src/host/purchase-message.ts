/**
 * A purchase on the wire in ISO 8583:1987 terms: `PurchaseRequest` → 0200
 * financial request, and 0210 → `AuthorizationResponse`.
 *
 *   0200: 2 PAN, 3 processing code 000000 (goods and services), 4 amount,
 *         7 transmission date and time (UTC MMDDhhmmss), 11 STAN,
 *         12 local time (hhmmss), 13 local date (MMDD), 14 expiry (YYMM),
 *         22 POS entry mode, 25 POS condition code 00 (normal presentment),
 *         35 track 2 equivalent data, 41 terminal ID, 42 merchant ID,
 *         49 currency
 *   0210: the same STAN (11), terminal ID (41) and amount (4) echoed, plus
 *         37 retrieval reference number, 38 authorization code, 39 response code
 *
 * Time comes from the request's `at`, never from a clock here. "Local" is the
 * process's time zone, which is the terminal's on a Raspberry Pi.
 */
import { formatExpiry } from '../card/expiry.js';
import type { EntryMode } from '../devices/card-reader.js';
import { encodeMessage } from '../iso8583/message-codec.js';
import type { Iso8583Message } from '../iso8583/message.js';
import type { Dialect } from '../iso8583/types.js';
import { isPosError, PosError } from '../util/errors.js';
import type { AuthorizationResponse, PurchaseRequest } from './model.js';

export const MTI_FINANCIAL_REQUEST = '0200';
export const MTI_FINANCIAL_RESPONSE = '0210';
/** DE 3: transaction type 00 (goods and services), from and to the default account. */
export const PROCESSING_CODE_PURCHASE = '000000';
/** DE 25: normal presentment. */
export const POS_CONDITION_NORMAL = '00';
/** DE 39 that approves. */
export const RESPONSE_APPROVED = '00';
/** DE 4 is n 12. */
const MAX_AMOUNT_MINOR = 999_999_999_999;

/**
 * DE 22, POS entry mode (ISO 8583:1987): two digits for how the PAN was read,
 * then one for the terminal's PIN entry capability. The walking skeleton has
 * no PIN pad in the purchase flow yet, so the third digit is 2 (no PIN entry
 * capability) for every mode; it becomes 1 when online PIN arrives.
 * - 90 full magnetic stripe read
 * - 05 integrated circuit card
 * - 07 contactless chip
 * - 80 magnetic stripe read after a chip failure (fallback)
 * - 01 manual key entry
 */
export const ENTRY_MODE_CODES = {
  swipe: '902',
  chip: '052',
  contactless: '072',
  fallback: '802',
  manual: '012',
} as const satisfies Record<EntryMode, string>;

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** DE 7: MMDDhhmmss in UTC. */
export function transmissionDateTime(at: Date): string {
  return `${pad2(at.getUTCMonth() + 1)}${pad2(at.getUTCDate())}${pad2(at.getUTCHours())}${pad2(at.getUTCMinutes())}${pad2(at.getUTCSeconds())}`;
}

/** DE 12: hhmmss local. */
export function localTime(at: Date): string {
  return `${pad2(at.getHours())}${pad2(at.getMinutes())}${pad2(at.getSeconds())}`;
}

/** DE 13: MMDD local. */
export function localDate(at: Date): string {
  return `${pad2(at.getMonth() + 1)}${pad2(at.getDate())}`;
}

/** DE 4: the amount in minor units as twelve digits. */
export function amountField(amountMinor: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > MAX_AMOUNT_MINOR) {
    throw new PosError('HOST_REQUEST_INVALID', 'The amount must be a whole number of minor units from 0 to 999999999999', { field: 4 });
  }
  return String(amountMinor).padStart(12, '0');
}

/**
 * The 0200 bytes for a purchase. This is the one place the card's PAN and
 * track 2 are revealed; the clear field table never leaves this function.
 * Throws `HOST_REQUEST_INVALID` (details: `field`, and the codec's `cause`)
 * when the request cannot be encoded; nothing has been sent then.
 */
export function encodePurchaseRequest(dialect: Dialect, request: PurchaseRequest): Buffer {
  if (Number.isNaN(request.at.getTime())) throw new PosError('HOST_REQUEST_INVALID', 'The request time is not a valid date', { field: 7 });
  try {
    return encodeMessage(dialect, {
      mti: MTI_FINANCIAL_REQUEST,
      fields: {
        2: request.card.pan.revealText(),
        3: PROCESSING_CODE_PURCHASE,
        4: amountField(request.amountMinor),
        7: transmissionDateTime(request.at),
        11: request.stan,
        12: localTime(request.at),
        13: localDate(request.at),
        14: formatExpiry(request.card.expiry),
        22: ENTRY_MODE_CODES[request.entryMode],
        25: POS_CONDITION_NORMAL,
        35: request.card.track2.revealText(),
        41: request.terminalId,
        42: request.merchantId,
        49: request.currency,
      },
    });
  } catch (err) {
    if (isPosError(err) && err.code.startsWith('ISO8583_')) {
      const field = err.details['field'];
      throw new PosError(
        'HOST_REQUEST_INVALID',
        `The purchase cannot be encoded: field ${String(field)} (${err.code})`,
        { field: typeof field === 'number' || typeof field === 'string' ? field : null, cause: err.code, requestMayHaveReachedHost: false },
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * The 0210 read back into an `AuthorizationResponse`, after checking it
 * answers this request: MTI 0210 and the echoed STAN, terminal ID and
 * amount. Anything else is `HOST_BAD_RESPONSE` naming the field.
 */
export function readPurchaseResponse(request: PurchaseRequest, reply: Iso8583Message): AuthorizationResponse {
  if (reply.mti !== MTI_FINANCIAL_RESPONSE) badResponse(0, 'unexpected-mti');
  expectEcho(reply, 11, request.stan);
  expectEcho(reply, 41, request.terminalId);
  expectEcho(reply, 4, amountField(request.amountMinor));
  const responseCode = textOf(reply, 39);
  if (responseCode === undefined) badResponse(39, 'missing');
  return {
    responseCode,
    approved: responseCode === RESPONSE_APPROVED,
    authCode: textOf(reply, 38) ?? null,
    rrn: textOf(reply, 37) ?? null,
    stan: request.stan,
  };
}

function expectEcho(reply: Iso8583Message, field: number, expected: string): void {
  const value = textOf(reply, field);
  if (value === undefined) badResponse(field, 'missing');
  if (value !== expected) badResponse(field, 'mismatch');
}

function textOf(reply: Iso8583Message, field: number): string | undefined {
  const value = reply.get(field);
  if (value === undefined || typeof value === 'string') return value;
  return badResponse(field, 'binary');
}

function badResponse(field: number, reason: string): never {
  throw new PosError('HOST_BAD_RESPONSE', `The host's 0210 does not answer the request: field ${field} ${reason}`, {
    field,
    reason,
    requestMayHaveReachedHost: true,
  });
}
