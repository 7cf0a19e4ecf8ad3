/**
 * Terminal action analysis, EMV 4.4 Book 3 §10.7: the TVR held against the
 * acquirer's Terminal Action Codes (per AID) and the issuer's Issuer Action
 * Codes (9F0D default, 9F0E denial, 9F0F online), bit for bit. A TVR bit
 * that is set in either code of a kind "matches" it.
 *
 *   denial matches                                 → AAC (decline offline)
 *   online-only terminal                           → ARQC, never a TC
 *   offline terminal with online capability:
 *     online matches                               → ARQC (go online)
 *     otherwise                                    → TC
 *   offline-only terminal, default matches         → AAC
 *   offline-only terminal, otherwise               → TC
 *
 * The terminal type is the configured 9F35 (Book 4 Annex A1): its last digit
 * 1 or 4 is online only, 2 or 5 offline with online capability, 3 or 6
 * offline only. An online-only terminal has no offline approval to give, so
 * the online codes cannot decide anything there: it asks for an ARQC unless
 * a denial code matches.
 *
 * After an ARQC the host may not answer ("unable to go online"): then the
 * default codes decide, at every terminal type, a match declining (AAC, ARC
 * Z3) and none approving (TC, ARC Y3). An acquirer that wants an online-only
 * terminal to decline then sets TAC-default bits it knows are set — with a
 * floor limit of 0, "transaction exceeds floor limit" always is.
 *
 * Two requests decide before the codes can: a refund (9C 20) asks for an
 * AAC, since a credit is the acquirer's to approve and the card has nothing
 * to approve offline — its answer goes online with the refund (the schemes'
 * refund rule; Book 3 does not cover refunds) — and a merchant-forced online
 * transaction (a pre-authorization) sets its TVR bit and never takes a TC.
 *
 * An IAC the card does not have: denial all zeros, online and default all
 * ones (Book 3 §10.7). An IAC that is not 5 bytes ends the transaction
 * (`EMV_CARD_DATA_INVALID`): reading it any other way could turn the
 * issuer's "decline" into an approval.
 */
import { PosError } from '../../util/errors.js';
import { TRANSACTION_TYPE, type KernelContext } from './context.js';

export type CryptogramType = 'AAC' | 'TC' | 'ARQC';

const ACTION_CODE_BYTES = 5;
const ALL_ZEROS = Buffer.alloc(ACTION_CODE_BYTES, 0x00);
const ALL_ONES = Buffer.alloc(ACTION_CODE_BYTES, 0xff);

const IAC = {
  default: { tag: '9F0D', absent: ALL_ONES },
  denial: { tag: '9F0E', absent: ALL_ZEROS },
  online: { tag: '9F0F', absent: ALL_ONES },
} as const;

type ActionKind = keyof typeof IAC;

/** How a terminal reaches the issuer, from its Terminal Type (9F35, Book 4 Annex A1). */
export type TerminalOperation = 'online-only' | 'offline-with-online' | 'offline-only';

/** Terminal Type's last digit: 1 and 4 online only, 2 and 5 offline with online capability, 3 and 6 offline only (attended, unattended). */
export function terminalOperation(terminalType: number): TerminalOperation {
  switch (terminalType % 10) {
    case 1:
    case 4:
      return 'online-only';
    case 3:
    case 6:
      return 'offline-only';
    default:
      return 'offline-with-online';
  }
}

/** Book 3 §10.7: the cryptogram the first GENERATE AC asks for, at the configured terminal type (9F35). */
export function terminalActionAnalysis(ctx: KernelContext): CryptogramType {
  if (ctx.request.transactionType === TRANSACTION_TYPE.refund) return 'AAC';
  if (ctx.request.forcedOnline === true) ctx.tvr.set('merchantForcedOnline');
  if (matches(ctx, 'denial')) return 'AAC';
  switch (terminalOperation(ctx.config.terminal.terminalType)) {
    case 'online-only':
      return 'ARQC';
    case 'offline-with-online':
      return ctx.request.forcedOnline === true || matches(ctx, 'online') ? 'ARQC' : 'TC';
    case 'offline-only':
      return matches(ctx, 'default') ? 'AAC' : 'TC';
  }
}

/** Book 3 §10.7 'unable to go online' after an ARQC: TAC-default / IAC-default against the TVR: 'decline' (AAC, ARC Z3) or 'approve' (TC, ARC Y3). */
export function unableToGoOnlineDecision(ctx: KernelContext): 'approve' | 'decline' {
  return matches(ctx, 'default') ? 'decline' : 'approve';
}

/** True when a TVR bit is set in the TAC or the IAC of this kind. */
function matches(ctx: KernelContext, kind: ActionKind): boolean {
  const tvr = ctx.tvr.bytes();
  const tac = ctx.aid.tac[kind];
  const iac = issuerActionCode(ctx, kind);
  for (let i = 0; i < ACTION_CODE_BYTES; i++) {
    if (((tvr[i] ?? 0) & ((tac[i] ?? 0) | (iac[i] ?? 0))) !== 0) return true;
  }
  return false;
}

function issuerActionCode(ctx: KernelContext, kind: ActionKind): Buffer {
  const { tag, absent } = IAC[kind];
  const value = ctx.data.get(tag);
  if (value === undefined) return absent;
  if (value.length !== ACTION_CODE_BYTES) {
    throw new PosError('EMV_CARD_DATA_INVALID', 'An Issuer Action Code is not 5 bytes', { step: 'terminal action analysis', tag, length: value.length });
  }
  return value;
}
