/**
 * The simulated issuer's answer to 0400/0401 reversals and 0420/0421
 * reversal advices. The reversal carries no PAN: its original is found by
 * terminal ID (DE 41) and DE 90 (original MTI, STAN, DE 7).
 *
 *   30  no terminal ID, or DE 90 missing or not 42 digits
 *   25  no such original (unable to locate record): nothing to undo
 *   00  reversed — an approved original's money moves back and its ledger
 *       entry is marked `reversed` (`ledger.ts`): a purchase is re-credited
 *       and a refund re-debited (a void), a pre-authorization's hold is freed
 *       (a release: DE 90 names the 0100), a completion's capture is
 *       re-credited (0220 or 0200), a tip adjustment puts its purchase back
 *       to the amount before it (0220 with DE 3 02); a declined original is
 *       only marked. Applied exactly once: every repeat (0401/0421, or the
 *       same 0400 again) is answered 00 and moves nothing. A pre-authorization
 *       already completed holds nothing: its reversal is answered 00 and
 *       moves nothing (the completion is what to void).
 *
 * The whole original amount is reversed (partial reversals are not modelled);
 * DE 4 and DE 3 of the reversal are not compared with the original's.
 */
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { ORIGINAL_DATA_FIELD, parseOriginalDataElements } from '../../src/host/messages/reversal.js';
import { credit, record, textField, type HandlerResult, type IssuerContext } from './issuer-context.js';

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
    record(ctx, request, { originalStan: original.stan, responseCode: RESPONSE_CODES.unableToLocateRecord });
    return { responseCode: RESPONSE_CODES.unableToLocateRecord };
  }
  if (result.outcome === 'reversed') credit(ctx, result.undone);
  record(ctx, request, { maskedPan: result.outcome === 'reversed' ? result.row.maskedPan : null, originalStan: original.stan, responseCode: RESPONSE_CODES.approved });
  return { responseCode: RESPONSE_CODES.approved };
}
