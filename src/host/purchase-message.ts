/**
 * Kept for existing callers: the purchase mapping moved to `messages/`
 * (`financial.ts`), which also covers refunds, authorizations, advices, PIN,
 * chip data and the MAC. `encodePurchaseRequest` / `readPurchaseResponse`
 * are the 0200/0210 case without a MAC.
 */
import type { Iso8583Message } from '../iso8583/message.js';
import type { Dialect } from '../iso8583/types.js';
import { MTI, POS_CONDITION_NORMAL as POS_CONDITION, PROCESSING_CODES, RESPONSE_CODES } from './messages/constants.js';
import { encodeFinancialRequest, readFinancialResponse } from './messages/financial.js';
import type { AuthorizationResponse, PurchaseRequest } from './model.js';

export { ENTRY_MODE_CODES } from './messages/financial.js';
export { amountField, localDate, localTime, transmissionDateTime } from './messages/fields.js';

export const MTI_FINANCIAL_REQUEST = MTI.financialRequest;
export const MTI_FINANCIAL_RESPONSE = MTI.financialResponse;
export const PROCESSING_CODE_PURCHASE = PROCESSING_CODES.purchase;
export const POS_CONDITION_NORMAL = POS_CONDITION;
export const RESPONSE_APPROVED = RESPONSE_CODES.approved;

/** The 0200 bytes for a purchase, without a MAC. */
export function encodePurchaseRequest(dialect: Dialect, request: PurchaseRequest): Buffer {
  return encodeFinancialRequest(dialect, request);
}

/** The 0210 read back, without a MAC check. */
export function readPurchaseResponse(request: PurchaseRequest, reply: Iso8583Message): AuthorizationResponse {
  return readFinancialResponse(request, reply);
}
