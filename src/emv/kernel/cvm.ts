/**
 * Cardholder verification, EMV 4.4 Book 3 §10.5 (CVM List processing;
 * §10.5.1 offline PIN, §10.5.2 online PIN, §10.5.3 signature), the CV Rule
 * coding of Book 3 Annex C3, the CVM Results (9F34) of Book 4 §6.3.4 and
 * Annex A4, and the terminal's CVM capabilities of Book 4 Annex A2 (9F33
 * byte 2).
 *
 * The CVM List (8E) is walked rule by rule, in the card's order:
 *
 *   condition not understood, not satisfied, or its data absent → next rule
 *   CVM not recognised            → 'Unrecognised CVM', the CVM failed
 *   CVM recognised, not supported → the CVM failed ('PIN entry required and
 *                                   PIN pad not present or not working' for
 *                                   online PIN and any offline PIN)
 *   CVM performed                 → success ends the walk; failure too,
 *                                   unless b7 says "apply succeeding rule"
 *   no success by the end         → 'Cardholder verification was not successful'
 *
 * What this terminal can do: online enciphered PIN through the PIN pad (when
 * 9F33 claims it), paper signature (when 9F33 claims it and the terminal is
 * attended with a signature line), no CVM required (when 9F33 claims it),
 * and fail CVM processing. Offline PIN, plaintext or enciphered, needs a PIN
 * entry device that performs it and there is none: such a CVM is one the
 * terminal does not support (Book 3 §10.5.1, "the terminal does not support
 * offline PIN"). A PIN bypassed for one online PIN rule (or a PIN pad that
 * failed) counts as bypassed (failed) for the list's later online PIN rules:
 * the cardholder is asked once.
 *
 * CVM Results, byte 1 the CVM code byte of the rule as the card coded it,
 * byte 2 its condition, byte 3 the result:
 *
 *   online PIN entered, signature  → code cond 00 (unknown: the host or the
 *                                     merchant decides)
 *   no CVM required                → code cond 02 (successful)
 *   a performed CVM failed         → code cond 01 (fail CVM processing, PIN
 *                                     bypassed)
 *   nothing was performed          → 3F 00 01 (no CVM performed, failed)
 *   no CVM List, or the card does
 *   not support verification       → 3F 00 00
 */
import { PosError } from '../../util/errors.js';
import { CVM_APPLY_NEXT_IF_UNSUCCESSFUL, CVM_METHOD_MASK, parseCvmListCodes, type CvmListCodes, type CvRuleCodes } from '../interpret/cvm.js';
import { TRANSACTION_TYPE, type KernelContext } from './context.js';

export interface CvmCapabilities {
  /** PIN pad present and working (online enciphered PIN, DE 52). */
  readonly onlinePin: boolean;
  /** Attended terminal with a signature line on the receipt. */
  readonly signature: boolean;
}

/** Asks the PIN pad for an online PIN: 'entered', 'bypassed' (cardholder pressed enter with no PIN / the merchant bypassed), 'unavailable' (PIN pad failed or absent). */
export type RequestOnlinePin = () => Promise<'entered' | 'bypassed' | 'unavailable'>;

export interface CvmOutcome {
  readonly onlinePinEntered: boolean;
  readonly signatureRequired: boolean;
}

/** CVM codes, b6–b1 of a CV Rule's first byte (Book 3 Annex C3). */
export const CVM_METHOD = {
  failCvmProcessing: 0x00,
  plaintextPinByIcc: 0x01,
  encipheredPinOnline: 0x02,
  plaintextPinByIccAndSignature: 0x03,
  encipheredPinByIcc: 0x04,
  encipheredPinByIccAndSignature: 0x05,
  signature: 0x1e,
  noCvmRequired: 0x1f,
} as const;

