/**
 * Builds the ISO 8583 channel the `iso8583-tcp` host configuration describes:
 * persistent TCP or mutual TLS, binary or ASCII length header, replies keyed
 * by MTI class + STAN + terminal ID. The composition root calls
 * `assertHostTransportAllowed` first.
 */
import type { Iso8583Message } from '../../iso8583/message.js';
import type { Dialect } from '../../iso8583/types.js';
import type { Logger } from '../../log/logger.js';
import { iso8583MatchingReader } from './match-key.js';
import { PersistentHostChannel } from './persistent-host-channel.js';
import { loadTlsMaterial, type TlsFiles } from './tls-material.js';
import type { LengthHeader } from './length-prefix-framer.js';

/** The fields of the `iso8583-tcp` host config this reads. */
export interface Iso8583ChannelConfig {
  readonly address: string;
  readonly port: number;
  readonly lengthHeader: LengthHeader;
  readonly tls?: TlsFiles | undefined;
}

export interface Iso8583ChannelExtras {
  readonly dialect: Dialect;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
  readonly onLateReply?: (key: string) => void;
}

export function iso8583ChannelFromConfig(config: Iso8583ChannelConfig, extras: Iso8583ChannelExtras): PersistentHostChannel<Iso8583Message> {
  return new PersistentHostChannel<Iso8583Message>({
    host: config.address,
    port: config.port,
    lengthHeader: config.lengthHeader,
    readReply: iso8583MatchingReader(extras.dialect),
    ...(config.tls === undefined ? {} : { tls: loadTlsMaterial(config.tls) }),
    ...(extras.logger === undefined ? {} : { logger: extras.logger }),
    ...(extras.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: extras.connectTimeoutMs }),
    ...(extras.onLateReply === undefined ? {} : { onLateReply: extras.onLateReply }),
  });
}
