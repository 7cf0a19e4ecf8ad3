/**
 * The simulated issuer's answers to network management (0800) and
 * reconciliation (0500/0501).
 *
 * 0800 by DE 70: 001 sign-on and 301 echo test → 00; 161 key change → 00
 * with a fresh terminal MAC key in DE 62, a TR-31 version B block (usage M3,
 * algorithm T, mode C) under the shared KEK. The 0810 is MAC'd under the old
 * key; the new key applies to that terminal from its next message. Another
 * DE 70 → 12.
 *
 * 0500: the terminal's totals (DE 74–89, see `reconciliation.ts`) against the
 * ledger's for that terminal and currency (DE 50) since its previous 0500:
 * 00 when they agree, 95 when not, the host's totals in the answer either
 * way. Every 0500 closes the period. A 0501 repeat of the last 0500 (same
 * STAN) gets the same answer again.
 */
import { adjustOddParity } from '../../src/crypto/keys/parity.js';
import { wrapTr31 } from '../../src/crypto/tr31/key-block.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { MTI, NETWORK_CODES, RESPONSE_CODES } from '../../src/host/messages/constants.js';
import { KEY_BLOCK_FIELD, NETWORK_CODE_FIELD } from '../../src/host/messages/network.js';
import { totalsEqual, totalsFields, totalsOf, type ReconciliationTotals } from '../../src/host/messages/reconciliation.js';
import { TAK_BYTES } from '../../src/host/keys.js';
import { record, textField, type HandlerResult, type IssuerContext } from './issuer-context.js';

/** The TR-31 header of a key change's new TAK. */
export const NEW_TAK_HEADER = {
  versionId: 'B',
  keyUsage: 'M3',
  algorithm: 'T',
  modeOfUse: 'C',
  keyVersionNumber: '00',
  exportability: 'N',
  optionalBlocks: [],
} as const;

export function handleNetwork(ctx: IssuerContext, request: Iso8583Message): HandlerResult {
  const terminalId = textField(request, 41);
  const code = textField(request, NETWORK_CODE_FIELD);
  if (terminalId === undefined || code === undefined) {
    record(ctx, request, { responseCode: RESPONSE_CODES.formatError });
    return { responseCode: RESPONSE_CODES.formatError };
  }
  if (code === NETWORK_CODES.signOn || code === NETWORK_CODES.echoTest) {
    record(ctx, request, { responseCode: RESPONSE_CODES.approved });
    return { responseCode: RESPONSE_CODES.approved };
  }
  if (code === NETWORK_CODES.keyChange) {
    const tak = adjustOddParity(ctx.random(TAK_BYTES));
    const keyBlock = wrapTr31(ctx.keys.kek, NEW_TAK_HEADER, tak, { padding: ctx.random });
    record(ctx, request, { responseCode: RESPONSE_CODES.approved });
    return {
      responseCode: RESPONSE_CODES.approved,
      fields: { [KEY_BLOCK_FIELD]: keyBlock },
      afterMac: () => {
        ctx.keyRing.installMacKey(terminalId, tak);
      },
    };
  }
  record(ctx, request, { responseCode: RESPONSE_CODES.invalidTransaction });
  return { responseCode: RESPONSE_CODES.invalidTransaction };
}

/** The last reconciliation answer per terminal, for a 0501 repeat. */
const lastAnswers = new WeakMap<IssuerContext, Map<string, { stan: string; code: string; totals: ReconciliationTotals }>>();

export function handleReconciliation(ctx: IssuerContext, request: Iso8583Message): HandlerResult {
  const terminalId = textField(request, 41);
  const currency = textField(request, 50);
  const stan = textField(request, 11) ?? '';
  const terminalTotals = totalsOf(request.fields);
  if (terminalId === undefined || currency === undefined || terminalTotals === undefined) {
    record(ctx, request, { responseCode: RESPONSE_CODES.formatError });
    return { responseCode: RESPONSE_CODES.formatError };
  }
  let answers = lastAnswers.get(ctx);
  if (answers === undefined) {
    answers = new Map();
    lastAnswers.set(ctx, answers);
  }
  const last = answers.get(terminalId);
  if (request.mti === MTI.reconciliationRepeat && last?.stan === stan) {
    return { responseCode: last.code, fields: totalsFields(last.totals) };
  }
  const hostTotals = ctx.ledger.totalsSinceLastReconciliation(terminalId, currency);
  const code = totalsEqual(hostTotals, terminalTotals) ? RESPONSE_CODES.approved : RESPONSE_CODES.reconcileError;
  answers.set(terminalId, { stan, code, totals: hostTotals });
  record(ctx, request, { responseCode: code });
  return { responseCode: code, fields: totalsFields(hostTotals) };
}
