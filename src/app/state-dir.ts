/**
 * Where the terminal keeps its state (journal, and in simulation its keys and
 * ECR token), as `pos run` decides: `$POS_STATE_DIR`; else, with no config
 * file (the simulated default), the user's `~/.local/state/pos-terminal`;
 * else the config's `journal.dir`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';

export function stateDirFor(config: Config, configPath: string | null, env: NodeJS.ProcessEnv = process.env): string {
  return env['POS_STATE_DIR'] ?? (configPath === null ? join(homedir(), '.local', 'state', 'pos-terminal') : config.journal.dir);
}
