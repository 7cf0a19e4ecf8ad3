/**
 * What approves a purchase: the one definition the host clients, the
 * engine, the journal's recovery and the register's view share.
 *
 *   00  approved                                   ISO 8583:1987 DE 39
 *   08  honour with identification                 ISO 8583:1987 DE 39
 *   10  approved for partial amount                ISO 8583:1987 DE 39
 *   11  approved (VIP)                             ISO 8583:1987 DE 39
 *   Y1  offline approved (by the card)             EMV Book 4 A6
 *   Y3  unable to go online, approved offline      EMV Book 4 A6
 *
 * An issuer that answers 08, 10 or 11 holds the customer's money as it does
 * for 00, so the terminal honours it like 00 — else the customer is charged
 * for a sale the terminal declined, with no reversal owed. A partial
 * approval can only be for the amount asked: an answer must echo DE 4, and
 * one for another amount is a bad response, reversed. Y1 and Y3 are the
 * terminal's own; a result that did not honour an approval carries none of
 * these codes.
 */

const APPROVING_CODES: ReadonlySet<string> = new Set(['00', '08', '10', '11', 'Y1', 'Y3']);

export function isApproval(responseCode: string | null): boolean {
  return responseCode !== null && APPROVING_CODES.has(responseCode);
}
