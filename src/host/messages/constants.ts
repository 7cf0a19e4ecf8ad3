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

/** DE 3: transaction type (2 digits), from account, to account (default 00). */
export const PROCESSING_CODES = {
  /** 00: goods and services. */
  purchase: '000000',
  /** 20: returns (refund). */
  refund: '200000',
} as const;

export type TransactionKind = keyof typeof PROCESSING_CODES;

/** The transaction kind of a DE 3, or undefined for one the terminal does not use. */
export function kindOfProcessingCode(code: string | undefined): TransactionKind | undefined {
  if (code === PROCESSING_CODES.purchase) return 'purchase';
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

/** DE 39 values this message set uses (ISO 8583:1987 Annex A, and E1 private). */
export const RESPONSE_CODES = {
  approved: '00',
  doNotHonour: '05',
  invalidTransaction: '12',
  invalidCardNumber: '14',
  /** In a reversal: the customer cancelled. */
  customerCancellation: '17',
  /** Unable to locate the original of a reversal. */
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
