/**
 * Simulation never runs in production. The bank-host simulator approves
 * whatever its deck says and virtual devices read cards nobody presented, so
 * with `NODE_ENV=production` (what the systemd unit sets) a config that asks
 * for either — or no config file at all, whose default is simulation — is
 * refused at start. So are the published test CA keys (`emv.capkSets`): a
 * terminal that trusts them accepts any card a lab's CA certified.
 */
import { PosError } from '../util/errors.js';
import type { Config } from './schema.js';

/** The config fields that name a simulated part, in config order. */
export function simulatedParts(config: Config): string[] {
  const parts: string[] = [];
  if (config.devices.reader.type === 'virtual') parts.push('devices.reader');
  if (config.devices.pinpad.type === 'virtual') parts.push('devices.pinpad');
  if (config.devices.display.type === 'virtual') parts.push('devices.display');
  if (config.devices.printer.type === 'virtual') parts.push('devices.printer');
  if (config.host.type === 'simulator') parts.push('host');
  if (config.emv.capkSets.length > 0) parts.push('emv.capkSets');
  return parts;
}

/**
 * Throws `CONFIG_SIMULATION_REFUSED` (details: `fields`) when `env` says
 * production and the config simulates anything — which includes running
 * with no config file, whose default is all simulation.
 */
export function assertNoSimulationInProduction(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  if (env['NODE_ENV'] !== 'production') return;
  const fields = simulatedParts(config);
  if (fields.length > 0) {
    throw new PosError('CONFIG_SIMULATION_REFUSED', `Production refuses simulated parts: ${fields.join(', ')}`, { fields });
  }
}
