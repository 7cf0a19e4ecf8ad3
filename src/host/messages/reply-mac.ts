/**
 * The terminal's check of an answer's X9.19 MAC (see `mac.ts`): with a TAK
 * configured, an answer without its MAC field, or with one that does not
 * verify, is `HOST_BAD_RESPONSE` naming field 64 (or 128), reason `missing`
 * or `mac` — the request went out and may have been acted on, so the client
 * reports it `maybe-sent` and the caller owns the reversal.
 *
 * Every reader of an answer starts with `checkReplyHeader`: the MAC, then the
 * MTI, then the STAN (DE 11) and terminal ID (DE 41) it must echo.
 */
import { iso87ascii } from '../../iso8583/dialects/iso87ascii.js';
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect } from '../../iso8583/types.js';
import { badResponse, expectEcho, expectMti } from './fields.js';
import { checkMac, macField } from './mac.js';

export interface ReplyMacOptions {
  readonly macKey?: Uint8Array;
  readonly dialect?: Dialect;
}

export function checkReplyMac(reply: Iso8583Message, options: ReplyMacOptions): void {
  if (options.macKey === undefined) return;
  const dialect = options.dialect ?? iso87ascii;
  const result = checkMac(dialect, reply, options.macKey);
  if (result === 'valid') return;
  badResponse(macField(dialect, reply), result === 'missing' ? 'missing' : 'mac');
}

/** What an answer must match before any of its fields is read. */
export interface ExpectedReply {
  readonly mti: string;
  readonly stan: string;
  readonly terminalId: string;
}

export function checkReplyHeader(reply: Iso8583Message, options: ReplyMacOptions, expected: ExpectedReply): void {
  checkReplyMac(reply, options);
  expectMti(reply, expected.mti);
  expectEcho(reply, 11, expected.stan);
  expectEcho(reply, 41, expected.terminalId);
}
