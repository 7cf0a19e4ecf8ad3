/**
 * The catalog of every `PosError` code, one file an area. A code is stable
 * forever once released: rename nothing, only add (test/docs/published-error-codes.ts
 * lists every code ever published, and a test fails when one goes missing).
 * `docs/errors.md` lists the same codes and a test keeps the two in step.
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
import { EMV_KERNEL_ERRORS } from './emv-kernel.js';
import { HID_ERRORS } from './hid.js';
import { HOST_ERRORS } from './host.js';
import { ISO8583_ERRORS } from './iso8583.js';
import { JOURNAL_ERRORS } from './journal.js';
import { PCSC_ERRORS } from './pcsc.js';
import { RECEIPT_ERRORS } from './receipt.js';
import { TLV_ERRORS } from './tlv.js';
import { TXN_ERRORS } from './txn.js';
import { UTIL_ERRORS } from './util.js';

import type { ErrorSpec } from './kind.js';

export type { ErrorKind, ErrorSpec } from './kind.js';

/** The area files, in the order docs/errors.md lists them. */
const AREAS = {
  UTIL_ERRORS,
  CONFIG_ERRORS,
  CLI_ERRORS,
  CARD_ERRORS,
  TLV_ERRORS,
  EMV_KERNEL_ERRORS,
  CRYPTO_ERRORS,
  ISO8583_ERRORS,
  DEVICE_ERRORS,
  HID_ERRORS,
  PCSC_ERRORS,
  CHIP_PINPAD_ERRORS,
  HOST_ERRORS,
  CHANNEL_ERRORS,
  TXN_ERRORS,
  JOURNAL_ERRORS,
  ECR_ERRORS,
  RECEIPT_ERRORS,
} as const;

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * The areas as one catalog. A code defined in two areas throws here, when the
 * module loads, instead of one definition silently replacing the other.
 */
export function mergeAreas<A extends Readonly<Record<string, Readonly<Record<string, ErrorSpec>>>>>(areas: A): Intersection<A[keyof A]> {
  const catalog: Record<string, ErrorSpec> = {};
  const areaOf = new Map<string, string>();
  for (const [area, codes] of Object.entries(areas)) {
    for (const [code, spec] of Object.entries(codes)) {
      const first = areaOf.get(code);
      if (first !== undefined) throw new Error(`error code ${code} is defined twice, in ${first} and in ${area}: a code has one definition`);
      areaOf.set(code, area);
      catalog[code] = spec;
    }
  }
  return catalog as Intersection<A[keyof A]>;
}

export const ERROR_CODES = mergeAreas(AREAS);

export type ErrorCode = keyof typeof ERROR_CODES;
