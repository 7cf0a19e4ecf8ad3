/**
 * What the transaction engine needs of a card reader, whatever its wire.
 */
import type { MagstripeCard } from '../card/types.js';

/** How the card data reached us; maps to ISO 8583 DE 22. */
export type EntryMode = 'swipe' | 'chip' | 'contactless' | 'fallback' | 'manual';

export interface CardRead {
  readonly entryMode: EntryMode;
  readonly card: MagstripeCard;
}

export interface ReadRequest {
  /** Amount in minor units, for readers that show it or need it (EMV). */
  readonly amountMinor: number;
  /** ISO 4217 numeric. */
  readonly currency: string;
}

export type DeviceState = 'connected' | 'disconnected' | 'closed';

export interface CardReader {
  /** A short name for logs and `/v1/health`. */
  readonly name: string;

  /**
   * Arms the reader for one card and resolves with what it read.
   * Rejects with a `PosError`: a `CARD_*` or `READ_*` code when the card could
   * not be read or is not a valid card (the port stays open for the next try);
   * kind `cancelled` when `signal` aborts (the reader is disarmed first);
   * kind `disconnected` when the device goes away while armed.
   * Only one read may be armed at a time; a second call rejects with kind `busy`.
   * Card data arriving while no read is armed is discarded.
   */
  readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead>;

  state(): DeviceState;

  /** Releases the device; an armed read rejects with kind `cancelled`. Idempotent. */
  close(): Promise<void>;
}
