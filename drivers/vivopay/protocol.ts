/**
 * ViVOpay protocol 2 as the ID TECH *NEO 2 Interface Developer's Guide*
 * (80139403-002 rev. 88.1, "the guide") describes it, as tables: the frame,
 * the commands this driver sends or answers, the status byte (Table 6), the
 * contact EMV result codes and the tags of the contact flow. Every entry
 * names where it comes from; docs/protocols/vivopay.md is the same table in
 * words. An entry marked `ours` is a choice the guide's public pages leave
 * open.
 *
 *   command  [V i V O t e c h 2 \0][cmd][sub-cmd][len MSB][len LSB][data…][CRC LSB][CRC MSB]
 *   response [V i V O t e c h 2 \0][cmd][status ][len MSB][len LSB][data…][CRC MSB][CRC LSB]
 *             └──────── 10 ────────┘ 10     11      12       13      14…
 *
 * CRC-16/CCITT-FALSE (`crc16.ts`) over the header's first byte to the last
 * data byte. Which CRC byte comes first follows the frame's role, not who
 * sends it (guide 2.8.2 ping sample, 8.4.30–8.4.31 frame tables): a command
 * — the terminal's, or one the reader sends to the terminal (61-xx) — goes
 * low byte first, a response high byte first.
 */
import { crc16CcittFalse } from './crc16.js';

/** "ViVOtech2" and NUL: header tag and protocol version. */
export const VIVOPAY_HEADER = Buffer.from('ViVOtech2\0', 'latin1');
export const HEADER_BYTES = 10;
/** Header, command, sub-command or status, two length bytes. */
export const PREAMBLE_BYTES = 14;
export const CRC_BYTES = 2;
export const MAX_DATA_BYTES = 0xffff;

/** A frame's role decides its CRC byte order. */
export type FrameRole = 'command' | 'response';

/** Where a table entry comes from: the guide's section and page, or `ours`. */
export type Source = `guide ${string}` | `ours${string}` | `SDK${string}`;

export interface VivopayCommand {
  readonly command: number;
  readonly subCommand: number;
  readonly source: Source;
  /** How long the reader may take to answer (its first answer, for a command acknowledged with 63), before a resend. */
  readonly answerTimeoutMs: number;
  /** Resends after no answer (a CRC-error status or a corrupt answer is resent regardless, up to `LINK_ATTEMPTS`). */
  readonly retries: number;
}

/** The commands the terminal sends (guide Table 2/3 and chapter 8). */
export const VIVOPAY_COMMANDS = {
  ping: { command: 0x18, subCommand: 0x01, source: 'guide 2.8.2 p42 (sample), 8.2', answerTimeoutMs: 1000, retries: 2 },
  /** 05-01 Cancel Transaction: any time; the terminal sends nothing else until it is answered (8.4.2 p160, 8.5.6 p242). */
  cancelTransaction: { command: 0x05, subCommand: 0x01, source: 'guide 8.5.6 p242', answerTimeoutMs: 2000, retries: 2 },
  /** 60-10 Contact Start Transaction: power on, select, GPO, read records; answers the application data, or a swipe. */
  startTransaction: { command: 0x60, subCommand: 0x10, source: 'guide 8.4.18 p178–185', answerTimeoutMs: 2000, retries: 2 },
  /** 60-11 Contact Authenticate Transaction: ODA, restrictions, CVM, TRM, TAA, first GENERATE AC. */
  authenticateTransaction: { command: 0x60, subCommand: 0x11, source: 'guide 8.4.19 p185–189', answerTimeoutMs: 2000, retries: 2 },
  /** 60-12 Contact Apply Host Response: external authenticate, scripts, second GENERATE AC, completion. */
  applyHostResponse: { command: 0x60, subCommand: 0x12, source: 'guide 8.4.20 p189', answerTimeoutMs: 2000, retries: 2 },
  /**
   * 02-40 Activate Transaction: poll for a tap and run the contactless transaction; the one answer
   * comes after the card (its Timeout plus this), and while it runs the reader takes only Cancel or
   * Stop — anything else counts as a Cancel (8.5.2 p209), so it is never resent.
   */
  activateTransaction: { command: 0x02, subCommand: 0x40, source: 'guide 8.5.2 p209–233', answerTimeoutMs: 5000, retries: 0 },
  /** 05-02 Stop Transaction: ends an Activate at whatever phase it is in (8.6.1 p243). */
  stopTransaction: { command: 0x05, subCommand: 0x02, source: 'guide 8.6.1 p243', answerTimeoutMs: 2000, retries: 2 },
  /**
   * 03-40 Get Transaction Result: the last contactless transaction's answer again, in 02-40's layout
   * ([Attribution][TLV…], 8.5.4 p233–236); asked when an Activate's answer timed out here or came garbled.
   */
  getTransactionResult: { command: 0x03, subCommand: 0x40, source: 'guide 8.5.4 p233–236', answerTimeoutMs: 2000, retries: 2 },
  /** 60-13 Contact Retrieve Transaction Result: the last transaction's data again (8.4.2 step 5). */
  retrieveTransactionResult: { command: 0x60, subCommand: 0x13, source: 'guide 8.4.2 p160, Table 2', answerTimeoutMs: 2000, retries: 2 },
} as const satisfies Record<string, VivopayCommand>;

