/**
 * The card's own decisions at GENERATE AC (EMV 4.4 Book 3 §6.5.5.4 and
 * §10.8 card action analysis, with the card risk management of Visa VIS
 * and M/Chip described in their public summaries): pure functions of what
 * the terminal asked for, the card's counters and its profile's `risk`.
 *
 * First GENERATE AC (the card may only answer "as asked or more cautious":
 * AAC < ARQC < TC):
 *   application blocked, or `declineAlways`           → AAC
 *   AAC asked                                          → AAC
 *   ARQC asked                                         → ARQC
 *   TC asked, `approveOffline`, and the consecutive offline transactions
 *     (ATC − last online ATC) not above 9F14           → TC
 *   TC asked otherwise                                 → ARQC
 *
 * Second GENERATE AC (only TC or AAC):
 *   application blocked, `declineAlways`, AAC asked    → AAC
 *   ARC Y3 (terminal could not go online, approves)    → TC if `approveOffline` and not above 9F23, else AAC
 *   ARC Z3 or any other non-approving ARC              → AAC
 *   approving ARC (00 08 10 11): issuer authentication failed, or missing
 *     while `issuerAuthenticationRequired`, or the decline-after-approval
 *     fault                                            → AAC, else TC
 */
import type { CardRiskProfile } from './card-profile.js';
import type { AcType } from './cryptogram-versions.js';

/** Response codes (8A) that approve an online authorisation (ISO 8583 DE 39). */
export const APPROVING_ARCS: ReadonlySet<string> = new Set(['00', '08', '10', '11']);
/** 8A the terminal sets itself when it could not go online (Book 4 §6.3.6): approved / declined offline. */
export const ARC_UNABLE_ONLINE_APPROVED = 'Y3';
export const ARC_UNABLE_ONLINE_DECLINED = 'Z3';

export interface OfflineCounters {
  /** The current transaction's ATC. */
  readonly atc: number;
  /** 9F13. */
  readonly lastOnlineAtc: number;
  /** 9F14, when the card has it. */
  readonly lowerLimit: number | undefined;
  /** 9F23, when the card has it. */
  readonly upperLimit: number | undefined;
}

export interface LimitsExceeded {
  readonly lower: boolean;
  readonly upper: boolean;
}

/** Velocity (Book 3 §10.6.3, the same rule on the card): consecutive offline transactions above each limit. */
export function offlineLimits(c: OfflineCounters): LimitsExceeded {
  const consecutive = c.atc - c.lastOnlineAtc;
  return { lower: c.lowerLimit !== undefined && consecutive > c.lowerLimit, upper: c.upperLimit !== undefined && consecutive > c.upperLimit };
}

export function firstAcDecision(input: { readonly requested: AcType; readonly risk: CardRiskProfile; readonly blocked: boolean; readonly limits: LimitsExceeded }): AcType {
  const { requested, risk, blocked, limits } = input;
  if (blocked || risk.declineAlways || requested === 'AAC') return 'AAC';
  if (requested === 'ARQC') return 'ARQC';
  return risk.approveOffline && !limits.lower ? 'TC' : 'ARQC';
}

export interface SecondAcInput {
  readonly requested: 'TC' | 'AAC';
  /** 8A as two characters; undefined when the CDOL2 data has none. */
  readonly arc: string | undefined;
  readonly issuerAuthentication: 'not-performed' | 'passed' | 'failed';
  readonly risk: CardRiskProfile;
  readonly blocked: boolean;
  readonly limits: LimitsExceeded;
  readonly declineAfterApproval: boolean;
}

export function secondAcDecision(input: SecondAcInput): 'TC' | 'AAC' {
  const { requested, arc, issuerAuthentication, risk } = input;
  if (input.blocked || risk.declineAlways || requested === 'AAC' || arc === undefined) return 'AAC';
  if (arc === ARC_UNABLE_ONLINE_APPROVED) return risk.approveOffline && !input.limits.upper ? 'TC' : 'AAC';
  if (!APPROVING_ARCS.has(arc)) return 'AAC';
  if (issuerAuthentication === 'failed') return 'AAC';
  if (issuerAuthentication === 'not-performed' && risk.issuerAuthenticationRequired) return 'AAC';
  return input.declineAfterApproval ? 'AAC' : 'TC';
}

/** Whether the terminal reports that it could not reach the issuer. */
export function unableToGoOnline(arc: string | undefined): boolean {
  return arc === ARC_UNABLE_ONLINE_APPROVED || arc === ARC_UNABLE_ONLINE_DECLINED;
}
