import type { ErrorSpec } from './kind.js';

/**
 * Host channel plumbing beyond the request/answer outcomes of `HOST_*`:
 * framing headers, TLS material and production guards, the persistent
 * reversal store, and the simulator's fault rules.
 */
export const CHANNEL_ERRORS = {
  CHANNEL_LENGTH_HEADER_INVALID: { kind: 'protocol', summary: 'An ASCII length header holds a byte that is not a digit; the stream has lost its framing.' },
  CHANNEL_PLAINTEXT_REFUSED: { kind: 'config', summary: 'A production configuration points at plain TCP on a non-loopback address; TLS is required.' },
  CHANNEL_TLS_MATERIAL_UNREADABLE: { kind: 'config', summary: 'A TLS CA, certificate or key file named in the configuration cannot be read.' },
  CHANNEL_REVERSAL_STORE_FAILED: { kind: 'io', summary: 'The reversal store file cannot be written or synced; the duty was not recorded.' },
  CHANNEL_REVERSAL_STORE_CORRUPT: { kind: 'io', summary: 'The reversal store file does not parse; details give the path, never its content.' },
  CHANNEL_FAULT_INVALID: { kind: 'input', summary: 'A simulator fault rule is not one of the known faults or has a bad argument.' },
  CHANNEL_GATEWAY_CONFIG_INVALID: { kind: 'config', summary: 'The HTTPS JSON gateway configuration does not hold together (a URL that is not http or https, a client certificate without its key).' },
  CHANNEL_GATEWAY_REVERSAL_REFUSED: { kind: 'protocol', summary: 'The HTTPS gateway answered a reversal without acknowledging it; the duty is kept and repeated.' },
} as const satisfies Record<string, ErrorSpec>;