export type VivopayOperation = keyof typeof VIVOPAY_COMMANDS;

/** Commands the reader sends to the terminal during a contact transaction ("Reader sends to Host"), answered by the driver. */
export const READER_CALLBACKS = {
  /** 61-01 Contact LCD Display Control: what the reader would show (or a menu to choose from). */
  display: { command: 0x61, subCommand: 0x01, source: 'guide 8.4.30 p198–199' },
  /** 61-02 Contact Get PIN Control: the reader's kernel wants a PIN (CVM). */
  pinEntry: { command: 0x61, subCommand: 0x02, source: 'guide 8.4.31 p201–202' },
} as const satisfies Record<string, { command: number; subCommand: number; source: Source }>;

/** The status byte of a response (guide 2.1.5 Table 6 p28; the contact module's own codes where named). */
export const VIVOPAY_STATUS = {
  OK: 0x00,
  INCORRECT_HEADER_TAG: 0x01,
  UNKNOWN_COMMAND: 0x02,
  UNKNOWN_SUB_COMMAND: 0x03,
  /** The reader refused our frame's CRC: resend. */
  CRC_ERROR: 0x04,
  INCORRECT_PARAMETER: 0x05,
  PARAMETER_NOT_SUPPORTED: 0x06,
  MALFORMATTED_DATA: 0x07,
  /** No card within 60-10's TimeOut1. */
  TIMEOUT: 0x08,
  /** Failed / NACK: the data holds a result code saying why (contact flow). */
  FAILED: 0x0a,
  COMMAND_NOT_ALLOWED: 0x0b,
  SUB_COMMAND_NOT_ALLOWED: 0x0c,
  BUFFER_OVERFLOW: 0x0d,
  USER_INTERFACE_EVENT: 0x0e,
  REQUEST_ONLINE_AUTHORIZATION: 0x23,
  /** Contact: the data asked for does not exist (8.4.4 p162, 8.4.6 p164, 8.4.9 p172). */
  DATA_NOT_EXIST: 0x60,
  /** Contact: the AID list is full (8.4.5 p163). */
  AID_LIST_FULL: 0x61,
  /** Contact: flash error (VP3350 integration manual 7.9). */
  FLASH_ERROR: 0x62,
  /** Contact transaction commands: "if command is OK, first response 0x63" — accepted, the answer follows (8.4.2 p160). */
  COMMAND_ACCEPTED: 0x63,
} as const;

export type VivopayStatusName = keyof typeof VIVOPAY_STATUS;

/** The status byte's name, or `0xNN` for one the table lacks. */
export function statusName(status: number): string {
  const entry = Object.entries(VIVOPAY_STATUS).find(([, value]) => value === status);
  return entry === undefined ? `0x${status.toString(16).padStart(2, '0')}` : entry[0];
}

/**
 * Contact EMV result codes: the first two data bytes (MSB first) of a 60-1x
 * answer, before its TLVs. The guide's text names 00 04 (go online, 8.4.19
 * p185); the values are ID TECH's Universal SDK `EMV_RESULT_CODE`.
 */
