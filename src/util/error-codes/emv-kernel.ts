import type { ErrorSpec } from './kind.js';

/**
 * The terminal's EMV kernel and the card it talks to in APDUs. A code that
 * ends a transaction says why (Book 3: "terminate the transaction"); details
 * name the command, status word, tag and step, never a value of card data.
 */
export const EMV_KERNEL_ERRORS = {
  EMV_APDU_INVALID: { kind: 'input', summary: 'A command APDU could not be encoded in short form, or a response APDU had no status word.' },
  EMV_APPLICATION_BLOCKED: {
    kind: 'input',
    summary: 'The card answered SELECT with 6283 (application blocked) for the applications the terminal supports, and none other was left; the card answered, so there is no fallback to the stripe.',
  },
  EMV_CARD_BLOCKED: { kind: 'input', summary: 'The card answered SELECT (of the payment system environment or of an AID) with 6A81: the card is blocked or does not support SELECT.' },
  EMV_NO_APPLICATION: { kind: 'input', summary: 'No application is supported by both the card and the terminal (or every candidate was blocked, declined confirmation or refused GET PROCESSING OPTIONS).' },
  EMV_CARD_STATUS: { kind: 'protocol', summary: 'The card answered a command with a status word the step does not allow; details name the command and the status word.' },
  EMV_CARD_DATA_INVALID: { kind: 'protocol', summary: 'The card returned data the step cannot use: a malformed template, a duplicated or wrongly formatted data object; details name the step and the tag.' },
  EMV_CARD_DATA_MISSING: { kind: 'protocol', summary: 'The card did not give a data object that is mandatory (5F24, 5A, 8C, 8D, 94, 82); details name the tag.' },
  EMV_SELECTION_CANCELLED: { kind: 'cancelled', summary: 'The cardholder cancelled application selection or did not confirm the application (Book 1 §12.4).' },
  EMV_CARD_REMOVED: { kind: 'disconnected', summary: 'The card left the reader during the transaction.' },
  EMV_CAPK_INVALID: { kind: 'config', summary: 'A certification authority public key in the configuration is malformed or its SHA-1 checksum does not match; details name the RID and index.' },
  EMV_CAPK_REVOCATION_INVALID: { kind: 'config', summary: 'An entry of the certificate revocation list in the configuration is malformed (RID 5 bytes, CA public key index one byte, serial number 3 bytes); details name the entry.' },
  EMV_KERNEL_STATE: { kind: 'state', summary: 'A kernel step was asked for out of order (completion with no online request pending).' },
} as const satisfies Record<string, ErrorSpec>;

export type EmvKernelErrorCode = keyof typeof EMV_KERNEL_ERRORS;
