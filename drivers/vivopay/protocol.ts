/**
 * ViVOpay "protocol 2" as the ID TECH NEO 2 Interface Developer's Guide
 * describes it (section 2.8 "Protocol 2 frames", chapter 8 command reference):
 *
 *   command  [V i V O t e c h 2 \0][cmd][sub-cmd][len MSB][len LSB][data…][CRC LSB][CRC MSB]
 *   response [V i V O t e c h 2 \0][cmd][status ][len MSB][len LSB][data…][CRC MSB][CRC LSB]
 *             └──────── 10 ────────┘ 10     11      12       13      14…
 *
 * The CRC (CRC-16/CCITT-FALSE, `crc16.ts`) covers the whole frame from the
 * header's first byte to the last data byte. The guide's own ping sample
 * (2.8.2): `56 69 56 4F 74 65 63 68 32 00 18 01 00 00 B3 CD`.
 *
 * The command set is data: `VIVOPAY_COMMANDS` maps each operation to its
 * command and sub-command bytes; another reader's dialect is another table of
 * the same shape. Where the public guide leaves a number uncertain for this
 * use, the choice is ours and docs/protocols/vivopay.md marks it.
 */
import { crc16CcittFalse } from './crc16.js';

/** "ViVOtech2" and NUL: header tag and protocol version. */
export const VIVOPAY_HEADER = Buffer.from('ViVOtech2\0', 'latin1');
export const HEADER_BYTES = 10;
/** Header, command, sub-command or status, two length bytes. */
export const PREAMBLE_BYTES = 14;
export const CRC_BYTES = 2;
export const MAX_DATA_BYTES = 0xffff;

export interface VivopayCommand {
  readonly command: number;
  readonly subCommand: number;
  /** How long the reader may take to answer, before a resend. */
  readonly answerTimeoutMs: number;
  /** Resends after no answer (a CRC-error status or a corrupt answer is resent regardless, up to `LINK_ATTEMPTS`). */
  readonly retries: number;
}

/** The command set of the NEO 2 dialect (guide chapter 8; `ours` in docs where chosen). */
export const VIVOPAY_COMMANDS = {
  /** 18-01 Ping (guide 8.1; sample in 2.8.2). */
  ping: { command: 0x18, subCommand: 0x01, answerTimeoutMs: 1000, retries: 2 },
  /** 03-02 Get EMV configuration (guide 2.8.4 sample). TLV out. */
  getConfiguration: { command: 0x03, subCommand: 0x02, answerTimeoutMs: 2000, retries: 2 },
  /** 04-00 Set EMV configuration. TLV in. */
  setConfiguration: { command: 0x04, subCommand: 0x00, answerTimeoutMs: 2000, retries: 2 },
  /** 60-10 Contact start transaction (guide 8.4.18): waits for the card, reads it, first GENERATE AC. */
  startTransaction: { command: 0x60, subCommand: 0x10, answerTimeoutMs: 0, retries: 0 },
  /** 60-12 Contact complete transaction: the host's answer to the card, second GENERATE AC (ours). */
  completeTransaction: { command: 0x60, subCommand: 0x12, answerTimeoutMs: 5000, retries: 2 },
  /** 05-01 Cancel transaction. */
  cancelTransaction: { command: 0x05, subCommand: 0x01, answerTimeoutMs: 2000, retries: 2 },
} as const satisfies Record<string, VivopayCommand>;

export type VivopayOperation = keyof typeof VIVOPAY_COMMANDS;

/** Status byte of a response (guide "Status Code Protocol 2" table). */
export const VIVOPAY_STATUS = {
  OK: 0x00,
  INCORRECT_HEADER: 0x01,
  UNKNOWN_COMMAND: 0x02,
  UNKNOWN_SUB_COMMAND: 0x03,
  CRC_ERROR: 0x04, // the reader refused our frame's CRC: resend
  INCORRECT_PARAMETER: 0x05,
  PARAMETER_NOT_SUPPORTED: 0x06,
  MALFORMATTED_DATA: 0x07,
  TIMEOUT: 0x08, // no card within the start transaction's timeout
  FAILED: 0x0a, // reason in DFEE26
  COMMAND_NOT_ALLOWED: 0x0b,
} as const;

/** Reader-proprietary tags in transaction data (ours; listed in docs/protocols/vivopay.md). */
export const VIVOPAY_TAGS = {
  /** 1 byte, how the card was read, as ISO 8583 DE 22 positions 1–2. */
  entryMode: 'DFEE25',
  /** A swipe's track line as the stripe reads (`%B…?;…?`), ASCII. */
  swipeLine: 'DFEE23',
  /** 1 byte, why a transaction FAILED. */
  failure: 'DFEE26',
} as const;

/** DFEE25 values. */
export const ENTRY_MODE = {
  chip: 0x05, // ICC read
  swipe: 0x90, // full stripe read
  fallback: 0x80, // stripe read after the chip failed
} as const;

/** DFEE26 values. */
export const FAILURE_REASON = {
  cancelled: 0x01,
  chipUnreadable: 0x02,
  cardRemoved: 0x03,
} as const;

/** Start-transaction data: [fallback 1][card timeout s, 2 BE][unused timeout 2][TLV…] (guide 8.4.18). */
export const START_FALLBACK_ALLOWED = 0x01;
export const START_FIXED_BYTES = 5;

/** Cryptogram Information Data (9F27) bits 8–7 (EMV Book 3 Table 14). */
export const CID_TYPE_MASK = 0xc0;
export const CID_AAC = 0x00;
export const CID_TC = 0x40;
export const CID_ARQC = 0x80;

/** A whole command frame, CRC low byte first. */
export function encodeCommandFrame(command: number, subCommand: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(PREAMBLE_BYTES + data.length + CRC_BYTES);
  VIVOPAY_HEADER.copy(frame, 0);
  frame[HEADER_BYTES] = command;
  frame[HEADER_BYTES + 1] = subCommand;
  frame.writeUInt16BE(data.length, HEADER_BYTES + 2);
  frame.set(data, PREAMBLE_BYTES);
  frame.writeUInt16LE(crc16CcittFalse(frame, 0, PREAMBLE_BYTES + data.length), PREAMBLE_BYTES + data.length);
  return frame;
}
