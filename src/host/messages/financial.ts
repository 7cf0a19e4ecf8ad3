/**
 * Card transactions in ISO 8583:1987 terms — purchase (DE 3 000000, or
 * 090000 with cashback), refund (200000) and pre-authorization (000000 in
 * a 0100) as
 *
 *   0100/0110 authorization: a pre-authorization, which holds its amount
 *             until a completion (`follow-up.ts`) captures it or a reversal
 *             (0400 naming the 0100) releases it,
 *   0200/0210 financial transaction: a purchase or a refund,
 *   0220/0230 financial advice (0221 repeat): a purchase the terminal
 *             approved offline, forwarded later with the auth code it gave.
 *
 * DE 4 is the whole amount, tip and cashback included; DE 54 names the parts
 * (`additional-amounts.ts`: amount type 40 cash back, 44 gratuity). A
 * cashback is a purchase's only (DE 3 09; in DE 55 the kernel's 9C is 09
 * and 9F03 the cashback: carried as the reader gave them); a refund takes
 * neither tip nor cashback. A request that breaks these is
 * `HOST_REQUEST_INVALID` (field 3, 4 or 54) and is not sent.
 *
 * Request: 2 PAN, 3 processing code, 4 amount, 7 transmission date and time
 * (UTC MMDDhhmmss), 11 STAN, 12/13 local time and date, 14 expiry (YYMM),
 * 22 POS entry mode, 25 POS condition code 00, 35 track 2, 41 terminal ID,
 * 42 merchant ID, 49 currency; 54 additional amounts (tip, cashback);
 * 38 the offline auth code (advices only);
 * 52 PIN block and 53 KSN when a PIN was entered (never in an advice);
 * 55 chip data without sensitive tags (see `chip-data.ts`); 64 MAC.
 * From an encrypting reader (`encryptedTracks`, masked card): no 2, 14 or
 * 35 — DE 48 carries the track ciphertext, its KSN, BIN and last four
 * (see `encrypted-tracks.ts`).
 * An advice (`SealedAdvice`) never carries 2, 14, 35, 52, 53 or 55: DE 48
 * carries the card data sealed to the acquirer's public key, with the BIN
 * and last four (see `sealed-advice.ts`); a card in clear is refused.
 *
 * Response: 3, 4, 7, 11, 12, 13, 41, 49 echoed; 37 RRN, 38 auth code,
 * 39 response code; 55 issuer data (91 ARPC ‖ ARC, 71/72 scripts); 64 MAC.
 * Matched by MTI (request + 10), STAN, terminal ID and amount.
 */
import { formatExpiry } from '../../card/expiry.js';
import type { EntryMode } from '../../devices/card-reader.js';
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect, EncodeInput, FieldInput } from '../../iso8583/types.js';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { isApproval } from '../approval.js';
import type { AuthorizationResponse, CardRequest } from '../model.js';
import { chipDataForHost, issuerDataForCard } from './chip-data.js';
import { ENCRYPTED_TRACKS_FIELD, encryptedTracksField } from './encrypted-tracks.js';
import { SEALED_ADVICE_FIELD, sealedAdviceField } from './sealed-advice.js';
import { ADDITIONAL_AMOUNTS_FIELD, tipAndCashbackField } from './additional-amounts.js';
import { MTI, POS_CONDITION_NORMAL, processingCodeOf, responseMtiOf } from './constants.js';
import {
  amountField,
  badResponse,
  checkDate,
  encodingRequest,
  expectEcho,
  localDate,
  localTime,
  replyBytes,
  replyText,
  responseCodeOf,
  transmissionDateTime,
} from './fields.js';
import { encodeWithOptionalMac } from './mac.js';
import { checkReplyHeader } from './reply-mac.js';
import { pinFields } from './pin-data.js';

export type FinancialRequestMti = typeof MTI.authorizationRequest | typeof MTI.financialRequest | typeof MTI.financialAdvice | typeof MTI.financialAdviceRepeat;

/** A purchase, refund or pre-authorization with the card: the engine's `CardRequest`. */
export type CardTransaction = CardRequest;

/**
 * An offline approval forwarded to the host (0220/0221): the card is known
 * only by its masked PAN, and its data travel sealed to the acquirer
 * (`sealed-advice.ts`), as the journal kept them.
 */
export interface SealedAdvice extends Omit<CardTransaction, 'card' | 'pin' | 'chip' | 'encryptedTracks'> {
  readonly maskedPan: string | null;
  /** The sealed form: `[scheme][key id][ephemeral public key][tag][ciphertext]`. */
  readonly sealedCard: Uint8Array;
}

export type FinancialTransaction = CardTransaction | SealedAdvice;

function isSealedAdvice(request: FinancialTransaction): request is SealedAdvice {
  return 'sealedCard' in request;
}

