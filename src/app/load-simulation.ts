/**
 * The gate to `src/app/simulation/`: imported only when the config names a
 * simulated part (a virtual device, `host.type: simulator`), so that a
 * terminal on real devices and a real host never loads the simulation or
 * `hw-mocks/` (test/app/no-simulation-loaded.test.ts watches for it).
 */
import type { Config } from '../config/schema.js';
import { simulatedParts } from '../config/simulation-guard.js';
import type { Simulation, SimulationOptions } from './simulation/index.js';

/** The simulation for `config`, or null when it simulates nothing. */
export async function loadSimulation(config: Config, options: SimulationOptions): Promise<Simulation | null> {
  if (simulatedParts(config).length === 0) return null;
  const { Simulation } = await import('./simulation/index.js');
  return new Simulation(options);
}
