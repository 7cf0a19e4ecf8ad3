/**
 * `pos run` refused at start: each bad set-up is one `CODE: message` line on
 * stderr and its exit code (2 when only the operator can fix it, so systemd's
 * `RestartPreventExitStatus=2` stops the restart loop) — never `INTERNAL`.
 * In process; the environment is stubbed per test.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { makeThrowawayPki } from '../../hw-mocks/host/tls-certs.js';
import { registerRun } from '../../src/cli/commands/run.js';
import { checkBeforeStart } from '../../src/app/start-checks.js';
import { loadConfig } from '../../src/config/load.js';
import { thrown } from '../pos-error.js';
import { runCli, type CliRun } from './in-process.js';
import { canMountTmpfs, mountTmpfs } from './mounts.js';

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

describe('pos run refuses a config file', () => {
  it('with several bad fields: one CONFIG_INVALID line naming each, exit 2', async () => {
    const run = await runCli(['run', '--config', configFile({ terminal: { id: 'T1', currency: '97' }, ecr: { port: 70000 } })], [registerRun]);
    expectOneLine(run, 'CONFIG_INVALID', 2);
    for (const field of ['terminal.id', 'terminal.currency', 'ecr.port']) expect(run.stderr).toContain(`${field}: `);
  });

  it('that is not JSON: one CONFIG_NOT_JSON line with where, not what, exit 2', async () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{ "keys": { "dir": s3cr3t-value } }');
    const run = await runCli(['run', '--config', file], [registerRun]);
    expectOneLine(run, 'CONFIG_NOT_JSON', 2);
    expect(run.stderr).toContain('line 1, column 20 (offset 19)');
    expect(run.stderr).not.toContain('s3cr3t');
  });
});

describe('pos run refuses a journal folder it cannot use, before creating anything', () => {
  it('journal.dir is a regular file: JOURNAL_DIR_INVALID, exit 2', async () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const run = await runCli(['run', '--config', configFile({ journal: { dir: file } })], [registerRun]);
    expectOneLine(run, 'JOURNAL_DIR_INVALID', 2);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('$POS_STATE_DIR runs through a regular file: JOURNAL_DIR_INVALID, exit 2', async () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    vi.stubEnv('POS_STATE_DIR', join(file, 'state'));
    const run = await runCli(['run', '--config', configFile()], [registerRun]);
    expectOneLine(run, 'JOURNAL_DIR_INVALID', 2);
  });

  it.skipIf(!canMountTmpfs).each([['the mount itself', ''], ['a folder still to be made on it', 'pos/state']])(
    'a read-only filesystem with no journal yet (%s): JOURNAL_READ_ONLY, exit 2, nothing written',
    async (_where, sub) => {
      const mount = mountTmpfs(tempDir('pos-ro-'), 'ro');
      try {
        vi.stubEnv('POS_STATE_DIR', join(mount.dir, sub));
        const run = await runCli(['run', '--config', configFile()], [registerRun]);
        expectOneLine(run, 'JOURNAL_READ_ONLY', 2);
        expect(readdirSync(mount.dir)).toEqual([]);
      } finally {
        mount.unmount();
      }
    },
  );
});

/** A key folder for an ISO 8583 host: the simulation's KBPK and its terminal MAC key block, 0600 each. */
function hostKeys(): { dir: string; kbpk: string; tak: string } {
  const keys = loadSimulationKeys();
  const dir = join(tempDir('pos-keys-'), 'keys');
  mkdirSync(dir, { mode: 0o700 });
  const kbpk = join(dir, 'kbpk.key');
  const tak = join(dir, 'tak.tr31');
  writeFileSync(kbpk, keys.tdesKbpk.toString('hex') + '\n', { mode: 0o600 });
  writeFileSync(tak, keys.file.terminal.tak.keyBlock + '\n', { mode: 0o600 });
  return { dir, kbpk, tak };
}

function hostConfig(keyDir: string, stateDir: string, tls?: Record<string, string>): string {
  return configFile({
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 9, ...(tls === undefined ? {} : { tls }) },
    keys: { dir: keyDir },
    journal: { dir: stateDir },
  });
}

