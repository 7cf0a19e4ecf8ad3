/**
 * Network management, ISO 8583:1987 0800/0810: 7 transmission date and time,
 * 11 STAN, 41 terminal ID, 70 network management information code
 * (001 sign-on, 301 echo test, 161 key change); the 0810 adds 39, and for a
 * key change DE 62 (ans LLLVAR, private use): the new terminal MAC key as a
 * TR-31 key block, version B, usage M3 (ISO 9797-1 MAC algorithm 3 = X9.19),
 * algorithm T, mode C, wrapped under the terminal's key-encryption key.
 *
 * DE 70 sets the secondary bitmap, so a MAC travels in DE 128. The 0810 of a
 * key change is MAC'd under the OLD key; the new key applies from the next
 * message on.
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect } from '../../iso8583/types.js';
import { MTI, NETWORK_CODES, RESPONSE_CODES, type NetworkCode } from './constants.js';
import { badResponse, checkDate, expectEcho, replyText, responseCodeOf, transmissionDateTime } from './fields.js';
import { encodeRequest } from './mac.js';
import { checkReplyHeader, type ReplyMacOptions } from './reply-mac.js';

export const NETWORK_CODE_FIELD = 70;
/** Where the 0810 of a key change carries the TR-31 key block. */
export const KEY_BLOCK_FIELD = 62;

export interface NetworkRequest {
  readonly code: NetworkCode;
  readonly stan: string;
  readonly at: Date;
  readonly terminalId: string;
}

export function encodeNetworkRequest(dialect: Dialect, request: NetworkRequest, macKey?: Uint8Array): Buffer {
  return encodeRequest(
    'network management request',
    dialect,
    () => {
      checkDate(request.at);
      return { mti: MTI.networkRequest, fields: { 7: transmissionDateTime(request.at), 11: request.stan, 41: request.terminalId, 70: request.code } };
    },
    macKey,
  );
}

export interface NetworkResponse {
  readonly responseCode: string;
  readonly accepted: boolean;
  /** The TR-31 key block of a key change's answer (DE 62), still wrapped. */
  readonly keyBlock?: string;
}

/** The 0810 after its MAC, MTI, STAN, terminal ID and DE 70 are checked. A key change's 00 must carry DE 62. */
export function readNetworkResponse(request: NetworkRequest, reply: Iso8583Message, options: ReplyMacOptions = {}): NetworkResponse {
  checkReplyHeader(reply, options, { mti: MTI.networkResponse, stan: request.stan, terminalId: request.terminalId });
  expectEcho(reply, NETWORK_CODE_FIELD, request.code);
  const responseCode = responseCodeOf(reply);
  const accepted = responseCode === RESPONSE_CODES.approved;
  const keyBlock = replyText(reply, KEY_BLOCK_FIELD);
  if (request.code === NETWORK_CODES.keyChange && accepted && keyBlock === undefined) badResponse(KEY_BLOCK_FIELD, 'missing');
  return { responseCode, accepted, ...(keyBlock === undefined ? {} : { keyBlock }) };
}
