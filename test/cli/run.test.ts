/** `pos run` and `pos --help` as a user starts them: the built CLI in its own process. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = 'dist/src/cli/main.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

function configFile(content: unknown): string {
  const file = join(tempDir('pos-cli-'), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('pos run', () => {
  it('serves the ECR API on the simulated default and stops cleanly on SIGTERM', async () => {
    const stateDir = tempDir('pos-state-');
    const child = spawn(process.execPath, [CLI, 'run', '--ecr-port', '0'], {
      env: { ...process.env, POS_CONFIG: configFile({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } }), POS_STATE_DIR: stateDir, POS_LOG_LEVEL: 'warn', POS_LOG_PRETTY: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${stdout}`)), 15_000);
      child.stdout.on('data', () => {
        const m = /ECR API on (http:\/\/\S+)/.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    // Simulation makes its ECR token on first start, in the state folder.
    const token = readFileSync(join(stateDir, 'ecr.token'), 'utf8').trim();
    const health = (await (await fetch(`${url}/v1/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', terminal: { id: 'T0000001', currency: '978' } });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('[display]');
  });

  it.each([
    [{ terminal: { id: 'T1' } }, 'terminal.id'],
    [{ devices: { reader: { type: 'msr-serial' } } }, 'devices.reader.path'],
    [{ host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 0 } }, 'host.port'],
  ])('refuses an invalid config %j with exit 2, naming the field', (content, field) => {
    const result = spawnSync(process.execPath, [CLI, '--config', configFile(content), 'run'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^CONFIG_INVALID: /);
    expect(result.stderr).toContain(field);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a config that is not JSON with exit 2', () => {
    const result = spawnSync(process.execPath, [CLI, 'run', '--config', configFile('{ nope')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^CONFIG_NOT_JSON: /);
  });

  it('exits 1 with a clear line when the serial reader cannot be opened', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'run', '--config', configFile({ ecr: { port: 0 }, devices: { reader: { type: 'msr-serial', path: '/dev/pos-no-such-reader' } }, host: { type: 'simulator' } })],
      { encoding: 'utf8', env: { ...process.env, POS_LOG_LEVEL: 'silent', POS_STATE_DIR: tempDir('pos-state-') } },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^DEVICE_OPEN_FAILED: .*\/dev\/pos-no-such-reader/m);
  });
});

describe('pos --help', () => {
  it('lists the commands', () => {
    const result = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const command of ['run', 'demo', 'host-sim', 'tlv', 'crypto']) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });
});
