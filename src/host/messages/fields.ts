/**
 * ISO 8583:1987 data element values shared by every message of the set:
 * DE 4 amount (n 12), DE 7 transmission date and time (MMDDhhmmss, UTC),
 * DE 12/13 local time and date, and the checks a reader applies to a
 * response (present, text, equal to what the request sent).
 *
 * Time comes from the caller's `at`, never from a clock here. "Local" is the
 * process's time zone, which is the terminal's on a Raspberry Pi.
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import { isPosError, PosError } from '../../util/errors.js';

/** DE 4 is n 12. */
export const MAX_AMOUNT_MINOR = 999_999_999_999;

const pad2 = (n: number): string => String(n).padStart(2, '0');

export function checkDate(at: Date, field = 7): void {
  if (Number.isNaN(at.getTime())) throw new PosError('HOST_REQUEST_INVALID', 'The request time is not a valid date', { field });
}

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

/** DE 4 (and the n 12/n 16 totals): a whole number of minor units, zero-padded. */
export function amountField(amountMinor: number, field = 4, digits = 12): string {
  const max = 10 ** digits - 1;
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > Math.min(max, Number.MAX_SAFE_INTEGER)) {
    throw new PosError('HOST_REQUEST_INVALID', `Field ${field} must be a whole number from 0 to ${'9'.repeat(Math.min(digits, 15))}`, { field });
  }
  return String(amountMinor).padStart(digits, '0');
}

/**
 * Runs an encoder and turns a codec error into `HOST_REQUEST_INVALID` naming
 * the field; nothing has been sent then.
 */
export function encodingRequest<T>(what: string, encode: () => T): T {
  try {
    return encode();
  } catch (err) {
    if (isPosError(err) && err.code.startsWith('ISO8583_')) {
      const field = err.details['field'];
      throw new PosError(
        'HOST_REQUEST_INVALID',
        `The ${what} cannot be encoded: field ${String(field)} (${err.code})`,
        { field: typeof field === 'number' || typeof field === 'string' ? field : null, cause: err.code },
        { cause: err },
      );
    }
    throw err;
  }
}

/** `HOST_BAD_RESPONSE` naming the field: the answer does not answer the request. */
export function badResponse(field: number, reason: string, what = 'answer'): never {
  throw new PosError('HOST_BAD_RESPONSE', `The host's ${what} does not answer the request: field ${field} ${reason}`, { field, reason });
}

/** A text field of a reply; a binary value where text belongs is a bad response. */
export function replyText(reply: Iso8583Message, field: number): string | undefined {
  const value = reply.get(field);
  if (value === undefined || typeof value === 'string') return value;
  return badResponse(field, 'binary');
}

/** A binary field of a reply; text where bytes belong is a bad response. */
export function replyBytes(reply: Iso8583Message, field: number): Buffer | undefined {
  const value = reply.get(field);
  if (value === undefined || Buffer.isBuffer(value)) return value;
  return badResponse(field, 'text');
}

/** The reply's MTI is the one expected. */
export function expectMti(reply: Iso8583Message, mti: string): void {
  if (reply.mti !== mti) badResponse(0, 'unexpected-mti');
}

/** A field the reply must echo unchanged. */
export function expectEcho(reply: Iso8583Message, field: number, expected: string): void {
  const value = replyText(reply, field);
  if (value === undefined) badResponse(field, 'missing');
  if (value !== expected) badResponse(field, 'mismatch');
}

/** DE 39, required in every answer. */
export function responseCodeOf(reply: Iso8583Message): string {
  const code = replyText(reply, 39);
  if (code === undefined) badResponse(39, 'missing');
  return code;
}
