/**
 * The simulated issuer's answer to 0100 (a pre-authorization: DE 3 000000,
 * holds the amount), 0200 (purchase 000000, purchase with cashback 090000,
 * refund 200000) and 0220/0221 (an offline approval's advice). A 0200/0220
 * naming an original in DE 90 is a completion or tip adjustment
 * (`issuer-follow-up.ts`). Checked in this order, the first that fails answers:
 *
 *   30 DE 48 encrypted tracks (an advice: sealed card data) that are not well formed
 *   88 DE 48 encrypted tracks that do not decrypt to a track matching its
 *      BIN / last four (`issuer-encrypted-track.ts`), or an advice's sealed
 *      card data that does not open with the acquirer's key for this message
 *      (`issuer-sealed-advice.ts`); otherwise the PAN is the decrypted
 *      track's, and DE 2/35 are not needed
 *   30 no PAN, amount or terminal ID; DE 52 without DE 53
 *   12 a processing code other than purchase or refund (a 0100: other than 000000)
 *   30 DE 54 not whole amount blocks; a cashback (amount type 40) without
 *      DE 3 09, or DE 3 09 without one
 *   13 DE 54's tip and cashback together over DE 4
 *   94 the same terminal, STAN and day as a request already judged (no second debit)
 *   14 / 05 / 54 / 62  card rules (`issuer-rules.ts`), on the issuer's record
 *   05 DE 55 present and the ARQC does not verify (no ARPC then)
 *   05 DE 22 91x (contactless mag-stripe) and DE 35's dynamic CVC3 does not
 *      verify, or repeats an ATC (`issuer-contactless-magstripe.ts`)
 *   55 / 75  wrong PIN / PIN tries exceeded (`issuer-security.ts`)
 *   51 a purchase or pre-authorization beyond the available balance
 *   00 approved: a purchase debits, a refund credits, a pre-authorization
 *      holds (the available balance goes down until a completion captures
 *      or a reversal releases it); 38 auth code, 37 RRN
 *
 * Every answer after a verified ARQC carries 91 (ARPC ‖ ARC) in DE 55 when
 * the card's cryptogram version has an ARPC (not visa-cvn17: a tapped card
 * has left), and after it a 71/72 issuer script when one is queued for the
 * card.
 * A deck card with `issuer: "no-answer"` gets no answer at all.
 *
 * An advice reports a purchase the terminal approved offline (DE 38 its auth
 * code): it is applied once — debited even beyond the balance, since the goods
 * are gone — and answered 00; a repeat of an advice already applied is
 * answered 00 again and moves nothing.
 */
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { additionalAmountOf, AMOUNT_TYPES, parseAdditionalAmounts, type AdditionalAmount } from '../../src/host/messages/additional-amounts.js';
import { kindOfProcessingCode, MTI, PROCESSING_CODES, RESPONSE_CODES, type TransactionKind } from '../../src/host/messages/constants.js';
import { decidePurchase } from './issuer-rules.js';
import { applyMoney, balanceOf, cardByPan, panOf, record, textField, type HandlerResult, type IssuerContext } from './issuer-context.js';
import { decryptTrackOf, type EncryptedTrackOutcome } from './issuer-encrypted-track.js';
import { openSealedAdviceOf } from './issuer-sealed-advice.js';
import { isContactlessMagstripe, verifyContactlessMagstripe } from './issuer-contactless-magstripe.js';
import { arpcTlv, issuerScriptTlv, verifyCryptogram, verifyPin, type VerifiedCryptogram } from './issuer-security.js';

const ADVICE_MTIS: ReadonlySet<string> = new Set([MTI.financialAdvice, MTI.financialAdviceRepeat]);
const AMOUNT_RE = /^\d{12}$/;

/** DE 48 of an advice is sealed card data; of any other request, an encrypting reader's tracks. */
function cardFromDe48(ctx: IssuerContext, request: Iso8583Message): EncryptedTrackOutcome {
  if (!ADVICE_MTIS.has(request.mti)) return decryptTrackOf(ctx, request);
  const sealed = openSealedAdviceOf(ctx, request);
  return sealed.kind === 'opened' ? { kind: 'decrypted', pan: sealed.pan } : sealed;
}

