/**
 * What every kernel step works on: the transaction's data objects, its TVR
 * and TSI, the AID chosen and the terminal's configuration, and the world
 * the kernel is given (the card, the clock, randomness). The kernel does no
 * I/O of its own: everything outside it comes in through `KernelEnvironment`.
 */
import type { Transmit } from './apdu.js';
import type { AidConfig, KernelConfig } from './config.js';
import type { TransactionData } from './transaction-data.js';
import type { Tsi, Tvr } from './tvr.js';

export interface KernelEnvironment {
  /** The card. */
  readonly transmit: Transmit;
  /** The terminal's clock (9A, 9F21; expiry and effective dates; CAPK expiry). */
  readonly now: () => Date;
  /** 9F37, 4 bytes, fresh for each call (Book 4 §6.5.6). */
  readonly unpredictableNumber: () => Buffer;
  /** A uniform random integer 0–99, for random transaction selection (Book 3 §10.6.2). */
  readonly randomPercent: () => number;
}

/** Transaction type (9C, Book 3 Annex A / ISO 8583 processing code positions 1–2). */
export const TRANSACTION_TYPE = { purchase: 0x00, cash: 0x01, purchaseWithCashback: 0x09, refund: 0x20 } as const;

export interface TransactionRequest {
  /** 9F02, minor units (includes any cashback). */
  readonly amountMinor: number;
  /** 9F03, minor units (the cashback part); 0 when none. */
  readonly amountOtherMinor: number;
  /** 5F2A, ISO 4217 numeric, 3 digits. */
  readonly currency: string;
  /** 5F36, the currency's exponent. */
  readonly currencyExponent: number;
  /** 9C. */
  readonly transactionType: number;
  /** The merchant forces the transaction online (a pre-authorization): TVR "merchant forced transaction online", never a TC at the first GENERATE AC. */
  readonly forcedOnline?: boolean;
}

/** The state the steps share once an application is selected. */
export interface KernelContext {
  readonly env: KernelEnvironment;
  readonly config: KernelConfig;
  readonly request: TransactionRequest;
  readonly data: TransactionData;
  readonly tvr: Tvr;
  readonly tsi: Tsi;
  /** The terminal's entry for the selected application. */
  readonly aid: AidConfig;
}
