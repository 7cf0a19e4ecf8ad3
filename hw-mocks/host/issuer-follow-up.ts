/**
 * The simulated issuer's answer to a completion, tip adjustment or
 * incremental authorization (`src/host/messages/follow-up.ts`): a 0220/0221
 * (a completion also as 0200; an increment a 0100) that names its original
 * in DE 90 and carries no card data. Checked in this order, the first that
 * fails answers:
 *
 *   30 no terminal ID, amount or DE 38; DE 90 not 42 digits; DE 54 not
 *      whole amount blocks, or a tip adjustment without its tip (type 44)
 *   12 DE 3 other than 000000 (completion, increment) or 020000 (tip
 *      adjustment, an advice only)
 *   94 a 0200 with the terminal, STAN and day of a request already judged;
 *      an advice (0220 or its 0221 repeat) gets the first one's answer again
 *      (code, auth code, RRN) and moves nothing
 *   25 no original: DE 90 names no judged request of this terminal (a
 *      completion or increment names a 0100, a tip adjustment a 0200), or DE 38 is not
 *      the original's auth code — unable to locate record
 *   12 the original is not what the follow-up takes (a completion or an
 *      increment: an approved pre-authorization still holding; a tip
 *      adjustment: an approved purchase), or was reversed (released,
 *      voided) or completed
 *   13 a completion over the amount the pre-authorization holds; a tip
 *      adjustment whose DE 4 is not the purchase's amount without its old
 *      tip plus the new one (DE 54) — invalid amount; nothing moves
 *   51 a tip adjustment raising the charge, or an increment the hold,
 *      beyond the available balance
 *   00 a completion captures DE 4 and frees the rest of the hold; a tip
 *      adjustment sets the purchase's charge to DE 4; an increment adds DE 4
 *      to the hold. 38 the original's auth code, 37 a new RRN.
 */
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { additionalAmountOf, AMOUNT_TYPES, parseAdditionalAmounts } from '../../src/host/messages/additional-amounts.js';
import { MTI, PROCESSING_CODES, RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { ORIGINAL_DATA_FIELD, parseOriginalDataElements, type OriginalData } from '../../src/host/messages/reversal.js';
import { balanceOf, credit, record, textField, type HandlerResult, type IssuerContext, type RecordInput } from './issuer-context.js';
import type { LedgerRow } from './ledger.js';

const AMOUNT_RE = /^\d{12}$/;
const ADVICE_MTIS: ReadonlySet<string> = new Set([MTI.financialAdvice, MTI.financialAdviceRepeat]);

/** Whether a financial request is a follow-up: a 0100/0200/0220/0221 naming an original in DE 90. */
export function isFollowUp(request: Iso8583Message): boolean {
  return request.has(ORIGINAL_DATA_FIELD);
}

type FollowUpKind = 'completion' | 'tip-adjust' | 'incremental';

/** What DE 3 and the MTI make of a follow-up; undefined for none the set has. */
function kindOf(mti: string, code: string): FollowUpKind | undefined {
  if (mti === MTI.authorizationRequest) return code === PROCESSING_CODES.purchase ? 'incremental' : undefined;
  if (code === PROCESSING_CODES.purchase) return 'completion';
  return code === PROCESSING_CODES.adjustment && ADVICE_MTIS.has(mti) ? 'tip-adjust' : undefined;
}

function answer(ctx: IssuerContext, request: Iso8583Message, responseCode: string, input: Omit<RecordInput, 'responseCode'> = {}): HandlerResult {
  record(ctx, request, { ...input, responseCode });
  return { responseCode, fields: { 37: input.rrn ?? undefined, 38: input.authCode ?? undefined } };
}

export function handleFollowUp(ctx: IssuerContext, request: Iso8583Message): HandlerResult {
  const terminalId = textField(request, 41);
  const amount = textField(request, 4);
  const authCode = textField(request, 38);
  const de90 = textField(request, ORIGINAL_DATA_FIELD);
  const named = de90 === undefined ? undefined : parseOriginalDataElements(de90);
  const de54 = request.get(54);
  const amounts = typeof de54 === 'string' ? parseAdditionalAmounts(de54) : undefined;
  if (terminalId === undefined || amount === undefined || !AMOUNT_RE.test(amount) || authCode === undefined || named === undefined || (de54 !== undefined && amounts === undefined)) {
    return answer(ctx, request, RESPONSE_CODES.formatError);
  }
  const advice = ADVICE_MTIS.has(request.mti);
  const code = textField(request, 3) ?? PROCESSING_CODES.purchase;
  const kind = kindOf(request.mti, code);
  if (kind === undefined) return answer(ctx, request, RESPONSE_CODES.invalidTransaction, { originalStan: named.stan });
  const hasTip = amounts?.some((a) => a.amountType === AMOUNT_TYPES.gratuity) === true;
  if (kind === 'tip-adjust' && !hasTip) return answer(ctx, request, RESPONSE_CODES.formatError, { originalStan: named.stan });
  const tipMinor = hasTip ? additionalAmountOf(amounts, AMOUNT_TYPES.gratuity) : null;

  const duplicate = ctx.ledger.findDuplicate(terminalId, textField(request, 11) ?? '', textField(request, 7) ?? null);
  if (duplicate !== undefined) {
    if (!advice) return answer(ctx, request, RESPONSE_CODES.duplicateTransmission, { originalStan: named.stan });
    return answer(ctx, request, duplicate.responseCode ?? RESPONSE_CODES.systemMalfunction, {
      maskedPan: duplicate.maskedPan,
      originalStan: duplicate.originalStan,
      authCode: duplicate.authCode,
      rrn: duplicate.rrn,
    });
  }

  const original = originalOf(ctx, terminalId, named, kind, authCode);
  if (original === undefined) return answer(ctx, request, RESPONSE_CODES.unableToLocateRecord, { originalStan: named.stan, tipMinor });
  const about = { maskedPan: original.maskedPan, cardId: original.cardId, original, tipMinor } as const;
  const amountMinor = Number(amount);
  const rrn = String(ctx.nextSequence()).padStart(12, '0');
  switch (kind) {
    case 'completion':
      return complete(ctx, request, original, amountMinor, about, rrn);
    case 'incremental':
      return increase(ctx, request, original, amountMinor, about, rrn);
    case 'tip-adjust':
      return adjustTip(ctx, request, original, amountMinor, about, rrn);
  }
}

/** The original DE 90 names, of the kind the follow-up takes and with the auth code DE 38 gives. */
function originalOf(ctx: IssuerContext, terminalId: string, named: OriginalData, kind: FollowUpKind, authCode: string): LedgerRow | undefined {
  const wanted = kind === 'tip-adjust' ? MTI.financialRequest : MTI.authorizationRequest;
  if (named.mti !== wanted) return undefined;
  const row = ctx.ledger.findOriginal(terminalId, named);
  return row !== undefined && row.authCode === authCode ? row : undefined;
}

type About = Pick<RecordInput, 'maskedPan' | 'cardId' | 'original' | 'tipMinor'>;

function complete(ctx: IssuerContext, request: Iso8583Message, preauth: LedgerRow, amountMinor: number, about: About, rrn: string): HandlerResult {
  const kind = 'completion';
  if (preauth.kind !== 'preauth' || preauth.responseCode !== RESPONSE_CODES.approved || preauth.reversed || preauth.completed) {
    return answer(ctx, request, RESPONSE_CODES.invalidTransaction, { ...about, kind, rrn });
  }
  if (amountMinor > (preauth.heldMinor ?? 0)) return answer(ctx, request, RESPONSE_CODES.invalidAmount, { ...about, kind, rrn });
  credit(ctx, ctx.ledger.capture(preauth, amountMinor));
  return answer(ctx, request, RESPONSE_CODES.approved, { ...about, kind, capturedMinor: amountMinor, authCode: preauth.authCode, rrn });
}

function increase(ctx: IssuerContext, request: Iso8583Message, preauth: LedgerRow, amountMinor: number, about: About, rrn: string): HandlerResult {
  const kind = 'incremental';
  if (preauth.kind !== 'preauth' || preauth.responseCode !== RESPONSE_CODES.approved || preauth.reversed || preauth.completed) {
    return answer(ctx, request, RESPONSE_CODES.invalidTransaction, { ...about, kind, rrn });
  }
  if (amountMinor <= 0) return answer(ctx, request, RESPONSE_CODES.invalidAmount, { ...about, kind, rrn });
  const card = preauth.cardId === null ? undefined : ctx.deck.cards.find((c) => c.id === preauth.cardId);
  if (amountMinor > balanceOf(ctx, card)) return answer(ctx, request, RESPONSE_CODES.insufficientFunds, { ...about, kind, rrn });
  credit(ctx, ctx.ledger.increase(preauth, amountMinor));
  return answer(ctx, request, RESPONSE_CODES.approved, { ...about, kind, authCode: preauth.authCode, rrn });
}

function adjustTip(ctx: IssuerContext, request: Iso8583Message, purchase: LedgerRow, amountMinor: number, about: About, rrn: string): HandlerResult {
  const kind = 'tip-adjust';
  if (purchase.kind !== 'purchase' || purchase.responseCode !== RESPONSE_CODES.approved || purchase.reversed) {
    return answer(ctx, request, RESPONSE_CODES.invalidTransaction, { ...about, kind, rrn });
  }
  const withoutTip = (purchase.amountMinor ?? 0) - (purchase.tipMinor ?? 0);
  if (withoutTip + (about.tipMinor ?? 0) !== amountMinor) return answer(ctx, request, RESPONSE_CODES.invalidAmount, { ...about, kind, rrn });
  const before = purchase.capturedMinor ?? 0;
  const card = purchase.cardId === null ? undefined : ctx.deck.cards.find((c) => c.id === purchase.cardId);
  if (amountMinor - before > balanceOf(ctx, card)) return answer(ctx, request, RESPONSE_CODES.insufficientFunds, { ...about, kind, rrn });
  credit(ctx, ctx.ledger.adjust(purchase, amountMinor));
  return answer(ctx, request, RESPONSE_CODES.approved, { ...about, kind, previousCapturedMinor: before, authCode: purchase.authCode, rrn });
}
