/** The key files a terminal needs for an ISO 8583 host, written from the simulation keys the simulator also holds. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSimulationKeys } from './simulation-keys.js';

/** Writes `kbpk.key` and `tak.tr31` (0600) into an existing key folder: the TAK every simulator answer is MAC'd under. */
export function writeTerminalMacKeys(dir: string): void {
  const keys = loadSimulationKeys();
  writeFileSync(join(dir, 'kbpk.key'), keys.file.kbpk.tdes.key + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'tak.tr31'), keys.file.terminal.tak.keyBlock + '\n', { mode: 0o600 });
}

/** Makes the key folder (0700) of a terminal on a real ISO 8583 host: its MAC keys and an ECR token, which it returns. */
export function writeTerminalKeyFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeTerminalMacKeys(dir);
  const token = randomBytes(32).toString('hex');
  writeFileSync(join(dir, 'ecr.token'), `${token}\n`, { mode: 0o600 });
  return token;
}
