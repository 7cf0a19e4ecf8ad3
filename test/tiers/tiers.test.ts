/** The tiers hold every test file once, and each tier's guard refuses what the tier promises not to do. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { staleDistMessage, staleOutputs } from './fresh-dist.js';
import { runsDist } from './process-guard.js';
import { memberHolds, TIERS } from './tiers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

describe('test tiers', () => {
  const files = testFiles(join(ROOT, 'test'));

  it('finds the test files', () => {
    expect(files).toContain('test/tiers/tiers.test.ts');
    expect(files.length).toBeGreaterThan(100);
  });

  it('hold every test file in exactly one tier (test/tiers/tiers.ts)', () => {
    const misplaced = files.flatMap((file) => {
      const holders = TIERS.flatMap((tier) => tier.members.filter((m) => memberHolds(m, file)).map((m) => `${tier.name} (${m})`));
      if (holders.length === 0) return [`${file} is in no tier`];
      if (holders.length > 1) return [`${file} is in ${holders.join(' and ')}`];
      return [];
    });
    expect(misplaced).toEqual([]);
  });

  it('name no file or folder that holds no test file', () => {
    const empty = TIERS.flatMap((tier) => tier.members.filter((m) => !files.some((f) => memberHolds(m, f))).map((m) => `${tier.name}: ${m}`));
    expect(empty).toEqual([]);
  });
});

describe('the unit tier guard (this file runs in the unit tier)', () => {
  it('refuses a listening socket, naming the tiers to move to', () => {
    expect(() => createServer().listen(0)).toThrow(/a unit test listened on a socket: move the file to the wire tier .* in test\/tiers\/tiers\.ts/);
  });

  it('refuses a connection', () => {
    expect(() => connect(1, '127.0.0.1')).toThrow(/a unit test connected a socket/);
  });

  it('refuses a process, allows a tool that only makes files', () => {
    expect(() => spawnSync(process.execPath, ['-e', '0'])).toThrow(/a unit test started a process \(node\)/);
    expect(() => spawnSync('socat', ['-V'])).toThrow(/started a process \(socat\)/);
    expect(() => spawnSync('openssl', ['version'])).not.toThrow();
  });
});

describe('runsDist (the wire tier refuses these)', () => {
  it.each([
    [{ starter: 'spawn', program: 'node', args: ['dist/src/cli/main.js', 'run'] }, true],
    [{ starter: 'spawnSync', program: 'node', args: ['/some/clone/dist/src/cli/main.js'] }, true],
    [{ starter: 'fork', program: 'node', args: ['dist/bench/crash/child.js'] }, true],
    [{ starter: 'exec', program: 'node', args: ['node dist/src/cli/main.js --help'] }, true],
    [{ starter: 'spawn', program: 'node', args: ['-e', '0'] }, false],
    [{ starter: 'spawn', program: 'socat', args: ['pty,raw', 'pty,raw'] }, false],
    [{ starter: 'spawn', program: 'bash', args: ['systemd/install.sh', '--dry-run'] }, false],
  ] as const)('%j → %s', (start, expected) => {
    expect(runsDist(start)).toBe(expected);
  });
});

describe('fresh dist (the system tier refuses a stale build)', () => {
  function project(files: Record<string, number>): string {
    const root = mkdtempSync(join(tmpdir(), 'pos-fresh-dist-'));
    for (const [path, mtimeSeconds] of Object.entries(files)) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, '');
      utimesSync(full, mtimeSeconds, mtimeSeconds);
    }
    return root;
  }

  it('accepts a build written after every source', () => {
    const root = project({ 'src/a.ts': 100, 'hw-mocks/b.ts': 100, 'src/types.d.ts': 900, 'dist/src/a.js': 200, 'dist/hw-mocks/b.js': 100 });
    expect(staleOutputs(root)).toEqual([]);
    expect(staleDistMessage(root)).toBeNull();
  });

  it('names the newest source changed after its build, and npm run build', () => {
    const root = project({ 'src/a.ts': 300, 'bench/c.ts': 400, 'drivers/d.ts': 100, 'dist/src/a.js': 200, 'dist/bench/c.js': 200, 'dist/drivers/d.js': 200 });
    expect(staleOutputs(root)).toEqual([
      { source: 'bench/c.ts', output: 'dist/bench/c.js', reason: 'older' },
      { source: 'src/a.ts', output: 'dist/src/a.js', reason: 'older' },
    ]);
    expect(staleDistMessage(root)).toBe('dist/ is older than the sources: bench/c.ts is newer than dist/bench/c.js (and 1 more). The system tests run dist/: run `npm run build` first (npm test and npm run test:system do).');
  });

  it('names a source never built', () => {
    const root = project({ 'src/new.ts': 100 });
    expect(staleDistMessage(root)).toMatch(/^dist\/ is older than the sources: dist\/src\/new\.js is missing\. .*npm run build/);
  });
});