/** CVM condition codes, a CV Rule's second byte (Book 3 Annex C3). */
export const CVM_CONDITION = {
  always: 0x00,
  unattendedCash: 0x01,
  notUnattendedCashNotManualCashNotCashback: 0x02,
  terminalSupportsCvm: 0x03,
  manualCash: 0x04,
  purchaseWithCashback: 0x05,
  underX: 0x06,
  overX: 0x07,
  underY: 0x08,
  overY: 0x09,
} as const;

/** CVM Results byte 3 (Book 4 Annex A4). */
export const CVM_RESULT = { unknown: 0x00, failed: 0x01, successful: 0x02 } as const;

/** CVM Results byte 1 when no CVM was performed (Book 4 Annex A4). */
export const NO_CVM_PERFORMED = 0x3f;

/** AIP byte 1 b5: cardholder verification is supported (Book 3 Annex C1). */
const AIP_CARDHOLDER_VERIFICATION = 0x10;

/** Terminal Capabilities (9F33) byte 2, CVM capability (Book 4 Annex A2). */
const CAPABILITY = { encipheredPinOnline: 0x40, signature: 0x20, noCvmRequired: 0x08 } as const;

const OFFLINE_PIN_METHODS: ReadonlySet<number> = new Set([
  CVM_METHOD.plaintextPinByIcc,
  CVM_METHOD.plaintextPinByIccAndSignature,
  CVM_METHOD.encipheredPinByIcc,
  CVM_METHOD.encipheredPinByIccAndSignature,
]);

const RECOGNISED_METHODS: ReadonlySet<number> = new Set(Object.values(CVM_METHOD));

const NOTHING_REQUIRED: CvmOutcome = { onlinePinEntered: false, signatureRequired: false };

/** What applying one CVM came to. `performed` says whether the terminal carried it out (for the CVM Results of a failure). */
type Attempt = { readonly ok: true; readonly result: number; readonly outcome: CvmOutcome } | { readonly ok: false; readonly performed: boolean };

/**
 * Book 3 §10.5: only when AIP (82) byte 1 b5 says cardholder verification is
 * supported. Sets the TVR bits of byte 3 (and 'ICC data missing' for an
 * absent CVM List), CVM Results (9F34) and, when the list was processed, the
 * TSI's 'Cardholder verification was performed'. A CVM List that is not
 * 8 bytes of amounts and whole rules ends the transaction
 * (`EMV_CARD_DATA_INVALID`): the terminal cannot know what the issuer asked.
 */
export async function performCardholderVerification(ctx: KernelContext, caps: CvmCapabilities, requestOnlinePin: RequestOnlinePin): Promise<CvmOutcome> {
  if ((applicationInterchangeProfile(ctx)[0] & AIP_CARDHOLDER_VERIFICATION) === 0) {
    setCvmResults(ctx, NO_CVM_PERFORMED, 0x00, CVM_RESULT.unknown);
    return NOTHING_REQUIRED;
  }
  const list = cvmList(ctx);
  // A CVM List with no rules is the same as none (Book 3 §10.5).
  if (list === undefined || list.rules.length === 0) {
    ctx.tvr.set('iccDataMissing');
    setCvmResults(ctx, NO_CVM_PERFORMED, 0x00, CVM_RESULT.unknown);
    return NOTHING_REQUIRED;
  }
  const outcome = await walkCvmList(ctx, caps, requestOnlinePin, list);
  ctx.tsi.set('cardholderVerificationPerformed');
  return outcome;
}

async function walkCvmList(ctx: KernelContext, caps: CvmCapabilities, requestOnlinePin: RequestOnlinePin, list: CvmListCodes): Promise<CvmOutcome> {
  const askOnce = onlyOnceUnlessEntered(requestOnlinePin);
  let lastPerformed: CvRuleCodes | undefined;
  for (const rule of list.rules) {
    if (!conditionSatisfied(ctx, caps, list, rule)) continue;
    const attempt = await applyCvm(ctx, caps, askOnce, rule.code & CVM_METHOD_MASK);
    if (attempt.ok) {
      setCvmResults(ctx, rule.code, rule.condition, attempt.result);
      return attempt.outcome;
    }
    if (attempt.performed) lastPerformed = rule;
    if ((rule.code & CVM_APPLY_NEXT_IF_UNSUCCESSFUL) === 0) break;
  }
  ctx.tvr.set('cardholderVerificationFailed');
  if (lastPerformed === undefined) setCvmResults(ctx, NO_CVM_PERFORMED, 0x00, CVM_RESULT.failed);
  else setCvmResults(ctx, lastPerformed.code, lastPerformed.condition, CVM_RESULT.failed);
  return NOTHING_REQUIRED;
}

