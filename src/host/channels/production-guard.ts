/**
 * The start-up guard the composition root calls before building a host
 * client: in production (`NODE_ENV=production`) an ISO 8583 host reached over
 * plain TCP is only allowed on loopback (a local simulator or a stunnel-style
 * sidecar); anywhere else the configuration must carry `tls`. An HTTPS
 * gateway must use an `https:` URL off loopback for the same reason.
 */
import { isIP } from 'node:net';
import { PosError } from '../../util/errors.js';

/** The host config shapes this guard reads (a structural subset of `HostConfig`). */
export type GuardedHostConfig =
  | { readonly type: 'simulator' }
  | { readonly type: 'iso8583-tcp'; readonly address: string; readonly tls?: object | undefined }
  | { readonly type: 'https-json'; readonly url: string };

/** `localhost`, 127.0.0.0/8, ::1 and the IPv4-mapped loopback. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === 'localhost' || a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Throws `CHANNEL_PLAINTEXT_REFUSED` (details: `address`, `reason`) when `env`
 * says production and the host would be reached in clear off loopback.
 */
export function assertHostTransportAllowed(host: GuardedHostConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (env['NODE_ENV'] !== 'production') return;
  if (host.type === 'iso8583-tcp' && host.tls === undefined && !isLoopbackAddress(host.address)) {
    throw new PosError('CHANNEL_PLAINTEXT_REFUSED', `Production refuses plain TCP to ${host.address}: configure host.tls`, {
      address: host.address,
      reason: 'plain-tcp',
    });
  }
  if (host.type === 'https-json') {
    const url = new URL(host.url);
    if (url.protocol !== 'https:' && !isLoopbackAddress(url.hostname)) {
      throw new PosError('CHANNEL_PLAINTEXT_REFUSED', `Production refuses a gateway URL without TLS (${url.protocol}//${url.host})`, {
        address: url.host,
        reason: 'plain-http',
      });
    }
  }
}
