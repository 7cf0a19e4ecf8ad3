/**
 * The bundle the systemd unit runs (`dist/pos/pos.js`, made by
 * `scripts/bundle.ts` from the compiled tree the other tests run) is that
 * tree joined, nothing more: the same bytes and exit codes for the same
 * command lines, and everything the tree starts still starts from it —
 * `pos run` with the unit's own node flags serving its ECR API, and
 * `pos host-sim` with its sockets on the I/O thread, a worker file beside the
 * chunks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, spawnLogged, waitForLine } from '../../bench/crash/child.js';
import { serviceStart } from '../../bench/startup/service-start.js';

const BUNDLE = 'dist/pos/pos.js';
const COMPILED = 'dist/src/cli/main.js';
const READY = /^pos-terminal ready: ECR API on (http:\/\/\S+)$/m;

const made: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bundle-'));
  made.push(dir);
  return dir;
}

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POS_LOG_LEVEL: 'warn', POS_LOG_PRETTY: '0', ...extra };
  delete env['POS_CONFIG'];
  delete env['NODE_ENV'];
  delete env['NODE_OPTIONS'];
  return env;
}

function run(script: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: cleanEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundle', () => {
  it('is made from the compiled tree of this build, not an older one', () => {
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(statSync(COMPILED).mtimeMs);
  });

  it('is what the unit starts', () => {
    expect(serviceStart().script).toBe(join(process.cwd(), BUNDLE));
  });

  it.each<[string, string[]]>([
    ['the help', ['--help']],
    ["a subcommand's help", ['help', 'crypto']],
    ['an unknown command', ['bogus']],
    ['a bad option value', ['run', '--ecr-port', 'abc']],
    ['a calculation (its action loaded from a chunk)', ['crypto', 'kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8', '--json']],
    ['a decoder refusing its input', ['tlv', 'decode', '9F']],
  ])('answers %s with the same bytes and exit code as the compiled tree', (_what, args) => {
    const bundled = run(BUNDLE, args);
    expect(bundled).toEqual(run(COMPILED, args));
    expect(bundled.stdout + bundled.stderr).not.toBe('');
  });

  it("pos run, started with the unit's node flags, serves its ECR API and stops on SIGTERM", async () => {
    const stateDir = tempDir();
    const child = spawnLogged({
      name: 'pos run (bundle)',
      args: [...serviceStart().nodeFlags, BUNDLE, 'run', '--ecr-port', '0'],
      env: cleanEnv({ POS_STATE_DIR: stateDir }),
      stdoutFile: join(stateDir, 'stdout'),
      stderrFile: join(stateDir, 'stderr'),
    });
    const url = (await waitForLine(child, READY, 20_000))[1];
    const token = readFileSync(join(stateDir, 'ecr.token'), 'latin1').trim();
    const health = await fetch(`${url ?? ''}/v1/health`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    expect(await child.stop(5_000)).toBe(0);
  }, 30_000);

  it('pos host-sim starts its I/O thread from the worker file beside the chunks and accepts a connection', async () => {
    const dir = tempDir();
    const child = spawnLogged({
      name: 'pos host-sim (bundle)',
      args: [BUNDLE, 'host-sim', '--port', '0'],
      env: cleanEnv(),
      stdoutFile: join(dir, 'stdout'),
      stderrFile: join(dir, 'stderr'),
    });
    await waitForLine(child, /^ready\b/m, 15_000);
    const port = Number(/^iso8583 tcp:\/\/127\.0\.0\.1:(\d+)$/m.exec(child.stdout())?.[1]);
    expect(port).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
    expect(await child.stop(5_000)).toBe(0);
  }, 30_000);
});
