import type { ErrorSpec } from './kind.js';

/**
 * Chip reader (ID TECH ViVOpay protocol 2) and serial PIN pad (VeriFone
 * PINpad 1000SE / IPP) errors. Details name commands, status bytes, counts and
 * lengths; never a PAN, track, PIN, PIN block or key.
 */
export const CHIP_PINPAD_ERRORS = {
  DEVICE_FRAME_CRC: { kind: 'protocol', summary: 'A frame from the device failed its CRC; it was discarded and the framer resynchronised on the next header.' },
  DEVICE_FRAME_LRC: { kind: 'protocol', summary: 'A packet from the device failed its LRC; it was answered with NAK and discarded.' },
  DEVICE_FRAME_TOO_LONG: { kind: 'protocol', summary: 'A frame announced or reached more bytes than the framer accepts; it was discarded up to the next frame start.' },
  DEVICE_NO_ANSWER: { kind: 'timeout', summary: 'The device did not answer a command, after the retries; details name the command and the attempts.' },
  DEVICE_LINK_FAILED: { kind: 'protocol', summary: 'The device refused a command three times (NAK, or CRC-error status); the link gave up (EOT).' },
  DEVICE_STATUS_ERROR: { kind: 'protocol', summary: 'The device answered a command with an error status; details name the command and the status.' },
  DEVICE_UNEXPECTED_FRAME: { kind: 'protocol', summary: 'The device sent a well-formed frame that does not answer anything pending; it was dropped.' },
  CHIP_CARD_SWIPED: { kind: 'input', summary: 'A chip card (service code 2xx or 6xx) was swiped where the chip can be read: insert the card.' },
  CHIP_READ_FAILED: { kind: 'input', summary: 'The chip could not be read and fallback to the stripe was not allowed.' },
  CHIP_NO_CARD: { kind: 'timeout', summary: 'No card was inserted or swiped before the reader gave up.' },
  CHIP_DATA_INVALID: { kind: 'protocol', summary: 'The reader returned chip data without a required tag, or with one of the wrong form; details name the tag.' },
  CHIP_NO_TRANSACTION: { kind: 'state', summary: 'completeChip was called with no chip transaction waiting for the host answer.' },
  PIN_ENTRY_CANCELLED: { kind: 'cancelled', summary: 'The cardholder pressed the cancel key on the PIN pad.' },
  PIN_ENTRY_TIMEOUT: { kind: 'timeout', summary: 'Nobody entered a PIN before the PIN pad or the driver gave up.' },
  PIN_PAD_ERROR: { kind: 'protocol', summary: 'The PIN pad answered PIN entry with an error packet; details name its code.' },
  PIN_PAD_PROMPT_REFUSED: { kind: 'config', summary: 'The PIN pad answered the authenticated fixed prompt (Z2 <GS>) with status 1, prompt ID not supported: the configured prompt ID (pinpad.tipPrompt) is not in the pad\'s prompt table; details name the ID.' },
  AMOUNT_ENTRY_CANCELLED: { kind: 'cancelled', summary: 'The cardholder pressed the cancel key while keying an amount on the PIN pad, or the request was aborted (the pad was sent 72 first).' },
  AMOUNT_ENTRY_TIMEOUT: { kind: 'timeout', summary: 'No key was pressed on the PIN pad in time while keying an amount: the pad answered timeout, or stayed silent and was sent 72; details say which.' },
  AMOUNT_ENTRY_UNAVAILABLE: { kind: 'state', summary: 'The PIN pad cannot take an amount from the cardholder: it has no fixed prompt configured for it.' },
  READER_CONFIG_REFUSED: { kind: 'protocol', summary: 'The reader answered a configuration command (AID, CA key, terminal data, contactless group) with an error status; details name the command, the status and the item, never key bytes.' },
  READER_CONFIG_MALFORMED: { kind: 'protocol', summary: 'A configuration answer from the reader is not of the form its guide gives; details name the command and the byte offset.' },
  READER_CONFIG_UNSUPPORTED: { kind: 'config', summary: 'The configuration asks the reader for something it cannot hold (an AID whose RID has no contactless kernel we know, more AIDs or keys than the reader has slots); details name the item.' },
} as const satisfies Record<string, ErrorSpec>;

export type ChipPinpadErrorCode = keyof typeof CHIP_PINPAD_ERRORS;
