/**
 * Builds the `JsonGatewayClient` the `https-json` host configuration
 * describes: `{ type: 'https-json', url, timeoutMs, caFile?, certFile?, keyFile? }`.
 * The CA file pins the gateway's CA; certificate and key go together (mutual
 * TLS) or not at all. The composition root calls `assertHostTransportAllowed`
 * first. The client, and axios under it, are loaded only here, when the
 * configuration names this host: a terminal on ISO 8583 never loads them.
 */
import { readTlsFile } from '../channels/tls-material.js';
import type { Logger } from '../../log/logger.js';
import { PosError } from '../../util/errors.js';
import type { GatewayTls, JsonGatewayClient } from './json-gateway-client.js';

/** The fields of the `https-json` host config this reads. */
export interface JsonGatewayConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

export interface JsonGatewayExtras {
  readonly merchantId?: string;
  readonly logger?: Logger;
  readonly maxRetries?: number;
}

/** Reads the TLS files; `CHANNEL_TLS_MATERIAL_UNREADABLE` (details: `which`, `path`, `errno`) or `CHANNEL_GATEWAY_CONFIG_INVALID`. */
export function gatewayTlsFromFiles(config: Pick<JsonGatewayConfig, 'caFile' | 'certFile' | 'keyFile'>): GatewayTls {
  if ((config.certFile === undefined) !== (config.keyFile === undefined)) {
    throw new PosError('CHANNEL_GATEWAY_CONFIG_INVALID', 'host.certFile and host.keyFile go together', { reason: 'cert-without-key', field: config.certFile === undefined ? 'host.certFile' : 'host.keyFile' });
  }
  const read = (which: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    const path = config[which];
    return path === undefined ? undefined : readTlsFile(which, path);
  };
  const ca = read('caFile');
  const cert = read('certFile');
  const key = read('keyFile');
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

export async function jsonGatewayFromConfig(config: JsonGatewayConfig, extras: JsonGatewayExtras = {}): Promise<JsonGatewayClient> {
  const tls = gatewayTlsFromFiles(config);
  const { JsonGatewayClient } = await import('./json-gateway-client.js');
  return new JsonGatewayClient({
    url: config.url,
    timeoutMs: config.timeoutMs,
    tls,
    ...(extras.merchantId === undefined ? {} : { merchantId: extras.merchantId }),
    ...(extras.logger === undefined ? {} : { logger: extras.logger }),
    ...(extras.maxRetries === undefined ? {} : { maxRetries: extras.maxRetries }),
  });
}