export interface FinancialRequestOptions {
  /** Default 0200. */
  readonly mti?: FinancialRequestMti;
  /** DE 38 in an advice: the auth code the terminal gave offline (six characters, `an`). */
  readonly offlineAuthCode?: string;
  /** The TAK: when given, the request carries DE 64. */
  readonly macKey?: Uint8Array;
}

/**
 * DE 22, POS entry mode: two digits for how the PAN was read, then the PIN
 * entry capability — 1 when this transaction carries a PIN, 2 otherwise.
 * - 90 full magnetic stripe read, 05 chip, 07 contactless chip (EMV mode),
 *   91 contactless magnetic stripe (mag-stripe mode: track 2 with a dynamic
 *   CVC3), 80 stripe after a chip failure (fallback), 01 manual key entry.
 */
export const ENTRY_MODE_CODES = {
  swipe: '902',
  chip: '052',
  contactless: '072',
  'contactless-magstripe': '912',
  fallback: '802',
  manual: '012',
} as const satisfies Record<EntryMode, string>;
const PIN_CAPABLE_DIGIT = '1';

const ADVICE_MTIS: ReadonlySet<string> = new Set([MTI.financialAdvice, MTI.financialAdviceRepeat]);
const AUTH_CODE_RE = /^[0-9A-Za-z ]{6}$/;

/**
 * The field table of a request. This is the one place the card's PAN, track 2
 * and PIN block are revealed; the table never leaves the encoder.
 */
function requestFields(dialect: Dialect, request: FinancialTransaction, options: FinancialRequestOptions): EncodeInput {
  const mti = options.mti ?? defaultMtiOf(request.kind);
  checkDate(request.at);
  checkKindAndMti(request.kind, mti);
  checkAmountParts(request);
  const advice = ADVICE_MTIS.has(mti);
  if (advice && (options.offlineAuthCode === undefined || !AUTH_CODE_RE.test(options.offlineAuthCode))) {
    throw new PosError('HOST_REQUEST_INVALID', 'An advice needs the six-character auth code given offline', { field: 38 });
  }
  if (advice !== isSealedAdvice(request)) {
    const why = advice ? 'An advice carries its card data sealed, never in clear' : 'Sealed card data goes in an advice only';
    throw new PosError('HOST_REQUEST_INVALID', why, { field: SEALED_ADVICE_FIELD });
  }
  if (isSealedAdvice(request)) {
    const fields = { ...commonFields(request, mti, options), 22: ENTRY_MODE_CODES[request.entryMode] };
    return { mti, fields: { ...fields, [SEALED_ADVICE_FIELD]: sealedAdviceField(request.sealedCard, request.maskedPan) } };
  }
  const pin = request.pin !== undefined ? pinFields(dialect, request.pin) : undefined;
  const entryMode = ENTRY_MODE_CODES[request.entryMode];
  const card = cardFields(request);
  const fields: Record<number, FieldInput | undefined> = {
    ...card,
    ...commonFields(request, mti, options),
    22: pin === undefined ? entryMode : `${entryMode.slice(0, 2)}${PIN_CAPABLE_DIGIT}`,
    52: pin?.[52],
    53: pin?.[53],
    55: request.chip === undefined ? undefined : chipDataForHost(request.chip.tlv),
  };
  return { mti, fields };
}

/** The MTI a request of `kind` goes out as unless told: 0100 for a pre-authorization, 0200 otherwise. */
export function defaultMtiOf(kind: CardRequest['kind']): typeof MTI.authorizationRequest | typeof MTI.financialRequest {
  return kind === 'preauth' ? MTI.authorizationRequest : MTI.financialRequest;
}

/** A pre-authorization is a 0100 only; a refund is never a 0100 (it holds nothing). */
function checkKindAndMti(kind: CardRequest['kind'], mti: FinancialRequestMti): void {
  const ok = kind === 'preauth' ? mti === MTI.authorizationRequest : kind === 'purchase' || mti !== MTI.authorizationRequest;
  if (!ok) throw new PosError('HOST_REQUEST_INVALID', `A ${kind} does not go out as ${mti}`, { field: 3, reason: 'kind-mti' });
}

/** Tip and cashback are whole non-negative parts of DE 4; cashback is a purchase's only, and a refund has no tip. */
export function checkAmountParts(request: Pick<CardRequest, 'kind' | 'amountMinor' | 'tipMinor' | 'cashbackMinor'>): void {
  const tip = request.tipMinor ?? 0;
  const cashback = request.cashbackMinor ?? 0;
  for (const part of [tip, cashback]) {
    if (!Number.isSafeInteger(part) || part < 0) throw new PosError('HOST_REQUEST_INVALID', 'A tip or cashback must be a whole number of minor units', { field: ADDITIONAL_AMOUNTS_FIELD, reason: 'part' });
  }
  if (cashback > 0 && request.kind !== 'purchase') throw new PosError('HOST_REQUEST_INVALID', 'Only a purchase gives cashback', { field: 3, reason: 'cashback-kind' });
  if (tip > 0 && request.kind === 'refund') throw new PosError('HOST_REQUEST_INVALID', 'A refund has no tip', { field: ADDITIONAL_AMOUNTS_FIELD, reason: 'tip-kind' });
  if (tip + cashback > request.amountMinor) throw new PosError('HOST_REQUEST_INVALID', 'Tip and cashback are parts of the whole amount', { field: 4, reason: 'parts-over-amount' });
}

