/**
 * What went wrong with one HTTPS attempt, as the gateway client decides on a
 * retry and as the engine decides on a reversal (each a `HostError`, its
 * `delivery` last):
 *
 *   refused / no route / DNS / TLS refused      → nothing was sent     → HOST_UNREACHABLE (not-sent)
 *   reset, socket hang up before the answer     → may have been sent   → retry with the same key, else HOST_CONNECTION_LOST (maybe-sent)
 *   5xx                                         → the host failed      → retry with the same key, else HOST_BAD_RESPONSE (maybe-sent)
 *   4xx, a body that is not the protocol        → the answer is wrong  → HOST_BAD_RESPONSE (maybe-sent)
 *   our deadline                                → unknown              → HOST_TIMEOUT (maybe-sent)
 *
 * The axios error is never kept as a `cause`: its `config` holds the
 * request body, which holds card data. Only its errno-style code survives.
 */
import { isAxiosError } from 'axios';
import { HostError } from '../host-error.js';

/** Network errors that happen before a byte of the request left (connect, DNS, TLS handshake). */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
/** Certificate checks of the host by us: the handshake failed, nothing was sent. */
const TLS_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** The connection broke with the request possibly written and no answer read. */
const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_BAD_RESPONSE', 'ETIMEDOUT']);

export type AttemptFailure =
  | { readonly kind: 'not-sent'; readonly errno: string; readonly reason: 'refused' | 'tls' }
  | { readonly kind: 'reset'; readonly errno: string }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'other'; readonly errno: string };

/** Sorts a rejection of `axios.request` (never an HTTP status: the client accepts every status). */
export function classifyAttemptError(err: unknown): AttemptFailure {
  if (isAxiosError(err) && err.code === 'ERR_CANCELED') return { kind: 'aborted' };
  const code = errnoOf(err);
  if (NOT_SENT_CODES.has(code)) return { kind: 'not-sent', errno: code, reason: 'refused' };
  if (TLS_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_')) return { kind: 'not-sent', errno: code, reason: 'tls' };
  if (RESET_CODES.has(code) || /socket hang up/i.test(messageOf(err))) return { kind: 'reset', errno: code };
  return { kind: 'other', errno: code };
}

function errnoOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'unknown';
  const direct = (err as { code?: unknown }).code;
  const cause = (err as { cause?: { code?: unknown } }).cause?.code;
  // axios puts its own code (ERR_BAD_RESPONSE, ECONNABORTED) on top of the socket's; prefer the socket's
  if (typeof cause === 'string') return cause;
  return typeof direct === 'string' ? direct : 'unknown';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : '';
}

export interface FailureContext {
  readonly url: string;
  readonly stan: string;
  readonly attempts: number;
  /** An earlier attempt of the same request may have reached the host. */
  readonly mayHaveReachedBefore: boolean;
}

/** `HOST_UNREACHABLE`, or `HOST_CONNECTION_LOST` when an earlier attempt may have got through. */
export function notSentError(failure: { errno: string; reason: string }, ctx: FailureContext): HostError {
  if (ctx.mayHaveReachedBefore) return connectionLostError(failure.errno, ctx);
  return new HostError('HOST_UNREACHABLE', `The gateway ${ctx.url} cannot be reached (${failure.errno})`, 'not-sent', {
    url: ctx.url,
    stan: ctx.stan,
    errno: failure.errno,
    reason: failure.reason,
    attempts: ctx.attempts,
  });
}

export function connectionLostError(errno: string, ctx: FailureContext): HostError {
  return new HostError('HOST_CONNECTION_LOST', `The connection to ${ctx.url} broke before the answer (${errno})`, 'maybe-sent', {
    url: ctx.url,
    stan: ctx.stan,
    errno,
    attempts: ctx.attempts,
  });
}

export function timeoutError(timeoutMs: number, ctx: FailureContext): HostError {
  return new HostError('HOST_TIMEOUT', `No answer from ${ctx.url} within ${timeoutMs} ms`, 'maybe-sent', { url: ctx.url, stan: ctx.stan, timeoutMs, attempts: ctx.attempts });
}

export function cancelledError(ctx: FailureContext & { readonly started: boolean }): HostError {
  const delivery = ctx.started || ctx.mayHaveReachedBefore ? 'maybe-sent' : 'not-sent';
  return new HostError('HOST_CANCELLED', 'The authorization was cancelled by the caller', delivery, { url: ctx.url, stan: ctx.stan, attempts: ctx.attempts });
}

/** An answer that is not the protocol's: a status, a body that does not parse or validate, an echo that does not match. */
export function badResponseError(reason: string, ctx: FailureContext, more: Readonly<Record<string, string | number | readonly string[]>> = {}): HostError {
  return new HostError('HOST_BAD_RESPONSE', `The gateway's answer is not usable: ${reason}`, 'maybe-sent', {
    url: ctx.url,
    stan: ctx.stan,
    reason,
    attempts: ctx.attempts,
    ...more,
  });
}
