/**
 * The seam between a host client (which knows the message format) and the
 * transport (which knows sockets): `PersistentHostChannel`, one multiplexed
 * TCP or TLS connection, which is why replies are routed by key rather than
 * by "the next frame on this socket".
 */
import type { HostState } from './model.js';

/**
 * What the channel needs to know of a reply frame: the key that pairs it with
 * a request (for ISO 8583, the STAN of DE 11) and the decoded reply. Throws a
 * `PosError` when the frame does not decode; the channel reports that as
 * `HOST_BAD_RESPONSE`, with the decoder's error as `cause` and its field and
 * offset copied into details.
 */
export type ReplyReader<R> = (frame: Buffer) => { readonly key: string; readonly reply: R };

export interface ExchangeOptions {
  /** How long to wait for the matching reply once the request is written. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HostChannel<R> {
  /** Where it talks to, for logs and health (`tcp://127.0.0.1:5800`). */
  readonly description: string;

  /**
   * Writes one message and resolves with the reply whose key is `key`.
   * Replies with another key are not answers to this request: the channel
   * ignores them (and flags them to its `onUnmatchedReply`) and keeps waiting.
   *
   * Rejects with a `HostError` (`host-error.ts`) whose `delivery` says
   * whether the request may have reached the host: `HOST_UNREACHABLE`
   * (not-sent) when the connection could not be made; `HOST_TIMEOUT`
   * (maybe-sent) when no matching reply came in `timeoutMs`;
   * `HOST_CONNECTION_LOST` (maybe-sent) when the connection closed or failed
   * after the write; `HOST_BAD_RESPONSE` (maybe-sent) when a frame did not
   * decode or broke the framing; `HOST_CANCELLED` when `signal` aborted
   * (maybe-sent once written).
   *
   * The channel does not keep `message`; the caller may wipe it once this
   * settles.
   */
  exchange(message: Buffer, key: string, options: ExchangeOptions): Promise<R>;

  /** `connected` / `disconnected` after the last attempt; `unknown` before any. */
  state(): HostState;

  /**
   * Ends any open connection; an exchange in flight rejects with
   * `HOST_CONNECTION_LOST` (`HOST_UNREACHABLE` if it had not connected yet). Idempotent.
   */
  close(): Promise<void>;
}
