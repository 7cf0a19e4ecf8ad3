/**
 * A key folder as install.sh makes it (0700, each key 0600) for a terminal on
 * an `iso8583-tcp` host: the terminal MAC keys, the acquirer's advice public
 * key (the simulator holds its private half) and an ECR token.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';

export function terminalKeyFolder(prefix: string, tokenByte = '33'): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'keys');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'acquirer-advice.pub'), loadSimulationKeys().acquirerAdvicePublicPem, { mode: 0o600 });
  writeFileSync(join(dir, 'ecr.token'), tokenByte.repeat(32) + '\n', { mode: 0o600 });
  writeTerminalMacKeys(dir);
  return dir;
}
