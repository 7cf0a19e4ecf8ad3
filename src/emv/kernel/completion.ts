/**
 * After an ARQC: online processing (EMV 4.4 Book 3 §10.9), issuer-to-card
 * script processing (§10.10) and completion (§10.11).
 *
 * With the host's answer: the Authorisation Response Code (8A) becomes issuer
 * data; Issuer Authentication Data (91) goes to the card in EXTERNAL
 * AUTHENTICATE when the AIP (82 byte 1 b3) says the card supports issuer
 * authentication, and is otherwise left for CDOL2 to carry; the 71 scripts
 * run; the second GENERATE AC asks for a TC when the issuer approved and an
 * AAC otherwise; the 72 scripts run. Without one ("unable to go online"), the
 * terminal's default decision stands: ARC Y3 with a TC request, or Z3 with an
 * AAC request, as terminal data (Book 4 Annex A6), and no issuer data at all.
 *
 * TVR and TSI (Book 3 Annex C5, C6): EXTERNAL AUTHENTICATE sets "issuer
 * authentication was performed", and any answer but 9000 "issuer
 * authentication failed". A host answer without 91 (or with an empty one),
 * even for a card whose AIP asks for issuer authentication, means issuer
 * authentication was not performed: no EXTERNAL AUTHENTICATE, neither bit,
 * CDOL2's 91 zero-filled, and the card decides what that means. A
 * processed script sets "script processing was performed", a failed one
 * "script processing failed before (71) / after (72) final GENERATE AC".
 *
 * The decision is 'approved' only when the issuer approved (or the default
 * decision was to approve) and the card's final cryptogram is a TC.
 */
import { PosError } from '../../util/errors.js';
import { ascii } from '../../util/bytes.js';
import { CLA_INTERINDUSTRY, exchange, INS, SW } from './apdu.js';
import type { KernelContext } from './context.js';
import { generateAc, type GenerateAcOptions, type GenerateAcResult } from './generate-ac.js';
import { issuerDataObjects, processIssuerScripts } from './issuer-scripts.js';
import type { OdaResult } from './oda/index.js';

export type HostAnswer =
  | { readonly kind: 'answered'; readonly arc: Buffer /* 8A, 2 ASCII bytes from DE 39 */; readonly approved: boolean; readonly issuerTlv: Buffer /* DE 55 from the host: 91, 71, 72, others ignored */ }
  | { readonly kind: 'unable-to-go-online'; readonly decision: 'approve' | 'decline' /* from unableToGoOnlineDecision */ };

export interface Completion {
  readonly decision: 'approved' | 'declined';
  readonly secondAc?: GenerateAcResult;
  /** 9F5B, one 5-byte entry per script command processed (Book 4 A5). */
  readonly scriptResults: Buffer;
  readonly arc: Buffer;
}

/** ARCs of a terminal that could not go online (Book 4 Annex A6): offline approved, offline declined. */
export const ARC_UNABLE_ONLINE_APPROVED = ascii('Y3');
export const ARC_UNABLE_ONLINE_DECLINED = ascii('Z3');
const ARC_BYTES = 2;
/** AIP byte 1 b3: issuer authentication is supported (Book 3 Annex C1). */
const AIP_ISSUER_AUTHENTICATION = 0x04;
const ISSUER_AUTHENTICATION_DATA_TAG = '91';
const MAX_COMMAND_DATA_BYTES = 255;

/** Completes the transaction after the first GENERATE AC answered ARQC. */
export async function completeOnlineTransaction(ctx: KernelContext, answer: HostAnswer, oda: OdaResult, options: GenerateAcOptions = {}): Promise<Completion> {
  if (answer.kind === 'unable-to-go-online') {
    const approve = answer.decision === 'approve';
    const arc = approve ? ARC_UNABLE_ONLINE_APPROVED : ARC_UNABLE_ONLINE_DECLINED;
    ctx.data.set('8A', arc, 'terminal');
    const secondAc = await generateAc(ctx, approve ? 'TC' : 'AAC', 'second', oda, options);
    return { decision: approve && secondAc.type === 'TC' ? 'approved' : 'declined', secondAc, scriptResults: Buffer.alloc(0), arc: Buffer.from(arc) };
  }

  if (answer.arc.length !== ARC_BYTES) throw new PosError('INTERNAL', 'An Authorisation Response Code is two characters', { where: 'emv/kernel/completion', length: answer.arc.length });
  ctx.data.set('8A', answer.arc, 'issuer');
  const issuerAuthenticationData = findIssuerAuthenticationData(answer.issuerTlv);
  if (issuerAuthenticationData !== undefined) {
    ctx.data.set(ISSUER_AUTHENTICATION_DATA_TAG, issuerAuthenticationData, 'issuer');
    if (cardSupportsIssuerAuthentication(ctx)) await externalAuthenticate(ctx, issuerAuthenticationData);
  }

  const before = await processIssuerScripts(ctx, '71', answer.issuerTlv);
  if (before.performed) ctx.tsi.set('scriptProcessingPerformed');
  if (before.failed) ctx.tvr.set('scriptFailedBeforeFinalAc');

  const secondAc = await generateAc(ctx, answer.approved ? 'TC' : 'AAC', 'second', oda, options);

  const after = await processIssuerScripts(ctx, '72', answer.issuerTlv);
  if (after.performed) ctx.tsi.set('scriptProcessingPerformed');
  if (after.failed) ctx.tvr.set('scriptFailedAfterFinalAc');

  const scriptResults = Buffer.concat([before.results, after.results]);
  if (scriptResults.length > 0) ctx.data.set('9F5B', scriptResults, 'terminal');
  return { decision: answer.approved && secondAc.type === 'TC' ? 'approved' : 'declined', secondAc, scriptResults, arc: Buffer.from(answer.arc) };
}

function cardSupportsIssuerAuthentication(ctx: KernelContext): boolean {
  const aip = ctx.data.get('82');
  return aip !== undefined && aip.length > 0 && ((aip[0] as number) & AIP_ISSUER_AUTHENTICATION) !== 0;
}

/**
 * EXTERNAL AUTHENTICATE (Book 3 §6.5.4), sent once: 00 82 00 00 Lc [91]. Any
 * status but 9000 (6300 is the usual one) is a failed issuer authentication,
 * and the transaction goes on to the second GENERATE AC.
 */
async function externalAuthenticate(ctx: KernelContext, issuerAuthenticationData: Buffer): Promise<void> {
  ctx.tsi.set('issuerAuthenticationPerformed');
  let sw: number;
  try {
    ({ sw } = await exchange(ctx.env.transmit, { cla: CLA_INTERINDUSTRY, ins: INS.EXTERNAL_AUTHENTICATE, p1: 0x00, p2: 0x00, data: issuerAuthenticationData }));
  } catch (error) {
    // An answer without a status word is a failed authentication; losing the card is not.
    if (error instanceof PosError && error.code === 'EMV_APDU_INVALID') sw = 0;
    else throw error;
  }
  if (sw !== SW.OK) ctx.tvr.set('issuerAuthenticationFailed');
}

/** The first 91 among the host's top-level data objects, as the issuer sent it (the card judges it); an empty one counts as absent. */
function findIssuerAuthenticationData(issuerTlv: Buffer): Buffer | undefined {
  const found = issuerDataObjects(issuerTlv).objects.find((object) => object.tag === ISSUER_AUTHENTICATION_DATA_TAG);
  if (found === undefined || found.value.length === 0 || found.value.length > MAX_COMMAND_DATA_BYTES) return undefined;
  return Buffer.from(found.value);
}
