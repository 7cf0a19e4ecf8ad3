/**
 * The terminal's ISO 8583:1987 message set, for every channel (persistent
 * TCP, TLS, the HTTPS gateway's fallback) and for the bank-host simulator:
 * builders of each request, readers of each answer, the X9.19 MAC over the
 * message bytes, and the protocol values as named constants.
 */
export { MTI, NETWORK_CODES, POS_CONDITION_NORMAL, PROCESSING_CODES, RESPONSE_CODES, kindOfProcessingCode, responseMtiOf } from './constants.js';
export type { Mti, NetworkCode, ResponseCode, TransactionKind } from './constants.js';
export { amountField, localDate, localTime, MAX_AMOUNT_MINOR, transmissionDateTime } from './fields.js';
export { checkMac, encodeWithMac, MAC_BYTES, macField, macInput, verifyX919Under, withMac, type MacCheck, type MacField, type MacKey } from './mac.js';
export { checkReplyMac, type ReplyMacOptions } from './reply-mac.js';
export { chipDataForHost, chipDataMap, issuerDataForCard, ISSUER_AUTHENTICATION_DATA_TAG, ISSUER_SCRIPT_TAGS } from './chip-data.js';
export { pinFields, PIN_DATA_FIELD, SECURITY_CONTROL_FIELD } from './pin-data.js';
export { encryptedTracksField, parseEncryptedTracksField, ENCRYPTED_TRACKS_FIELD, ENCRYPTED_TRACK_TAGS, ENCRYPTION_SCHEMES, type EncryptedTracksField } from './encrypted-tracks.js';
export {
  adviceOpeningKey,
  adviceSealingKey,
  openAdviceCard,
  parseSealedAdviceField,
  sealAdviceCard,
  sealedAdviceField,
  SEALED_ADVICE_FIELD,
  SEALED_ADVICE_TAGS,
  type AdviceBinding,
  type AdviceCardData,
  type AdviceOpeningKey,
  type AdviceSealingKey,
  type SealedAdviceField,
} from './sealed-advice.js';
export {
  encodeFinancialRequest,
  ENTRY_MODE_CODES,
  readFinancialResponse,
  type CardTransaction,
  type FinancialTransaction,
  type SealedAdvice,
  type FinancialRequestMti,
  type FinancialRequestOptions,
  type FinancialResponseOptions,
} from './financial.js';
export {
  encodeReversalRequest,
  originalDataElements,
  ORIGINAL_DATA_FIELD,
  parseOriginalDataElements,
  readReversalResponse,
  REVERSAL_REASONS,
  reversalFromPending,
  reversalReasonFor,
  type OriginalData,
  type ReversalInput,
  type ReversalMti,
  type ReversalReason,
  type ReversalResponse,
} from './reversal.js';
export { encodeNetworkRequest, KEY_BLOCK_FIELD, NETWORK_CODE_FIELD, readNetworkResponse, type NetworkRequest, type NetworkResponse } from './network.js';
export {
  encodeReconciliationRequest,
  readReconciliationResponse,
  TOTALS_FIELDS,
  totalsEqual,
  totalsFields,
  totalsOf,
  ZERO_TOTALS,
  type ReconciliationRequest,
  type ReconciliationResponse,
  type ReconciliationTotals,
} from './reconciliation.js';
