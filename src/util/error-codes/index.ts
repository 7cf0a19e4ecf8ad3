/**
 * The catalog of every `PosError` code, one file an area. A code is stable
 * forever once released: rename nothing, only add. `docs/errors.md` lists the
 * same codes and a test keeps the two in step.
 *
 * Each entry names the error's kind (embedded-hal style), which is what the
 * transaction engine and the CLI branch on, and a one-line summary.
 */
import { CARD_ERRORS } from './card.js';
import { CHANNEL_ERRORS } from './channel.js';
import { CHIP_PINPAD_ERRORS } from './chip-pinpad.js';
import { CLI_ERRORS } from './cli.js';
import { CONFIG_ERRORS } from './config.js';
import { CRYPTO_ERRORS } from './crypto.js';
import { DEVICE_ERRORS } from './device.js';
import { ECR_ERRORS } from './ecr.js';
import { HID_ERRORS } from './hid.js';
import { HOST_ERRORS } from './host.js';
import { ISO8583_ERRORS } from './iso8583.js';
import { JOURNAL_ERRORS } from './journal.js';
import { TLV_ERRORS } from './tlv.js';
import { TXN_ERRORS } from './txn.js';
import { UTIL_ERRORS } from './util.js';

export type { ErrorKind, ErrorSpec } from './kind.js';

export const ERROR_CODES = {
  ...UTIL_ERRORS,
  ...CONFIG_ERRORS,
  ...CLI_ERRORS,
  ...CARD_ERRORS,
  ...TLV_ERRORS,
  ...CRYPTO_ERRORS,
  ...ISO8583_ERRORS,
  ...DEVICE_ERRORS,
  ...HID_ERRORS,
  ...CHIP_PINPAD_ERRORS,
  ...HOST_ERRORS,
  ...CHANNEL_ERRORS,
  ...TXN_ERRORS,
  ...JOURNAL_ERRORS,
  ...ECR_ERRORS,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
