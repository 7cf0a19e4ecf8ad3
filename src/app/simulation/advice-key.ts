/**
 * Simulation's `acquirer-advice.pub`: the bank-host simulator's public key,
 * so that offline advices a simulated terminal seals are ones the simulator
 * can open (its private half stays in the simulation keys).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSimulationKeys } from '../../../hw-mocks/keys/simulation-keys.js';
import { ACQUIRER_ADVICE_KEY_FILE } from '../acquirer-advice-key.js';

/** Writes the simulator's advice public key into `dir` (made 0700, the file 0600) when it is not there yet. */
export function provisionSimulationAdviceKey(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(dir, ACQUIRER_ADVICE_KEY_FILE), loadSimulationKeys().acquirerAdvicePublicPem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
