/**
 * Command and response APDUs, ISO/IEC 7816-4 §5 as EMV 4.4 Book 1 §9 and
 * Book 3 §6 use them: a command is CLA INS P1 P2 [Lc data] [Le]; a response
 * is data followed by the status word SW1 SW2. Short APDUs only (EMV never
 * sends extended lengths).
 *
 * The kernel talks to a card through one function, `Transmit`: the reader's
 * transport (PC/SC, a virtual card, a scripted card) has already resolved
 * T=0's procedure bytes (61xx GET RESPONSE, 6Cxx resend with the right Le),
 * so the kernel sees each command's whole answer.
 */
import { PosError } from '../../util/errors.js';

/** Sends one command APDU to the card and resolves with its response APDU (data ‖ SW1 SW2). */
export type Transmit = (command: Buffer) => Promise<Buffer>;

export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Command data (Lc is its length, 1–255 bytes); absent for case 1 and 2. */
  readonly data?: Uint8Array;
  /** Expected length: 0 means "up to 256" (encoded 00); absent for case 1 and 3. */
  readonly le?: number;
}

export interface ResponseApdu {
  readonly data: Buffer;
  /** SW1 SW2 as one number, e.g. 0x9000. */
  readonly sw: number;
}

/** Status words the kernel branches on (ISO 7816-4 §5.1.3, Book 3 Annex A and §6.3.5). */
export const SW = {
  OK: 0x9000,
  /** 62 83: selected file (application) invalidated — application blocked. */
  SELECTED_FILE_INVALIDATED: 0x6283,
  /** 63 Cx: PIN verification failed, x tries left. */
  COUNTER_MASK: 0x63c0,
  /** 69 83: authentication method blocked (PIN try limit exceeded). */
  AUTH_METHOD_BLOCKED: 0x6983,
  /** 69 84: referenced data invalidated. */
  REFERENCED_DATA_INVALIDATED: 0x6984,
  /** 69 85: conditions of use not satisfied (a GPO that takes the application off the list). */
  CONDITIONS_NOT_SATISFIED: 0x6985,
  /** 6A 81: function not supported — at SELECT of the PSE, the card is blocked. */
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  /** 6A 82: file or application not found. */
  FILE_NOT_FOUND: 0x6a82,
  /** 6A 83: record not found (the end of a directory). */
  RECORD_NOT_FOUND: 0x6a83,
  /** 6A 88: referenced data not found (GET DATA of an object the card does not have). */
  DATA_NOT_FOUND: 0x6a88,
} as const;

/** The command class of EMV's inter-industry commands (Book 3 §6.3.2). */
export const CLA_INTERINDUSTRY = 0x00;
/** The proprietary class EMV uses for GPO, GENERATE AC, GET DATA (Book 3 §6.5). */
export const CLA_EMV = 0x80;
/** The class of issuer script commands with secure messaging (Book 3 §6.5: 84). */
export const CLA_SECURE_MESSAGING = 0x84;

export const INS = {
  SELECT: 0xa4,
  READ_RECORD: 0xb2,
  GET_PROCESSING_OPTIONS: 0xa8,
  GET_DATA: 0xca,
  INTERNAL_AUTHENTICATE: 0x88,
  EXTERNAL_AUTHENTICATE: 0x82,
  GENERATE_AC: 0xae,
  GET_CHALLENGE: 0x84,
  VERIFY: 0x20,
  GET_RESPONSE: 0xc0,
} as const;

const MAX_SHORT_DATA = 255;
const SW_BYTES = 2;

/** Encodes a short command APDU; throws `EMV_APDU_INVALID` for data or Le out of the short range. */
export function encodeCommand(command: CommandApdu): Buffer {
  const { cla, ins, p1, p2, data, le } = command;
  for (const [name, value] of [['CLA', cla], ['INS', ins], ['P1', p1], ['P2', p2]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new PosError('EMV_APDU_INVALID', `${name} is not one byte`, { field: name });
  }
  if (data !== undefined && (data.length === 0 || data.length > MAX_SHORT_DATA)) {
    throw new PosError('EMV_APDU_INVALID', 'Command data must be 1 to 255 bytes', { length: data.length });
  }
  if (le !== undefined && (!Number.isInteger(le) || le < 0 || le > 256)) throw new PosError('EMV_APDU_INVALID', 'Le must be 0 to 256', { le });
  const header = [cla, ins, p1, p2];
  const body = data === undefined ? [] : [data.length, ...data];
  const tail = le === undefined ? [] : [le & 0xff];
  return Buffer.from([...header, ...body, ...tail]);
}

/** Splits a response APDU; throws `EMV_APDU_INVALID` when it has no status word. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < SW_BYTES) throw new PosError('EMV_APDU_INVALID', 'A response APDU has no status word', { length: bytes.length });
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return { data: buffer.subarray(0, buffer.length - SW_BYTES), sw: buffer.readUInt16BE(buffer.length - SW_BYTES) };
}

/** SW1 SW2 as the four hex digits logs and errors show. */
export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** Sends one command and parses its answer. */
export async function exchange(transmit: Transmit, command: CommandApdu): Promise<ResponseApdu> {
  return parseResponse(await transmit(encodeCommand(command)));
}
