/** Host channels: framing, persistent TCP/TLS with matching and reconnect, TLS material, the production guard. */
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
export { iso8583ChannelFromConfig, type Iso8583ChannelConfig, type Iso8583ChannelExtras } from './from-config.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  frameMessage,
  HEADER_BYTES,
  LENGTH_HEADER_BYTES,
  LengthPrefixFramer,
  MAX_LENGTH,
  type LengthHeader,
  type LengthPrefixFramerOptions,
} from './length-prefix-framer.js';
export { iso8583MatchingReader, keyOfMessage, matchKey } from './match-key.js';
export { PersistentHostChannel, type PersistentHostChannelOptions } from './persistent-host-channel.js';
export { assertHostTransportAllowed, isLoopbackAddress, type GuardedHostConfig } from './production-guard.js';
export { loadTlsMaterial, type TlsFiles, type TlsMaterial } from './tls-material.js';
