/**
 * The simulated issuer's answer to 0400/0401 reversals and 0420/0421
 * reversal advices. The reversal carries no PAN: its original is found by
 * terminal ID (DE 41) and DE 90 (original MTI, STAN, DE 7).
 *
 *   30  no terminal ID, or DE 90 missing or not 42 digits
 *   25  no such original (unable to locate record): nothing to undo
 *   00  reversed — an approved original's money moves back (a purchase is
 *       re-credited, a refund re-debited) and its ledger entry is marked
 *       `reversed`; a declined original is only marked. Applied exactly once:
 *       every repeat (0401/0421, or the same 0400 again) is answered 00 and
 *       moves nothing.
 *
 * The whole original amount is reversed (partial reversals are not modelled).
 */
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { ORIGINAL_DATA_FIELD, parseOriginalDataElements } from '../../src/host/messages/reversal.js';
import { applyMoney, record, textField, type HandlerResult, type IssuerContext } from './issuer-context.js';

export function handleReversal(ctx: IssuerContext, request: Iso8583Message): HandlerResult {
  const terminalId = textField(request, 41);
  const de90 = textField(request, ORIGINAL_DATA_FIELD);
  const original = de90 === undefined ? undefined : parseOriginalDataElements(de90);
  if (terminalId === undefined || original === undefined) {
    record(ctx, request, { responseCode: RESPONSE_CODES.formatError });
    return { responseCode: RESPONSE_CODES.formatError };
  }
  const result = ctx.ledger.reverse(terminalId, original);
  if (result.outcome === 'unknown') {
    record(ctx, request, { responseCode: RESPONSE_CODES.unableToLocateRecord });
    return { responseCode: RESPONSE_CODES.unableToLocateRecord };
  }
  if (result.outcome === 'reversed' && result.approved) applyMoney(ctx, result.cardId, result.kind, result.amountMinor, -1);
  record(ctx, request, { maskedPan: result.outcome === 'reversed' ? result.maskedPan : null, responseCode: RESPONSE_CODES.approved });
  return { responseCode: RESPONSE_CODES.approved };
}