/** The fields every financial request carries, whatever holds the card. */
function commonFields(request: FinancialTransaction, mti: FinancialRequestMti, options: FinancialRequestOptions): Record<number, FieldInput | undefined> {
  return {
    3: processingCodeOf(request.kind, (request.cashbackMinor ?? 0) > 0),
    4: amountField(request.amountMinor),
    7: transmissionDateTime(request.at),
    11: request.stan,
    12: localTime(request.at),
    13: localDate(request.at),
    25: POS_CONDITION_NORMAL,
    38: ADVICE_MTIS.has(mti) ? options.offlineAuthCode : undefined,
    41: request.terminalId,
    42: request.merchantId,
    49: request.currency,
    54: tipAndCashbackField(request.currency, request),
  };
}

/**
 * How the card goes on the wire: its PAN, expiry and track 2 (DE 2, 14, 35),
 * or, from an encrypting reader, only DE 48's ciphertext — a masked card's
 * digits are never sent as a PAN, and a masked card without its ciphertext
 * is refused before anything is sent. The PAN and track 2 go to the codec
 * as their `Sensitive` bytes, which it writes straight into the message: no
 * string of them is made on the way (the caller wipes the message once sent).
 */
function cardFields(request: CardTransaction): Record<number, FieldInput | undefined> {
  const { card, encryptedTracks } = request;
  if (encryptedTracks === undefined && card.panMasked !== true) {
    return { 2: card.pan, 14: formatExpiry(card.expiry), 35: card.track2 };
  }
  if (encryptedTracks === undefined) {
    throw new PosError('HOST_REQUEST_INVALID', 'A masked card needs its encrypted tracks', { field: ENCRYPTED_TRACKS_FIELD });
  }
  return { [ENCRYPTED_TRACKS_FIELD]: encryptedTracksField(encryptedTracks, card.panMasked === true ? card.pan.masked() : undefined) };
}

/**
 * The request bytes (MAC'd when `macKey` is given). Throws
 * `HOST_REQUEST_INVALID` (details: `field`) when it cannot be encoded; nothing
 * has been sent then.
 */
export function encodeFinancialRequest(dialect: Dialect, request: FinancialTransaction, options: FinancialRequestOptions = {}): Buffer {
  return encodingRequest(request.kind, () => {
    const input = requestFields(dialect, request, options);
    try {
      return encodeWithOptionalMac(dialect, input, options.macKey);
    } finally {
      wipe(...[52, 55].map((n) => input.fields[n]).filter((v): v is Buffer => Buffer.isBuffer(v)));
    }
  });
}

export interface FinancialResponseOptions {
  /** The request's MTI; default 0200 (a pre-authorization's 0100 must be given). */
  readonly mti?: FinancialRequestMti;
  /** With a TAK, the answer's MAC is checked (`HOST_BAD_RESPONSE`, field 64 or 128). */
  readonly macKey?: Uint8Array;
  readonly dialect?: Dialect;
}

/**
 * The answer read back into an `AuthorizationResponse`, after checking its
 * MAC (when a key is given) and that it answers this request: MTI, STAN,
 * terminal ID and amount. Anything else is `HOST_BAD_RESPONSE` naming the
 * field (the client reports it as `maybe-sent`: the request went out).
 */
export function readFinancialResponse(
  request: Pick<FinancialTransaction, 'stan' | 'terminalId' | 'amountMinor'>,
  reply: Iso8583Message,
  options: FinancialResponseOptions = {},
): AuthorizationResponse {
  checkReplyHeader(reply, options, { mti: responseMtiOf(options.mti ?? MTI.financialRequest), stan: request.stan, terminalId: request.terminalId });
  expectEcho(reply, 4, amountField(request.amountMinor));
  const responseCode = responseCodeOf(reply);
  const de55 = replyBytes(reply, 55);
  let issuerTlv: Buffer | undefined;
  if (de55 !== undefined) {
    try {
      issuerTlv = issuerDataForCard(de55);
    } catch {
      badResponse(55, 'undecodable');
    }
  }
  return {
    responseCode,
    approved: isApproval(responseCode),
    authCode: replyText(reply, 38) ?? null,
    rrn: replyText(reply, 37) ?? null,
    stan: request.stan,
    ...(issuerTlv === undefined ? {} : { issuerTlv }),
  };
}
