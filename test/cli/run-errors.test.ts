/**
 * `pos run` refused at start: each bad set-up is one `CODE: message` line on
 * stderr and its exit code (2 when only the operator can fix it, so systemd's
 * `RestartPreventExitStatus=2` stops the restart loop) — never `INTERNAL`.
 * In process; the environment is stubbed per test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerRun } from '../../src/cli/commands/run.js';
import { runCli, type CliRun } from './in-process.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  vi.stubEnv('POS_LOG_LEVEL', 'silent');
  vi.stubEnv('POS_LOG_PRETTY', '0');
});

afterEach(() => {
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

function tempDir(prefix = 'pos-run-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The simulated terminal written out, as development runs it, plus `extra` sections. */
function configFile(extra: Record<string, unknown> = {}, dir = tempDir()): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ ecr: { port: 0 }, devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' }, ...extra }));
  return file;
}

function expectOneLine(run: CliRun, code: string, exitCode: number): void {
  expect(run.stderr).toMatch(new RegExp(`^${code}: [^\\n]+\\n$`));
  expect(run.stdout).toBe('');
  expect(run.exitCode).toBe(exitCode);
}

describe('pos run refuses its environment', () => {
  it('an unknown POS_LOG_LEVEL: CONFIG_ENV_INVALID, exit 2', async () => {
    vi.stubEnv('POS_LOG_LEVEL', 'verbose');
    vi.stubEnv('POS_STATE_DIR', tempDir());
    const run = await runCli(['run', '--config', configFile()], [registerRun]);
    expectOneLine(run, 'CONFIG_ENV_INVALID', 2);
  });
});
