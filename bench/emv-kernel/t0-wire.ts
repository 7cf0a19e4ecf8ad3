/**
 * What one APDU exchange costs on a T=0 contact line (ISO/IEC 7816-3 §10,
 * EMV 4.4 Book 1 §9.3.1 and Annex A), counted in characters as a T=0 reader
 * sends and receives them. The kernel sees whole APDUs (`Transmit`: the
 * reader has resolved the procedure bytes); the line carries TPDUs:
 *
 *   case 1  [CLA INS P1 P2 00]                                  → [SW1 SW2]
 *   case 2  [CLA INS P1 P2 00]                                  → [6C Licc]
 *           [CLA INS P1 P2 Licc]                                → [INS][data Licc][SW1 SW2]
 *           (no 6C round when P3 already was Licc; an error answers [SW1 SW2] at once)
 *   case 3  [CLA INS P1 P2 Lc] → [INS] → [data Lc]              → [SW1 SW2]
 *   case 4  [CLA INS P1 P2 Lc] → [INS] → [data Lc]              → [61 Licc]
 *           GET RESPONSE [00 C0 00 00 Licc]                     → [C0][data Licc][90 00]
 *           a warning (62xx/63xx) with data (Annex A6):         → [62|63 xx]
 *           GET RESPONSE [00 C0 00 00 00] → [6C Licc] → GET RESPONSE [… Licc] → [C0][data][90 00]
 *           no data (an error, or 9000 alone):                  → [SW1 SW2]
 *
 * Not counted: the ATR and PPS, NULL procedure bytes (60) a card sends while
 * it works, and the 16 etu the line needs between characters sent in
 * opposite directions (Book 1 §9.2.2.1): the wire time here is a floor,
 * so a share of it is an upper bound.
 *
 * A character takes 12 etu at the least: start bit, 8 data bits, parity
 * (10 etu), then 2 etu of guard time with no extra guard time (N = 0;
 * ISO/IEC 7816-3 §7.2, Book 1 §9.2.2). At the default F = 372, D = 1 an etu
 * is 372 clock cycles: 9,600 etu/s at 3.5712 MHz.
 */

/** Header of a command TPDU: CLA INS P1 P2 P3. */
const HEADER_CHARACTERS = 5;
/** A procedure byte that is the INS (send all data / send all the rest). */
const PROCEDURE_BYTE = 1;
/** SW1 SW2, also 61xx and 6Cxx. */
const STATUS_CHARACTERS = 2;
/** A short response carries at most 256 data bytes; P3 = 00 asks for 256. */
const MAX_SHORT_RESPONSE = 256;

/** 1 start + 8 data + 1 parity + 2 guard time (ISO/IEC 7816-3 §7.2, N = 0). */
export const ETU_PER_CHARACTER = 12;
/** F = 372, D = 1 at 3.5712 MHz (ISO/IEC 7816-3 defaults, Book 1 §9.2). */
export const ETU_PER_SECOND = 3_571_200 / 372;

export type ApduCase = 1 | 2 | 3 | 4;

export interface T0Exchange {
  readonly apduCase: ApduCase;
  /** Characters the reader sends: headers (also GET RESPONSE and resent ones) and command data. */
  readonly readerCharacters: number;
  /** Characters the card sends: procedure bytes, 61xx / 6Cxx, response data, SW1 SW2. */
  readonly cardCharacters: number;
  /** Command TPDUs on the line for this APDU (1 plus any resend and GET RESPONSE). */
  readonly tpdus: number;
}

/** The ISO/IEC 7816-4 §5.1 case of a short command APDU, from its length and Lc. */
export function apduCase(command: Uint8Array): ApduCase {
  if (command.length < 4) throw new RangeError('a command APDU has at least 4 bytes');
  if (command.length === 4) return 1;
  if (command.length === 5) return 2;
  const lc = command[4] as number;
  if (lc === 0) throw new RangeError('a short command APDU with data has Lc 1–255');
  if (command.length === 5 + lc) return 3;
  if (command.length === 6 + lc) return 4;
  throw new RangeError('the command APDU is not as long as its Lc says');
}

/** The characters one command APDU and its response APDU take on a T=0 line. */
export function t0Exchange(command: Uint8Array, response: Uint8Array): T0Exchange {
  if (response.length < STATUS_CHARACTERS) throw new RangeError('a response APDU ends with SW1 SW2');
  const kind = apduCase(command);
  const dataOut = kind === 3 || kind === 4 ? (command[4] as number) : 0;
  const dataIn = response.length - STATUS_CHARACTERS;
  const sw1 = response[response.length - STATUS_CHARACTERS] as number;
  const warning = sw1 === 0x62 || sw1 === 0x63;
  let reader = HEADER_CHARACTERS + dataOut;
  let card = dataOut > 0 ? PROCEDURE_BYTE : 0;
  let tpdus = 1;
  /** One more TPDU header from the reader, answered by a status (61xx, 6Cxx). */
  const roundTrip = (): void => {
    reader += HEADER_CHARACTERS;
    card += STATUS_CHARACTERS;
    tpdus++;
  };
  if (dataIn === 0) {
    card += STATUS_CHARACTERS;
  } else if (kind === 1 || kind === 2) {
    const p3 = kind === 2 ? (command[4] as number) : 0;
    // P3 = 00 asks for 256; any other length than the card's is answered 6C Licc and sent again.
    if ((p3 === 0 ? MAX_SHORT_RESPONSE : p3) !== dataIn) {
      card += STATUS_CHARACTERS;
      reader += HEADER_CHARACTERS;
      tpdus++;
    }
    card += PROCEDURE_BYTE + dataIn + STATUS_CHARACTERS;
  } else {
    // Case 3 or 4 with data back: 61 Licc, or a warning then GET RESPONSE 00 answered 6C Licc.
    card += STATUS_CHARACTERS;
    if (warning && dataIn !== MAX_SHORT_RESPONSE) roundTrip();
    reader += HEADER_CHARACTERS;
    tpdus++;
    card += PROCEDURE_BYTE + dataIn + STATUS_CHARACTERS;
  }
  return { apduCase: kind, readerCharacters: reader, cardCharacters: card, tpdus };
}

/** Milliseconds `characters` take on the line at 12 etu each and 9,600 etu/s. */
export function wireMs(characters: number): number {
  return (characters * ETU_PER_CHARACTER * 1000) / ETU_PER_SECOND;
}