/** A bad key, as an operator leaves it: what to do to the folder, the code `pos run` answers, details that name it. */
const SPOILED_KEYS: readonly [string, string, (k: { kbpk: string; tak: string }) => void, (k: { kbpk: string; tak: string }) => Record<string, unknown>][] = [
  ['tak.tr31 readable by others', 'KEY_FILE_MODE', (k) => chmodSync(k.tak, 0o644), (k) => ({ path: k.tak, mode: '0644' })],
  ['tak.tr31 readable by the group', 'KEY_FILE_MODE', (k) => chmodSync(k.tak, 0o640), (k) => ({ path: k.tak, mode: '0640' })],
  ['tak.tr31 altered', 'KEY_BLOCK_INVALID', (k) => writeFileSync(k.tak, alterLastDigit(readFileSync(k.tak, 'latin1').trim())), (k) => ({ path: k.tak, reason: 'TR31_MAC_MISMATCH' })],
  ['tak.tr31 not a key block', 'KEY_BLOCK_INVALID', (k) => writeFileSync(k.tak, 'hello'), (k) => ({ path: k.tak, reason: 'TR31_HEADER_INVALID' })],
  ['kbpk.key another key', 'KEY_BLOCK_INVALID', (k) => writeFileSync(k.kbpk, '0123456789ABCDEFFEDCBA9876543210\n'), (k) => ({ path: k.tak, reason: 'TR31_MAC_MISMATCH' })],
  ['kbpk.key not hex', 'KEY_FILE_INVALID', (k) => writeFileSync(k.kbpk, 'not a key\n'), (k) => ({ path: k.kbpk })],
];

/** The block with its last hex digit changed: same length, same header, a MAC that no longer verifies. */
function alterLastDigit(block: string): string {
  return block.slice(0, -1) + (block.endsWith('0') ? '1' : '0');
}

describe('pos run refuses a bad key as configuration (exit 2), before any journal exists', () => {
  it.each(SPOILED_KEYS)('%s: %s, exit 2', async (_what, code, spoil) => {
    const keys = hostKeys();
    spoil(keys);
    const stateDir = join(tempDir(), 'state');
    const run = await runCli(['run', '--config', hostConfig(keys.dir, stateDir)], [registerRun]);
    expectOneLine(run, code, 2);
    expect(existsSync(stateDir)).toBe(false);
  });

  it.each(SPOILED_KEYS)('%s: %s names the file in its details', (_what, code, spoil, details) => {
    const keys = hostKeys();
    spoil(keys);
    const stateDir = join(tempDir(), 'state');
    const error = thrown(() => checkBeforeStart(loadConfig({ path: hostConfig(keys.dir, stateDir), env: {} }).config, stateDir));
    expect(error.code).toBe(code);
    expect(error.kind).toBe('config');
    expect(error.details).toMatchObject(details(keys));
  });

  it('the intact keys pass (the checks refuse only what is wrong)', () => {
    const keys = hostKeys();
    const stateDir = join(tempDir(), 'state');
    expect(() => checkBeforeStart(loadConfig({ path: hostConfig(keys.dir, stateDir), env: {} }).config, stateDir)).not.toThrow();
    expect(existsSync(stateDir)).toBe(false);
  });

  it.each([['0644', 0o644], ['0640', 0o640], ['0604', 0o604]])('a host TLS private key with mode %s: KEY_FILE_MODE, exit 2', async (_mode, mode) => {
    const pki = makeThrowawayPki('pos-run-errors');
    try {
      chmodSync(pki.client.keyFile, mode);
      const keys = hostKeys();
      const stateDir = join(tempDir(), 'state');
      const config = hostConfig(keys.dir, stateDir, { caFile: pki.caFile, certFile: pki.client.certFile, keyFile: pki.client.keyFile });
      const run = await runCli(['run', '--config', config], [registerRun]);
      expectOneLine(run, 'KEY_FILE_MODE', 2);
      expect(run.stderr).toContain(pki.client.keyFile);
      expect(existsSync(stateDir)).toBe(false);
    } finally {
      pki.cleanup();
    }
  });
});
