/**
 * The transport layer's part of an exchange (EMV 4.4 Book 1 §9.3.1, ISO/IEC
 * 7816-3 §10.3 and 7816-4 §5.3.4): a reader hands back what the card said,
 * and under T=0 that can be a procedure status instead of the answer. This
 * module turns one command APDU into its whole response APDU (data ‖ SW1 SW2),
 * which is what the kernel's `Transmit` promises:
 *
 *   61 xx  more data waits: GET RESPONSE `00 C0 00 00 xx` (xx = 00: 256 bytes),
 *          again while the card answers 61 xx, the data concatenated in order.
 *   6C xx  wrong Le: the same command again with Le = xx (also for a GET RESPONSE).
 *   62 xx / 63 xx / 9x xx (not 90 00) to a case 4 command under T=0: the card
 *          may hold response data behind a warning (Book 1 §9.3.1's case 4
 *          rule; ETSI TS 102 221 words the same rule for T=0): GET RESPONSE
 *          with Le = 00; its data goes to the caller with the warning as the
 *          status, and the warning alone when it gives none.
 *
 * 61xx and 6Cxx are resolved under T=1 too: ISO 7816-4 allows them at the
 * APDU level whatever the protocol, and a reader may pass them through. The
 * commands the kernel sends are short APDUs (`src/emv/kernel/apdu.ts`); an
 * APDU whose case cannot be told is sent as it is, and a 6Cxx to it is
 * returned unresolved.
 */
import { PosError } from '../../src/util/errors.js';
import type { PcscProtocol } from './pcsc-binding.js';

/** Sends one command as it is and resolves with the card's bytes; at least SW1 SW2 (the caller checks). */
export type RawTransmit = (command: Buffer) => Promise<Buffer>;

/** SW1 of "more data waits": SW2 says how much (00 = 256). */
export const SW1_MORE_DATA = 0x61;
/** SW1 of "wrong Le": SW2 is the Le to send. */
export const SW1_WRONG_LE = 0x6c;
/** GET RESPONSE's header: CLA 00, INS C0, P1 P2 00 00 (ISO 7816-4 §7.6.1). */
const GET_RESPONSE_HEADER = [0x00, 0xc0, 0x00, 0x00] as const;
/** The most procedure rounds one command may take: 64 × 256 bytes is far more than any EMV answer, and a card that loops is cut off. */
export const MAX_PROCEDURE_ROUNDS = 64;

const HEADER_BYTES = 4;
const SW_BYTES = 2;

/** A short APDU's case (ISO 7816-3 §12.1.2), or undefined when its length fits none. */
export function apduCase(command: Uint8Array): 1 | 2 | 3 | 4 | undefined {
  if (command.length === HEADER_BYTES) return 1;
  if (command.length === HEADER_BYTES + 1) return 2;
  const lc = command[HEADER_BYTES];
  if (lc === undefined || lc === 0) return undefined;
  if (command.length === HEADER_BYTES + 1 + lc) return 3;
  if (command.length === HEADER_BYTES + 1 + lc + 1) return 4;
  return undefined;
}

/** `command` with its Le set to `le` (added to a case 1 or 3, replaced in a case 2 or 4), or undefined when its case cannot be told. */
export function withLe(command: Buffer, le: number): Buffer | undefined {
  switch (apduCase(command)) {
    case 1:
    case 3:
      return Buffer.concat([command, Buffer.of(le)]);
    case 2:
    case 4: {
      const resent = Buffer.from(command);
      resent[resent.length - 1] = le;
      return resent;
    }
    case undefined:
      return undefined;
  }
}

export function getResponse(le: number): Buffer {
  return Buffer.of(...GET_RESPONSE_HEADER, le);
}

/** A warning or application status a case 4 command may carry in front of its data under T=0. */
function isWarning(sw1: number, sw2: number): boolean {
  return sw1 === 0x62 || sw1 === 0x63 || ((sw1 & 0xf0) === 0x90 && !(sw1 === 0x90 && sw2 === 0x00));
}

/**
 * Sends `command` through `raw` and resolves the procedure statuses above.
 * Rejects with `PCSC_RESPONSE_INVALID` (details: `rounds`) when the card is
 * still asking for GET RESPONSE after `MAX_PROCEDURE_ROUNDS`; `raw`'s own
 * rejections pass through.
 */
export async function exchangeApdu(raw: RawTransmit, command: Buffer, protocol: PcscProtocol): Promise<Buffer> {
  let sent = command;
  let response = await raw(sent);
  const data: Buffer[] = [];
  let warning: Buffer | undefined;
  for (let round = 1; ; round++) {
    const sw1 = response[response.length - SW_BYTES] ?? 0;
    const sw2 = response[response.length - 1] ?? 0;
    let next: Buffer | undefined;
    if (sw1 === SW1_MORE_DATA) {
      data.push(response.subarray(0, response.length - SW_BYTES));
      next = getResponse(sw2);
    } else if (sw1 === SW1_WRONG_LE) {
      next = withLe(sent, sw2);
    } else if (protocol === 'T=0' && round === 1 && response.length === SW_BYTES && apduCase(command) === 4 && isWarning(sw1, sw2)) {
      warning = response;
      next = getResponse(0x00);
    }
    if (next === undefined) break;
    if (round > MAX_PROCEDURE_ROUNDS) {
      throw new PosError('PCSC_RESPONSE_INVALID', `The card still asked for another exchange after ${MAX_PROCEDURE_ROUNDS} rounds`, { rounds: round });
    }
    sent = next;
    response = await raw(sent);
  }
  const sw = response.subarray(response.length - SW_BYTES);
  if (warning === undefined) return data.length === 0 ? response : Buffer.concat([...data, response]);
  // The data the GET RESPONSE gave, with the warning the command ended in.
  const succeeded = sw[0] === 0x90 && sw[1] === 0x00;
  return succeeded ? Buffer.concat([...data, response.subarray(0, response.length - SW_BYTES), warning]) : warning;
}
