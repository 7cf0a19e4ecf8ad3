import type { ErrorSpec } from './kind.js';

/**
 * Host channel errors. A channel or client raises them as a `HostError`
 * (`src/host/host-error.ts`) whose `delivery` says whether the request may
 * have reached the host: the caller owns the reversal when it is `maybe-sent`.
 */
export const HOST_ERRORS = {
  HOST_UNREACHABLE: { kind: 'disconnected', summary: 'The host could not be reached (refused, no route, connect timeout); nothing was sent.' },
  HOST_TIMEOUT: { kind: 'timeout', summary: 'No answer came from the host in time; the request may have reached it.' },
  HOST_CONNECTION_LOST: { kind: 'disconnected', summary: 'The connection dropped after the request was sent, before the whole answer came.' },
  HOST_BAD_RESPONSE: { kind: 'protocol', summary: 'The host\'s answer does not decode or does not match the request; details name the field.' },
  HOST_FRAME_TOO_LARGE: { kind: 'protocol', summary: 'A length-prefixed frame announces more bytes than the channel accepts.' },
  HOST_CANCELLED: { kind: 'cancelled', summary: 'The caller aborted the authorization; details say whether the request may have been sent.' },
  HOST_REQUEST_INVALID: { kind: 'input', summary: 'The authorization request cannot be put on the wire (amount, STAN or IDs out of range); nothing was sent.' },
  HOST_SIM_LISTEN_FAILED: { kind: 'io', summary: 'The bank-host simulator could not listen on the requested address and port.' },
  HOST_SIM_REQUEST_REFUSED: { kind: 'protocol', summary: 'The bank-host simulator cannot answer a request (it does not decode, or has no STAN to answer to); its wire closes the connection.' },
} as const satisfies Record<string, ErrorSpec>;
