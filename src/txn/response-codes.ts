/**
 * ISO 8583:1987 DE 39 response codes as the customer display words a
 * decline. Which codes approve is `isApproval` (`src/host/approval.ts`).
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

export function declineReason(responseCode: string): string {
  return REASONS[responseCode] ?? `DECLINED (${responseCode})`;
}