export const CONTACT_RESULT = {
  APPROVED_OFFLINE: 0x0000,
  DECLINED_OFFLINE: 0x0001,
  APPROVED: 0x0002,
  DECLINED: 0x0003,
  GO_ONLINE: 0x0004,
  CALL_YOUR_BANK: 0x0005,
  NOT_ACCEPTED: 0x0006,
  FALLBACK_TO_MSR: 0x0007,
  TIMEOUT: 0x0008,
  /** 60-10 read the chip: send 60-11. */
  AUTHENTICATE_TRANSACTION: 0x0010,
  /** 60-10 read a stripe (a swipe, or the fallback swipe): the transaction ends here. */
  MSR_SWIPE: 0x0011,
  TRANSACTION_CANCELLED: 0x0012,
  /** The chip failed where fallback applies, and the terminal did not allow it. */
  FALLBACK_SITUATION: 0x3004,
  CARD_ABSENT: 0x3005,
  CARD_BLOCKED: 0x5023,
} as const;

export const RESULT_CODE_BYTES = 2;

/** 9F39 POS Entry Mode values the reader reports (guide 8.5.x p215, p238). */
export const POS_ENTRY_MODE = {
  contact: 0x05,
  contactless: 0x07,
  magstripe: 0x90,
  contactlessMagstripe: 0x91,
  fallback: 0x80,
} as const;

/** Tags of the contact flow (guide 8.4.18 p179, p185; 8.4.19 p189; 8.5.x p238). */
export const VIVOPAY_TAGS = {
  /** POS Entry Mode, 1 byte: how the card was read. */
  posEntryMode: '9F39',
  /** MSR data: the stripe's tracks (guide p185, p238; layout `msr-data.ts`). */
  msrData: 'DFEE23',
  /** Output Tag List: the tags an answer carries (60-10 option, p179). */
  outputTagList: 'DFEE1A',
  /** Auto Authenticate: byte 1 run 60-11 at once, byte 2 force online (60-10 option, p179). */
  autoAuthenticate: 'DFEF1F',
  /** PIN KSN (p189). */
  pinKsn: 'DFEE51',
  /** Issuer script results, 1 byte (p189). */
  issuerScriptResult: 'DF21',
} as const;

/** 60-10 data: [FallBack 1][TimeOut1 2][TimeOut2 2][App Data TLV…] (guide 8.4.18 p178–179). */
export const START_FALLBACK_ALLOWED = 0x01;
export const START_FIXED_BYTES = 5;

/** Cryptogram Information Data (9F27) bits 8–7 (EMV Book 3 §9.3 Table 14). */
export const CID_TYPE_MASK = 0xc0;
export const CID_AAC = 0x00;
export const CID_TC = 0x40;
export const CID_ARQC = 0x80;

/** A whole frame: a command's CRC goes low byte first, a response's high byte first. */
export function encodeFrame(role: FrameRole, command: number, subCommandOrStatus: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  if (data.length > MAX_DATA_BYTES) throw new RangeError(`frame data of ${data.length} bytes`);
  const frame = Buffer.allocUnsafe(PREAMBLE_BYTES + data.length + CRC_BYTES);
  VIVOPAY_HEADER.copy(frame, 0);
  frame[HEADER_BYTES] = command;
  frame[HEADER_BYTES + 1] = subCommandOrStatus;
  frame.writeUInt16BE(data.length, HEADER_BYTES + 2);
  frame.set(data, PREAMBLE_BYTES);
  const crc = crc16CcittFalse(frame, 0, PREAMBLE_BYTES + data.length);
  if (role === 'command') frame.writeUInt16LE(crc, PREAMBLE_BYTES + data.length);
  else frame.writeUInt16BE(crc, PREAMBLE_BYTES + data.length);
  return frame;
}

/** A command frame (CRC low byte first). */
export function encodeCommandFrame(command: number, subCommand: number, data?: Uint8Array): Buffer {
  return encodeFrame('command', command, subCommand, data);
}

/** A response frame (CRC high byte first): what the terminal sends back to a reader's 61-xx. */
export function encodeResponseFrame(command: number, status: number, data?: Uint8Array): Buffer {
  return encodeFrame('response', command, status, data);
}