/**
 * A PIN bypassed (or a PIN pad that failed) for one online PIN rule stays so
 * for the later ones: the cardholder is not asked twice in one transaction
 * (the "subsequent PIN bypass" of the terminal's implementation options).
 */
function onlyOnceUnlessEntered(requestOnlinePin: RequestOnlinePin): RequestOnlinePin {
  let refused: 'bypassed' | 'unavailable' | undefined;
  return async () => {
    if (refused !== undefined) return refused;
    const answer = await requestOnlinePin();
    if (answer !== 'entered') refused = answer;
    return answer;
  };
}

async function applyCvm(ctx: KernelContext, caps: CvmCapabilities, requestOnlinePin: RequestOnlinePin, method: number): Promise<Attempt> {
  if (!RECOGNISED_METHODS.has(method)) {
    ctx.tvr.set('unrecognisedCvm');
    return { ok: false, performed: false };
  }
  if (OFFLINE_PIN_METHODS.has(method)) {
    ctx.tvr.set('pinPadNotPresentOrNotWorking');
    return { ok: false, performed: false };
  }
  switch (method) {
    case CVM_METHOD.failCvmProcessing:
      return { ok: false, performed: true };
    case CVM_METHOD.encipheredPinOnline:
      return onlinePin(ctx, caps, requestOnlinePin);
    case CVM_METHOD.signature:
      return supportsCvm(ctx, caps, method) ? { ok: true, result: CVM_RESULT.unknown, outcome: { onlinePinEntered: false, signatureRequired: true } } : { ok: false, performed: false };
    default:
      // No CVM required: the only recognised method left.
      return supportsCvm(ctx, caps, method) ? { ok: true, result: CVM_RESULT.successful, outcome: NOTHING_REQUIRED } : { ok: false, performed: false };
  }
}

/** Book 3 §10.5.2. */
async function onlinePin(ctx: KernelContext, caps: CvmCapabilities, requestOnlinePin: RequestOnlinePin): Promise<Attempt> {
  if (!supportsCvm(ctx, caps, CVM_METHOD.encipheredPinOnline) || !caps.onlinePin) {
    ctx.tvr.set('pinPadNotPresentOrNotWorking');
    return { ok: false, performed: false };
  }
  const answer = await requestOnlinePin();
  switch (answer) {
    case 'entered':
      ctx.tvr.set('onlinePinEntered');
      return { ok: true, result: CVM_RESULT.unknown, outcome: { onlinePinEntered: true, signatureRequired: false } };
    case 'bypassed':
      ctx.tvr.set('pinNotEntered');
      return { ok: false, performed: true };
    case 'unavailable':
      ctx.tvr.set('pinPadNotPresentOrNotWorking');
      return { ok: false, performed: false };
  }
}

/**
 * Whether the terminal supports a CVM, as 9F33 declares it (Book 4 Annex A2)
 * and, for signature, as the terminal is set up. Online PIN counts as
 * supported by its 9F33 bit even while the PIN pad is not working: Book 3
 * §10.5.2 tells those two apart.
 */
function supportsCvm(ctx: KernelContext, caps: CvmCapabilities, method: number): boolean {
  const cvmCapability = ctx.config.terminal.terminalCapabilities[1] ?? 0;
  switch (method) {
    case CVM_METHOD.failCvmProcessing:
      return true;
    case CVM_METHOD.encipheredPinOnline:
      return (cvmCapability & CAPABILITY.encipheredPinOnline) !== 0;
    case CVM_METHOD.signature:
      return (cvmCapability & CAPABILITY.signature) !== 0 && caps.signature && isAttended(ctx);
    case CVM_METHOD.noCvmRequired:
      return (cvmCapability & CAPABILITY.noCvmRequired) !== 0;
    default:
      return false;
  }
}

