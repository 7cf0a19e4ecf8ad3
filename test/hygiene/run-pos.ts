/**
 * Runs the built `pos` as a technician would, at log level debug, and keeps
 * every byte it wrote, for the secrets scan.
 */
import { spawnSync } from 'node:child_process';

export const CLI = 'dist/src/cli/main.js';

export interface PosRun {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

export function debugEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POS_LOG_LEVEL: 'debug', POS_LOG_PRETTY: '0', ...extra };
  delete env['POS_CONFIG'];
  return env;
}

export function runPos(args: readonly string[], env: NodeJS.ProcessEnv = debugEnv(), timeoutMs = 60_000): PosRun {
  const result = spawnSync(process.execPath, [CLI, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
