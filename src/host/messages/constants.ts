/**
 * ISO 8583:1987 protocol values of the terminal's message set, as named
 * constants: message type indicators (§4.1.1), processing codes (DE 3),
 * network management information codes (DE 70) and response codes (DE 39).
 */

/** Message type indicators: version 0 (1987), class, function, origin. */
export const MTI = {
  authorizationRequest: '0100',
  authorizationResponse: '0110',
  financialRequest: '0200',
  financialResponse: '0210',
  financialAdvice: '0220',
  financialAdviceRepeat: '0221',
  financialAdviceResponse: '0230',
  reversalRequest: '0400',
  reversalRepeat: '0401',
  reversalResponse: '0410',
  reversalAdvice: '0420',
  reversalAdviceRepeat: '0421',
  reversalAdviceResponse: '0430',
  reconciliationRequest: '0500',
  reconciliationRepeat: '0501',
  reconciliationResponse: '0510',
  networkRequest: '0800',
  networkResponse: '0810',
} as const;

export type Mti = (typeof MTI)[keyof typeof MTI];

/**
 * ISO 8583:1987 §4.1.1: the response to a request or advice has the function
 * digit (third) one higher, and a repeat (origin digit 1) is answered like the
 * first: 0200 → 0210, 0401 → 0410.
 */
export function responseMtiOf(mti: string): string {
  const fn = Number(mti.charAt(2));
  return `${mti.slice(0, 2)}${fn % 2 === 0 ? fn + 1 : fn}0`;
}

/**
 * DE 3: transaction type (2 digits), from account, to account (00 default,
 * unspecified). The transaction types of ISO 8583:1987 this set uses:
 * 00 goods and services, 02 debit adjustment, 09 goods and services with
 * cash disbursement (cashback), 20 returns.
 */
export const PROCESSING_CODES = {
  /** 00: goods and services — a purchase (0200), a pre-authorization (0100), its incremental authorizations (0100) and its completion (0220/0200). */
  purchase: '000000',
  /** 02: debit adjustment — a tip adjustment (0220) of an approved purchase. */
  adjustment: '020000',
  /** 09: goods and services with cash disbursement — a purchase with cashback. */
  cashback: '090000',
  /** 20: returns (refund). */
  refund: '200000',
} as const;

/** What a request of this set is, as DE 3 and the MTI say together. */
export type TransactionKind = 'purchase' | 'refund' | 'preauth' | 'completion' | 'tip-adjust' | 'incremental';

/** DE 3 of a request of `kind`; a purchase with cashback is 09. */
export function processingCodeOf(kind: TransactionKind, cashback = false): string {
  switch (kind) {
    case 'purchase':
      return cashback ? PROCESSING_CODES.cashback : PROCESSING_CODES.purchase;
    case 'refund':
      return PROCESSING_CODES.refund;
    case 'preauth':
    case 'incremental':
    case 'completion':
      return PROCESSING_CODES.purchase;
    case 'tip-adjust':
      return PROCESSING_CODES.adjustment;
  }
}

/**
 * The card transaction of a DE 3 in a 0100/0200: purchase (00 or 09) or
 * refund (20); undefined for one the terminal does not send that way.
 */
export function kindOfProcessingCode(code: string | undefined): 'purchase' | 'refund' | undefined {
  if (code === PROCESSING_CODES.purchase || code === PROCESSING_CODES.cashback) return 'purchase';
  if (code === PROCESSING_CODES.refund) return 'refund';
  return undefined;
}

/** DE 70: network management information code. */
export const NETWORK_CODES = {
  signOn: '001',
  signOff: '002',
  keyChange: '161',
  echoTest: '301',
} as const;

export type NetworkCode = (typeof NETWORK_CODES)[keyof typeof NETWORK_CODES];

/** DE 25: point of service condition code. */
export const POS_CONDITION_NORMAL = '00';
/** DE 25 06, preauthorized request: the completion of a pre-authorization. */
export const POS_CONDITION_PREAUTHORIZED = '06';

/** DE 39 values this message set uses (ISO 8583:1987 Annex A, and E1 private). */
export const RESPONSE_CODES = {
  approved: '00',
  doNotHonour: '05',
  /** Also: a completion or tip adjustment whose original was released, voided or completed already. */
  invalidTransaction: '12',
  /** A completion over the amount its pre-authorization holds, or a tip adjustment that does not add up. */
  invalidAmount: '13',
  invalidCardNumber: '14',
  /** In a reversal: the customer cancelled. */
  customerCancellation: '17',
  /** Unable to locate the original of a reversal, a completion or a tip adjustment. */
  unableToLocateRecord: '25',
  formatError: '30',
  insufficientFunds: '51',
  expiredCard: '54',
  incorrectPin: '55',
  restrictedCard: '62',
  securityViolation: '63',
  /** In a reversal: no response came in time. */
  responseReceivedTooLate: '68',
  pinTriesExceeded: '75',
  duplicateTransmission: '94',
  reconcileError: '95',
  /**
   * Private use (as ISO 8583:1993's "cryptographic failure"): encrypted track
   * data that does not decrypt to a track under the KSN's key.
   */
  cryptographicFailure: '88',
  systemMalfunction: '96',
  /** In a reversal, private use: the chip declined after the host approved (second GENERATE AC gave an AAC). */
  chipDeclineAfterApproval: 'E1',
} as const;

export type ResponseCode = (typeof RESPONSE_CODES)[keyof typeof RESPONSE_CODES];

/** DE 7 and DE 90's zero-filled institution IDs: 11 digits each. */
export const INSTITUTION_ID_DIGITS = 11;
