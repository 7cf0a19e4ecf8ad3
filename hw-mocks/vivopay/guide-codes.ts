/**
 * The numbers the virtual NEO 2 answers with, as the NEO 2 Interface
 * Developer's Guide (80139403-002) prints them — kept apart from the
 * driver's tables, so that a disagreement between the two shows in the
 * tests instead of being shared. docs/protocols/vivopay.md lists both.
 */

/** Commands the reader takes (guide Table 2/3, chapter 8). */
export const COMMANDS = {
  ping: [0x18, 0x01],
  cancelTransaction: [0x05, 0x01],
  stopTransaction: [0x05, 0x02],
  startTransaction: [0x60, 0x10],
  authenticateTransaction: [0x60, 0x11],
  applyHostResponse: [0x60, 0x12],
  retrieveTransactionResult: [0x60, 0x13],
  activateTransaction: [0x02, 0x40],
  /** Get Transaction Result, the unified (TLV) form: the last Activate's answer again (8.5.4 p233–236). */
  getTransactionResult: [0x03, 0x40],
} as const;

/**
 * 02-40 (8.5.2 p209–233): the Attribution byte's captured data type (bits 4/3/0: 0 0 1 contactless EMV,
 * 1 0 1 contactless MSD), and the contactless error codes of FFEE1F (Table 8 p31–34; see phone: ours).
 */
export const ACTIVATE = { attributionEmv: 0x01, attributionMsd: 0x11, attributionMsr: 0x08 } as const;
export const CONTACTLESS_ERROR = { GO_TO_CONTACT_INTERFACE: 0x02, GENERIC: 0x62, SEE_PHONE: 0xe1 } as const;

/** Commands the reader sends the terminal (8.4.30, 8.4.31). */
export const READER_COMMANDS = { display: [0x61, 0x01], pinEntry: [0x61, 0x02] } as const;

/** Status byte (2.1.5 Table 6; contact codes 8.4.4–8.4.9, 8.4.2 p160). */
export const STATUS = {
  OK: 0x00,
  UNKNOWN_COMMAND: 0x02,
  UNKNOWN_SUB_COMMAND: 0x03,
  CRC_ERROR: 0x04,
  INCORRECT_PARAMETER: 0x05,
  PARAMETER_NOT_SUPPORTED: 0x06,
  MALFORMATTED_DATA: 0x07,
  TIMEOUT: 0x08,
  FAILED: 0x0a,
  COMMAND_NOT_ALLOWED: 0x0b,
  DATA_NOT_EXIST: 0x60,
  /** "If command is OK, first response 0x63" (8.4.2 flow). */
  ACCEPTED: 0x63,
  REQUEST_ONLINE_AUTHORIZATION: 0x23,
} as const;

/** Contact result codes, MSB first before the TLVs (8.4.19 "00 04"; values of ID TECH's Universal SDK). */
export const RESULT = {
  APPROVED_OFFLINE: 0x0000,
  DECLINED_OFFLINE: 0x0001,
  APPROVED: 0x0002,
  DECLINED: 0x0003,
  GO_ONLINE: 0x0004,
  AUTHENTICATE_TRANSACTION: 0x0010,
  MSR_SWIPE: 0x0011,
  TRANSACTION_CANCELLED: 0x0012,
  SMARTCARD_FAIL: 0x3002,
  FALLBACK_SITUATION: 0x3004,
  CARD_ABSENT: 0x3005,
  CARD_BLOCKED: 0x5023,
} as const;

/** 9F39 (p215, p238). */
export const ENTRY = { contact: 0x05, contactless: 0x07, magstripe: 0x90, contactlessMagstripe: 0x91, fallback: 0x80 } as const;

/** 61-02 Mode (p201–202). */
export const PIN_MODE = { cancel: 0x00, onlineDukpt: 0x01, onlineMksk: 0x02 } as const;

/** 61-01 Display Mode: a message, no answer needed beyond OK (Universal SDK `LCD_DISPLAY_MODE_MESSAGE`). */
export const DISPLAY_MESSAGE = 0x03;

/** The default 60-10 output tags (8.4.18 p185), in the guide's order. */
export const START_OUTPUT_TAGS = ['57', '5A', '5F34', '5F20', '5F24', '9F20', '5F25', '5F2D', '50', '84', '4F', 'DFEE23', '9F39', '9F53'] as const;
