/**
 * The request model between the transaction engine and a host client. The
 * engine says *what* to authorize; a host client decides how it goes on the
 * wire (ISO 8583 over TCP or TLS, JSON over HTTPS), so both share this.
 */
import type { PaymentCard } from '../card/types.js';
import type { ChipData, EncryptedTracks, EntryMode } from '../devices/card-reader.js';
import type { PinEntryResult } from '../devices/pin-pad.js';

/**
 * What a card-present request asks of the host: `purchase` (DE 3 00, or 09
 * with cashback) and `refund` (20) as financial requests (0200), `preauth`
 * as an authorization (0100) that holds the amount until it is completed or
 * released.
 */
export type CardRequestKind = 'purchase' | 'refund' | 'preauth';

export interface CardRequest {
  readonly kind: CardRequestKind;
  /** DE 11 systems trace audit number: six digits, unique per terminal per day. */
  readonly stan: string;
  /** The moment the request is sent (DE 7, in UTC; DE 12/13 in local time). */
  readonly at: Date;
  /** DE 4: the whole amount, tip and cashback included. */
  readonly amountMinor: number;
  /** The tip within `amountMinor` (DE 54 amount type 44, gratuity). */
  readonly tipMinor?: number;
  /** The cash given out within `amountMinor` (purchase only: DE 3 09, DE 54 amount type 40; chip 9C 09 and 9F03). */
  readonly cashbackMinor?: number;
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

/** An approved transaction a later message names, as the journal keeps it: no card data, so the host finds it by these. */
export interface OriginalTransaction {
  readonly transactionId: string;
  readonly kind: CardRequestKind;
  readonly stan: string;
  /** DE 7 of the original request, ISO string (UTC). */
  readonly transmittedAt: string;
  /** DE 4 of the original, as approved (tip and cashback included). */
  readonly amountMinor: number;
  readonly currency: string;
  readonly authCode: string | null;
  readonly rrn: string | null;
  readonly entryMode: EntryMode | null;
  readonly maskedPan: string | null;
}

/**
 * A message about an approved transaction, without the card: `completion`
 * captures up to the amount a pre-authorization holds; `tip-adjust` replaces
 * a purchase's tip before the batch closes; `incremental` asks the host to
 * hold more on a pre-authorization. DE 90 and DE 37/38 name the original;
 * the dialect decides the message class of a completion (0220 advice or 0200).
 */
export interface FollowUpRequest {
  readonly kind: 'completion' | 'tip-adjust' | 'incremental';
  readonly stan: string;
  readonly at: Date;
  /** DE 4: the amount captured (completion), the original's new whole amount (tip adjust) or the amount added to the hold (incremental). */
  readonly amountMinor: number;
  /** The tip within `amountMinor`. */
  readonly tipMinor?: number;
  readonly currency: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly original: OriginalTransaction;
  /** Sent before and its answer lost: an advice goes again as a repeat (0221), answered as the first. */
  readonly repeat?: boolean;
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
  authorize(request: CardRequest, signal?: AbortSignal): Promise<AuthorizationResponse>;

  /** Sends a completion, tip adjustment or incremental authorization and resolves with the host's answer; rejects as `authorize` does. */
  followUp(request: FollowUpRequest, signal?: AbortSignal): Promise<AuthorizationResponse>;

  state(): HostState;

  /** Idempotent. */
  close(): Promise<void>;
}