export function handleFinancial(ctx: IssuerContext, request: Iso8583Message): HandlerResult {
  const encrypted = cardFromDe48(ctx, request);
  if (encrypted.kind === 'malformed' || encrypted.kind === 'undecryptable') {
    const code = encrypted.kind === 'malformed' ? RESPONSE_CODES.formatError : RESPONSE_CODES.cryptographicFailure;
    record(ctx, request, { responseCode: code });
    return { responseCode: code };
  }
  const pan = encrypted.kind === 'decrypted' ? encrypted.pan : panOf(request);
  const amount = textField(request, 4);
  const terminalId = textField(request, 41);
  const stan = textField(request, 11) ?? '';
  const advice = ADVICE_MTIS.has(request.mti);
  const pinBlock = request.get(52);
  const ksn = request.get(53);
  if (pan === undefined || amount === undefined || !AMOUNT_RE.test(amount) || terminalId === undefined || (pinBlock !== undefined && !Buffer.isBuffer(ksn))) {
    record(ctx, request, { pan, responseCode: RESPONSE_CODES.formatError });
    return { responseCode: RESPONSE_CODES.formatError };
  }
  const kind = kindOf(request);
  if (kind === undefined) {
    record(ctx, request, { pan, responseCode: RESPONSE_CODES.invalidTransaction });
    return { responseCode: RESPONSE_CODES.invalidTransaction };
  }
  const parts = amountParts(request);
  if (parts === 'malformed') {
    record(ctx, request, { pan, responseCode: RESPONSE_CODES.formatError });
    return { responseCode: RESPONSE_CODES.formatError };
  }
  const { tipMinor, cashbackMinor } = parts;
  if ((tipMinor ?? 0) + (cashbackMinor ?? 0) > Number(amount)) {
    record(ctx, request, { pan, kind, tipMinor, cashbackMinor, responseCode: RESPONSE_CODES.invalidAmount });
    return { responseCode: RESPONSE_CODES.invalidAmount };
  }
  const duplicate = ctx.ledger.findDuplicate(terminalId, stan, textField(request, 7) ?? null);
  if (duplicate !== undefined) {
    const code = advice ? RESPONSE_CODES.approved : RESPONSE_CODES.duplicateTransmission;
    record(ctx, request, { pan, responseCode: code, authCode: advice ? duplicate.authCode : null });
    return { responseCode: code, fields: advice ? { 38: duplicate.authCode ?? undefined } : {} };
  }
  const card = cardByPan(ctx, pan);
  if (card?.issuer === 'no-answer') {
    record(ctx, request, { pan, responseCode: null });
    return null;
  }
  const amountMinor = Number(amount);
  const rrn = String(ctx.nextSequence()).padStart(12, '0');
  if (advice) {
    const authCode = textField(request, 38) ?? null;
    applyMoney(ctx, card?.id ?? null, kind, amountMinor);
    record(ctx, request, { pan, cardId: card?.id ?? null, kind, tipMinor, cashbackMinor, capturedMinor: amountMinor, responseCode: RESPONSE_CODES.approved, authCode, rrn });
    return { responseCode: RESPONSE_CODES.approved, fields: { 37: rrn, 38: authCode ?? undefined } };
  }
  let responseCode: string = decidePurchase({ card, pan, amountMinor, balance: Number.POSITIVE_INFINITY, now: ctx.clock() });
  let verified: VerifiedCryptogram | undefined;
  const de55 = request.get(55);
  if (card !== undefined && responseCode !== RESPONSE_CODES.invalidCardNumber && Buffer.isBuffer(de55)) {
    verified = verifyCryptogram(ctx, card, pan, de55);
    if (verified === undefined) responseCode = RESPONSE_CODES.doNotHonour;
  }
  if (card !== undefined && responseCode !== RESPONSE_CODES.invalidCardNumber && isContactlessMagstripe(request) && !verifyContactlessMagstripe(ctx, card, pan, request)) {
    responseCode = RESPONSE_CODES.doNotHonour;
  }
  const cryptogramOk = !Buffer.isBuffer(de55) || verified !== undefined;
  if (responseCode === RESPONSE_CODES.approved && card !== undefined && Buffer.isBuffer(pinBlock) && Buffer.isBuffer(ksn)) {
    responseCode = verifyPin(ctx, card, pan, pinBlock, ksn);
  }
  if (responseCode === RESPONSE_CODES.approved && kind !== 'refund' && amountMinor > balanceOf(ctx, card)) responseCode = RESPONSE_CODES.insufficientFunds;
  let authCode: string | null = null;
  const sequence = Number(rrn);
  if (responseCode === RESPONSE_CODES.approved && card !== undefined) {
    applyMoney(ctx, card.id, kind, amountMinor);
    authCode = `A${String(sequence % 100_000).padStart(5, '0')}`;
  }
  const approved = authCode !== null;
  record(ctx, request, {
    pan,
    cardId: card?.id ?? null,
    kind,
    tipMinor,
    cashbackMinor,
    ...(approved && kind === 'preauth' ? { heldMinor: amountMinor } : {}),
    ...(approved && kind !== 'preauth' ? { capturedMinor: amountMinor } : {}),
    responseCode,
    authCode,
    rrn,
  });
  const script = cryptogramOk && verified?.arpc === 'method-1' && card !== undefined ? issuerScriptTlv(ctx, card, pan, verified) : undefined;
  const arpc = cryptogramOk && verified !== undefined ? arpcTlv(verified, responseCode) : undefined;
  const issuerData = arpc === undefined ? undefined : Buffer.concat([arpc, script ?? Buffer.alloc(0)]);
  return { responseCode, fields: { 37: rrn, 38: authCode ?? undefined, 55: issuerData } };
}

/** What a request asks by its MTI and DE 3 (absent: a purchase); undefined for what this issuer does not do. */
function kindOf(request: Iso8583Message): Extract<TransactionKind, 'purchase' | 'refund' | 'preauth'> | undefined {
  const code = request.has(3) ? textField(request, 3) : PROCESSING_CODES.purchase;
  if (request.mti === MTI.authorizationRequest) return code === PROCESSING_CODES.purchase ? 'preauth' : undefined;
  return kindOfProcessingCode(code);
}

/** DE 54's tip (44) and cashback (40), checked against DE 3 (09 and a cashback go together); `malformed` when not. */
function amountParts(request: Iso8583Message): { readonly tipMinor: number | null; readonly cashbackMinor: number | null } | 'malformed' {
  const de54 = request.get(54);
  let amounts: AdditionalAmount[] | undefined;
  if (de54 !== undefined) {
    amounts = typeof de54 === 'string' ? parseAdditionalAmounts(de54) : undefined;
    if (amounts === undefined) return 'malformed';
  }
  const hasCashback = amounts?.some((a) => a.amountType === AMOUNT_TYPES.cashback) === true;
  if (hasCashback !== (textField(request, 3) === PROCESSING_CODES.cashback)) return 'malformed';
  const hasTip = amounts?.some((a) => a.amountType === AMOUNT_TYPES.gratuity) === true;
  return {
    tipMinor: hasTip ? additionalAmountOf(amounts, AMOUNT_TYPES.gratuity) : null,
    cashbackMinor: hasCashback ? additionalAmountOf(amounts, AMOUNT_TYPES.cashback) : null,
  };
}
