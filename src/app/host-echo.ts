/**
 * One echo test (0800, DE 70 = 301) to the configured host, MAC'd like every
 * other message, for `pos diag host` and the `pos diag` summary. With the
 * simulated default it echoes an in-process simulator, which proves the
 * stack, not a network.
 */
import { randomInt } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { iso8583ChannelFromConfig } from '../host/channels/from-config.js';
import { assertHostTransportAllowed } from '../host/channels/production-guard.js';
import { Iso8583HostClient } from '../host/iso8583/client.js';
import type { TerminalMacKey } from '../host/keys.js';
import { NETWORK_CODES } from '../host/messages/constants.js';
import { dialectByName } from '../iso8583/dialects/index.js';
import { PosError } from '../util/errors.js';
import { loadTerminalMacKey } from './host-setup.js';
import type { InProcessHost } from './simulation/in-process-host.js';

export interface EchoResult {
  readonly host: string;
  readonly rttMs: number;
  /** Whether the echo's answer carried a MAC we checked. */
  readonly mac: boolean;
}

export async function echoHost(config: Config): Promise<EchoResult> {
  const host = config.host;
  if (host.type === 'https-json') {
    throw new PosError('CONFIG_INVALID', 'An HTTPS JSON gateway has no ISO 8583 echo test', { fields: ['host.type'] });
  }
  let simulator: InProcessHost | null = null;
  let macKey: TerminalMacKey;
  let channelConfig;
  if (host.type === 'simulator') {
    // Simulation only: loaded when the config asks for the simulator.
    const { startInProcessHost } = await import('./simulation/in-process-host.js');
    simulator = await startInProcessHost();
    channelConfig = { address: '127.0.0.1', port: simulator.port, lengthHeader: 'binary2' as const };
    macKey = simulator.terminalMacKey;
  } else {
    assertHostTransportAllowed(host);
    channelConfig = host;
    macKey = loadTerminalMacKey(config.keys.dir);
  }
  const dialect = dialectByName(host.type === 'iso8583-tcp' ? host.dialect : 'iso87ascii');
  const channel = iso8583ChannelFromConfig(channelConfig, { dialect });
  const client = new Iso8583HostClient({ channel, timeoutMs: host.timeoutMs, dialect, macKey });
  try {
    const stan = String(randomInt(1, 1_000_000)).padStart(6, '0');
    const started = performance.now();
    await client.networkExchange({ terminalId: config.terminal.id, clock: () => new Date() })(NETWORK_CODES.echoTest, stan);
    const rttMs = performance.now() - started;
    return { host: channel.description + (simulator ? ' (simulator)' : ''), rttMs: Math.round(rttMs * 10) / 10, mac: true };
  } finally {
    macKey.wipe();
    await client.close();
    await simulator?.stop();
  }
}
