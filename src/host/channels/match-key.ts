/**
 * How a reply is paired with its request on a multiplexed connection: the
 * MTI's version and class (the first two digits, so 0200 and 0210 share
 * `02`, 0400/0401/0410 share `04`, 0800/0810 share `08`), the STAN (DE 11)
 * and the terminal ID (DE 41, empty when the message has none).
 *
 *   key = "<MTI[0..1]>/<STAN>/<TID>"      e.g. "02/000123/T0000001"
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect } from '../../iso8583/types.js';
import { decodeMessage } from '../../iso8583/message-codec.js';
import { PosError } from '../../util/errors.js';
import type { ReplyReader } from '../host-channel.js';

const STAN_FIELD = 11;
const TERMINAL_ID_FIELD = 41;

export function matchKey(mti: string, stan: string, terminalId: string | undefined): string {
  return `${mti.slice(0, 2)}/${stan}/${terminalId ?? ''}`;
}

/** The key of a decoded message (request or reply); `HOST_BAD_RESPONSE` when it has no STAN. */
export function keyOfMessage(message: Iso8583Message): string {
  const stan = message.get(STAN_FIELD);
  if (typeof stan !== 'string') {
    throw new PosError('HOST_BAD_RESPONSE', 'The message has no STAN (DE 11)', { field: STAN_FIELD, reason: 'missing' });
  }
  const tid = message.get(TERMINAL_ID_FIELD);
  return matchKey(message.mti, stan, typeof tid === 'string' ? tid : undefined);
}

/** A `ReplyReader` keyed by MTI class + STAN + terminal ID. */
export function iso8583MatchingReader(dialect: Dialect): ReplyReader<Iso8583Message> {
  return (frame) => {
    const reply = decodeMessage(dialect, frame);
    return { key: keyOfMessage(reply), reply };
  };
}
