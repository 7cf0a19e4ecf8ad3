/**
 * `pos keys init` as an installer runs it (the built CLI in its own process):
 * it makes what the config needs and this device can make, keeps what is
 * there, never invents an acquirer key; and `pos run` refuses an ECR API off
 * loopback without TLS. Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTerminalMacKeys } from '../../hw-mocks/keys/terminal-key-folder.js';

const CLI = 'dist/src/cli/main.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pos-keys-'));
  made.push(dir);
  return dir;
}

function pos(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, POS_LOG_LEVEL: 'warn', ...env } });
}

/** A config file for a real ISO 8583 host whose key folder is `<root>/keys`. */
function realConfig(root: string, extra: Record<string, unknown> = {}): string {
  const file = join(root, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({ devices: { reader: { type: 'msr-serial', path: '/dev/pos-reader' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 }, keys: { dir: join(root, 'keys') }, journal: { dir: join(root, 'state') }, ...extra }),
  );
  return file;
}

interface Report {
  files: { name: string; path: string; origin: string; outcome: string }[];
}

describe('pos keys init', () => {
  it('makes the ECR token (0600, 32 random bytes as hex) and names the acquirer keys it cannot make: KEY_FILE_MISSING, exit 2', () => {
    const root = tempDir();
    const keys = join(root, 'keys');
    const run = pos(['keys', 'init', '--config', realConfig(root)]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('KEY_FILE_MISSING: tak.tr31 and kbpk.key must come from the acquirer; pos keys init cannot make them\n');
    expect(run.stdout).toMatch(new RegExp(`^missing +${join(keys, 'tak.tr31')} `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^missing +${join(keys, 'kbpk.key')} `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^made +${join(keys, 'ecr.token')} `, 'm'));
    expect(readFileSync(join(keys, 'ecr.token'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(join(keys, 'ecr.token')).mode & 0o777).toBe(0o600);
    expect(statSync(keys).mode & 0o777).toBe(0o700);
    expect(existsSync(join(keys, 'tak.tr31'))).toBe(false);
    expect(existsSync(join(root, 'state'))).toBe(false);
  });

  it('is idempotent: a second run keeps every file as it is, and with the acquirer keys in place it ends 0', () => {
    const root = tempDir();
    const config = realConfig(root);
    pos(['keys', 'init', '--config', config]);
    const token = readFileSync(join(root, 'keys', 'ecr.token'), 'utf8');
    writeTerminalMacKeys(join(root, 'keys'));
    const again = pos(['--config', config, 'keys', 'init', '--json']);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as Report;
    expect(report.files.map((f) => [f.name, f.origin, f.outcome])).toEqual([
      ['tak.tr31', 'acquirer', 'kept'],
      ['kbpk.key', 'acquirer', 'kept'],
      ['ecr.token', 'device', 'kept'],
    ]);
    expect(readFileSync(join(root, 'keys', 'ecr.token'), 'utf8')).toBe(token);
  });

  it('refuses a key file others can read, like the terminal does (KEY_FILE_MODE, exit 2), and leaves it alone', () => {
    const root = tempDir();
    mkdirSync(join(root, 'keys'), { mode: 0o700 });
    writeFileSync(join(root, 'keys', 'ecr.token'), `${'ab'.repeat(32)}\n`);
    chmodSync(join(root, 'keys', 'ecr.token'), 0o644);
    const run = pos(['keys', 'init', '--config', realConfig(root, { host: { type: 'simulator' }, devices: { reader: { type: 'virtual' } } }), '--json'], { POS_STATE_DIR: join(root, 'unused') });
    // A simulator host keeps its token in the state folder: this file is not its business.
    expect(run.status).toBe(0);
    const strict = pos(['keys', 'init', '--config', realConfig(root)]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toMatch(/^KEY_FILE_MODE: /);
    expect(readFileSync(join(root, 'keys', 'ecr.token'), 'utf8')).toBe(`${'ab'.repeat(32)}\n`);
  });

  it('in simulation makes the token where pos run looks: $POS_STATE_DIR/ecr.token', () => {
    const root = tempDir();
    const state = join(root, 'state');
    const file = join(root, 'sim.json');
    writeFileSync(file, JSON.stringify({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } }));
    const run = pos(['keys', 'init', '--config', file, '--json'], { POS_STATE_DIR: state });
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.files).toEqual([expect.objectContaining({ name: 'ecr.token', path: join(state, 'ecr.token'), outcome: 'made' })]);
    expect(readFileSync(join(state, 'ecr.token'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
  });
});

describe('pos run and the ECR binding', () => {
  it.each([['0.0.0.0'], ['192.0.2.10']])('refuses ecr.host %s without ecr.tls: ECR_TLS_REQUIRED, exit 2', (host) => {
    const root = tempDir();
    const file = join(root, 'config.json');
    writeFileSync(file, JSON.stringify({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' }, ecr: { host, port: 0 } }));
    const run = pos(['--config', file, 'run'], { POS_STATE_DIR: join(root, 'state') });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^ECR_TLS_REQUIRED: /m);
    expect(existsSync(join(root, 'state', 'journal.db'))).toBe(false);
  });
});
