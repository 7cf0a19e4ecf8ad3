/**
 * The request model between the transaction engine and a host client. The
 * engine says *what* to authorize; a host client decides how it goes on the
 * wire (ISO 8583 over TCP or TLS, JSON over HTTPS), so both share this.
 */
import type { PaymentCard } from '../card/types.js';
import type { ChipData, EncryptedTracks, EntryMode } from '../devices/card-reader.js';
import type { PinEntryResult } from '../devices/pin-pad.js';

export interface PurchaseRequest {
  readonly kind: 'purchase';
  /** DE 11 systems trace audit number: six digits, unique per terminal per day. */
  readonly stan: string;
  /** The moment the request is sent (DE 7, in UTC; DE 12/13 in local time). */
  readonly at: Date;
  readonly amountMinor: number;
  /** ISO 4217 numeric (DE 49). */
  readonly currency: string;
  readonly entryMode: EntryMode;
  readonly card: PaymentCard;
  /** DE 41. */
  readonly terminalId: string;
  /** DE 42. */
  readonly merchantId: string;
  /** Online PIN: the encrypted block goes in DE 52, its KSN in DE 53. */
  readonly pin?: PinEntryResult;
  /** Chip data for DE 55 (57/5A/5F20 and other sensitive tags are not forwarded). */
  readonly chip?: ChipData;
  /**
   * An encrypting reader's track ciphertext and KSN, forwarded untouched;
   * `card` is then masked data only (`card.panMasked`). ISO 8583: DE 48
   * subfields instead of DE 2/14/35 (`messages/encrypted-tracks.ts`). The
   * HTTPS JSON gateway does not carry it.
   */
  readonly encryptedTracks?: EncryptedTracks;
}

export interface AuthorizationResponse {
  /** DE 39, two characters; `isApproval` (`approval.ts`) says which approve. */
  readonly responseCode: string;
  readonly approved: boolean;
  /** DE 38, when the host gave one. */
  readonly authCode: string | null;
  /** DE 37, when the host gave one. */
  readonly rrn: string | null;
  readonly stan: string;
  /** Issuer data from DE 55 of the answer (91 ARPC, 71/72 scripts), for the card; empty when none. */
  readonly issuerTlv?: Buffer;
}

export type HostState = 'connected' | 'disconnected' | 'unknown';

export interface HostClient {
  /** Where it talks to, for logs and health (`tcp://127.0.0.1:5800`). */
  readonly description: string;

  /**
   * Sends one authorization and resolves with the host's answer.
   * Rejects with a `HostError`: `HOST_UNREACHABLE` (refused, no route) when
   * nothing was sent; `HOST_TIMEOUT` when no answer came in time;
   * `HOST_CONNECTION_LOST` when the connection dropped after sending;
   * `HOST_BAD_RESPONSE` when the answer does not decode, match or
   * authenticate. For the last three the request may have reached the host
   * (`delivery: 'maybe-sent'`): the caller owns the reversal.
   */
  authorize(request: PurchaseRequest, signal?: AbortSignal): Promise<AuthorizationResponse>;

  state(): HostState;

  /** Idempotent. */
  close(): Promise<void>;
}