/** Book 3 Annex C3, the condition codes; a code the terminal does not understand is never satisfied. */
function conditionSatisfied(ctx: KernelContext, caps: CvmCapabilities, list: CvmListCodes, rule: CvRuleCodes): boolean {
  const { transactionType } = ctx.request;
  const cash = transactionType === TRANSACTION_TYPE.cash;
  const unattendedCash = cash && !isAttended(ctx);
  const manualCash = cash && isAttended(ctx);
  const cashback = transactionType === TRANSACTION_TYPE.purchaseWithCashback;
  switch (rule.condition) {
    case CVM_CONDITION.always:
      return true;
    case CVM_CONDITION.unattendedCash:
      return unattendedCash;
    case CVM_CONDITION.notUnattendedCashNotManualCashNotCashback:
      return !unattendedCash && !manualCash && !cashback;
    case CVM_CONDITION.terminalSupportsCvm:
      return supportsCvm(ctx, caps, rule.code & CVM_METHOD_MASK);
    case CVM_CONDITION.manualCash:
      return manualCash;
    case CVM_CONDITION.purchaseWithCashback:
      return cashback;
    case CVM_CONDITION.underX:
      return inApplicationCurrency(ctx) && ctx.request.amountMinor < list.amountX;
    case CVM_CONDITION.overX:
      return inApplicationCurrency(ctx) && ctx.request.amountMinor > list.amountX;
    case CVM_CONDITION.underY:
      return inApplicationCurrency(ctx) && ctx.request.amountMinor < list.amountY;
    case CVM_CONDITION.overY:
      return inApplicationCurrency(ctx) && ctx.request.amountMinor > list.amountY;
    default:
      return false;
  }
}

/**
 * X and Y are amounts in the application currency (9F42): they apply only
 * when the transaction currency (5F2A) is that currency. Without 9F42 (or
 * with a malformed one) the data the condition needs is absent, and the rule
 * is passed over.
 */
function inApplicationCurrency(ctx: KernelContext): boolean {
  const applicationCurrency = ctx.data.get('9F42');
  const transactionCurrency = ctx.data.get('5F2A');
  return applicationCurrency?.length === 2 && transactionCurrency !== undefined && applicationCurrency.equals(transactionCurrency);
}

/** Terminal Type (9F35, Book 4 Annex A1): a last digit of 1–3 is attended, 4–6 unattended. */
function isAttended(ctx: KernelContext): boolean {
  const operational = ctx.config.terminal.terminalType % 10;
  return operational >= 1 && operational <= 3;
}

function applicationInterchangeProfile(ctx: KernelContext): readonly [number, number] {
  const aip = ctx.data.get('82');
  if (aip === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'The card gave no Application Interchange Profile', { step: 'cardholder verification', tag: '82' });
  if (aip.length !== 2) throw new PosError('EMV_CARD_DATA_INVALID', 'The Application Interchange Profile is not 2 bytes', { step: 'cardholder verification', tag: '82', length: aip.length });
  return [aip[0] as number, aip[1] as number];
}

function cvmList(ctx: KernelContext): CvmListCodes | undefined {
  const value = ctx.data.get('8E');
  if (value === undefined) return undefined;
  const list = parseCvmListCodes(value);
  if (list === undefined) throw new PosError('EMV_CARD_DATA_INVALID', 'The CVM List is not 8 bytes of amounts followed by whole CV Rules', { step: 'cardholder verification', tag: '8E', length: value.length });
  return list;
}

function setCvmResults(ctx: KernelContext, code: number, condition: number, result: number): void {
  ctx.data.set('9F34', Buffer.from([code, condition, result]), 'terminal');
}
