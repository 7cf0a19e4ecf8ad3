/**
 * What the transaction engine needs of a PIN pad. The PIN never leaves the
 * pad in clear: the pad encrypts an ISO 9564 PIN block under its DUKPT PIN key
 * and hands out the encrypted block with the KSN that names the key.
 */
import type { Sensitive } from '../util/sensitive.js';
import type { DeviceState } from './card-reader.js';

export interface PinEntryRequest {
  /** The PAN the PIN block is bound to (ISO 9564 format 0 uses its 12 rightmost digits before the check digit). */
  readonly pan: Sensitive;
  /** Shown to the cardholder while they type. */
  readonly amountMinor: number;
  readonly currency: string;
  /** How long the cardholder may take; the pad gives up after it. */
  readonly timeoutMs: number;
}

export interface PinEntryResult {
  /** The encrypted PIN block: 8 bytes for TDES DUKPT (ISO 9564 format 0). */
  readonly pinBlock: Sensitive;
  /** DUKPT key serial number: 10 bytes for TDES. Not secret; it travels in DE 53. */
  readonly ksn: Buffer;
  readonly format: 'iso0' | 'iso4';
}

/** An amount the cardholder keys on the pad (a tip), digit by digit, in minor units. */
export interface AmountEntryRequest {
  readonly purpose: 'tip';
  /** The largest amount the pad lets them key; a digit that would go over it is ignored. */
  readonly maxMinor: number;
  /** How long the pad waits for each key; it gives up after it. */
  readonly keyTimeoutMs: number;
}

export interface PinPad {
  readonly name: string;

  /** Whether the pad can take an amount from the cardholder: it has a fixed prompt for it. */
  readonly takesAmounts: boolean;

  /**
   * Asks the cardholder for their PIN and resolves with the encrypted block.
   * Rejects with a `PosError`: kind `cancelled` when the cardholder pressed
   * cancel or `signal` aborted (the pad is reset first); kind `timeout` when
   * nobody typed in time; `disconnected` when the pad went away; `protocol`
   * when it answered out of turn (after the link-level retries).
   */
  requestPin(request: PinEntryRequest, signal: AbortSignal): Promise<PinEntryResult>;

  /**
   * Asks the cardholder for an amount on the pad's keys; resolves with it in
   * minor units (0 when they press ENTER on nothing). Rejects with a
   * `PosError`: `AMOUNT_ENTRY_CANCELLED` (kind `cancelled`) for the cancel
   * key, or when `signal` aborted (the pad is sent 72 first);
   * `AMOUNT_ENTRY_TIMEOUT` (kind `timeout`) when no key came in time (the
   * pad said so, or stayed silent and was sent 72); `AMOUNT_ENTRY_UNAVAILABLE`
   * when `takesAmounts` is false; `PIN_PAD_PROMPT_REFUSED` (kind `config`)
   * when the pad does not know the configured prompt; `disconnected` and
   * `protocol` as for `requestPin`.
   */
  enterAmount(request: AmountEntryRequest, signal: AbortSignal): Promise<number>;

  /** Shows one or two short lines on the pad's own display (idle message, result). */
  showMessage(lines: readonly string[]): Promise<void>;

  state(): DeviceState;

  /** Idempotent. */
  close(): Promise<void>;
}
