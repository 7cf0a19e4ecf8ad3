/**
 * ISO 8583:1987 DE 39 response codes as the customer display words them.
 * Only `00` approves a purchase here (partial approvals come later).
 */

const REASONS: Readonly<Record<string, string>> = {
  '00': 'APPROVED',
  '01': 'REFER TO ISSUER',
  '03': 'INVALID MERCHANT',
  '04': 'PICK UP CARD',
  '05': 'DO NOT HONOUR',
  '12': 'INVALID TRANSACTION',
  '13': 'INVALID AMOUNT',
  '14': 'INVALID CARD',
  '30': 'FORMAT ERROR',
  '41': 'LOST CARD',
  '43': 'STOLEN CARD',
  '51': 'INSUFFICIENT FUNDS',
  '54': 'EXPIRED CARD',
  '55': 'INCORRECT PIN',
  '57': 'NOT PERMITTED',
  '61': 'AMOUNT LIMIT EXCEEDED',
  '62': 'RESTRICTED CARD',
  '65': 'ACTIVITY LIMIT EXCEEDED',
  '75': 'PIN TRIES EXCEEDED',
  '91': 'ISSUER UNAVAILABLE',
  '94': 'DUPLICATE TRANSMISSION',
  '96': 'SYSTEM MALFUNCTION',
};

export function isApproval(responseCode: string): boolean {
  return responseCode === '00';
}

/**
 * Whether a code says "approved" to anyone reading it: DE 39 00, 08 (honour
 * with identification), 10 (partial), 11 (VIP), and the terminal's own
 * offline approvals Y1/Y3 (EMV Book 4 A6). A result that did not honour an
 * approval must carry none of these.
 */
export function isApprovingCode(responseCode: string | null): boolean {
  return responseCode !== null && APPROVING_CODES.has(responseCode);
}

const APPROVING_CODES: ReadonlySet<string> = new Set(['00', '08', '10', '11', 'Y1', 'Y3']);

export function declineReason(responseCode: string): string {
  return REASONS[responseCode] ?? `DECLINED (${responseCode})`;
}
