/**
 * A terminal on real devices never loads the simulation (issue 12 §4).
 *
 * `pos run` (the built one, in its own process, `NODE_ENV=production` as the
 * unit runs it) with a serial magstripe reader and a VFD on socat ptys and an
 * ISO 8583 host on loopback, started with a module resolve hook
 * (`--import`, `module.register`) that writes down every module it loads.
 * Through start-up, a purchase and shutdown, not one module may come from
 * `hw-mocks/` or `src/app/simulation/`.
 *
 * Positive control, so that the watch can fail: the same terminal with
 * `host.type: simulator` is seen loading both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, spawnLogged, waitForLine, type Child } from '../../bench/crash/child.js';
import { findCard, loadDeck } from '../../hw-mocks/cards/deck.js';
import { attachVirtualVfd, waitForLines } from '../../hw-mocks/display/virtual-vfd.js';
import { BankHostSimulator } from '../../hw-mocks/host/bank-host-simulator.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { createVirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import { openPtyEnd } from '../../hw-mocks/pty-end.js';
import { createPtyPair, type PtyPair } from '../../hw-mocks/pty.js';
import { hasSocat } from '../drivers/pty-harness.js';
import { CLI } from '../hygiene/run-pos.js';
import { writeTerminalKeyFolder } from '../../hw-mocks/keys/terminal-key-folder.js';

const READY = /^pos-terminal ready: ECR API on (http:\/\/\S+)$/m;
/** Where the project's compiled modules load from. */
const DIST = pathToFileURL(join(process.cwd(), 'dist')).href + '/';
const SIMULATION_ONLY = ['hw-mocks/', 'src/app/simulation/'];

const made: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * The `--import` module: registers a resolve hook (on the loader's thread)
 * that appends each resolved URL to `file`. Both are data: URLs, so nothing
 * but the test itself needs to exist on disk.
 */
function recordingHook(file: string): string {
  const loader = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(file)}, resolved.url + '\\n');
  return resolved;
}`;
  const hook = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(loader)}`)});`;
  return `data:text/javascript,${encodeURIComponent(hook)}`;
}

/** The project's modules the process loaded, relative to `dist/` (`src/app/terminal.js`). */
function projectModules(file: string): string[] {
  const urls = readFileSync(file, 'utf8').split('\n');
  return [...new Set(urls.filter((u) => u.startsWith(DIST)).map((u) => u.slice(DIST.length)))].sort();
}

function startPos(root: string, name: string, configFile: string, env: NodeJS.ProcessEnv): { child: Child; loaded: () => string[] } {
  const modulesFile = join(root, `${name}.modules`);
  writeFileSync(modulesFile, '');
  const child = spawnLogged({
    name,
    args: ['--import', recordingHook(modulesFile), CLI, '--config', configFile, 'run'],
    env,
    stdoutFile: join(root, `${name}.stdout`),
    stderrFile: join(root, `${name}.stderr`),
  });
  return { child, loaded: () => projectModules(modulesFile) };
}

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POS_LOG_LEVEL: 'warn', POS_LOG_PRETTY: '0', ...extra };
  delete env['POS_CONFIG'];
  delete env['NODE_OPTIONS'];
  if (extra['NODE_ENV'] === undefined) delete env['NODE_ENV'];
  return env;
}

describe.skipIf(!hasSocat)('what a terminal on real devices loads', () => {
  it('serial reader and display on ptys, ISO 8583 host on loopback: nothing from hw-mocks/ or src/app/simulation/, through a purchase', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-no-sim-'));
    made.push(root);
    const host = new BankHostSimulator({ keys: loadSimulationKeys(), requireMac: true, port: 0 });
    await host.start();
    const ptys: PtyPair[] = [];
    try {
      for (let i = 0; i < 2; i++) ptys.push(await createPtyPair());
      const [readerPty, displayPty] = ptys as [PtyPair, PtyPair];
      const reader = createVirtualSerialMsr(openPtyEnd(readerPty.devicePath));
      const display = attachVirtualVfd(openPtyEnd(displayPty.devicePath), 'cd5220');
      const keysDir = join(root, 'keys');
      const token = writeTerminalKeyFolder(keysDir);
      const configFile = join(root, 'config.json');
      const config = {
        ecr: { port: 0 },
        devices: {
          reader: { type: 'msr-serial', path: readerPty.hostPath },
          display: { type: 'vfd-serial', path: displayPty.hostPath },
        },
        host: { type: 'iso8583-tcp', address: '127.0.0.1', port: host.port, timeoutMs: 5000, echoIntervalMs: 0 },
        journal: { dir: join(root, 'state') },
        keys: { dir: keysDir },
      };
      writeFileSync(configFile, JSON.stringify(config));

      const pos = startPos(root, 'real', configFile, cleanEnv({ NODE_ENV: 'production' }));
      const ecrUrl = (await waitForLine(pos.child, READY, 20_000))[1] ?? '';
      const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
        const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const res = await fetch(ecrUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(15_000) });
        return (await res.json()) as Record<string, unknown>;
      };
      const started = await call('POST', '/v1/transactions', { type: 'purchase', amount: 1234, currency: '978' });
      await reader.swipe(findCard(loadDeck(), 'visa-ok') ?? expect.fail('deck has no visa-ok'));
      expect(await call('GET', `/v1/transactions/${String(started['id'])}?wait=true`)).toMatchObject({ status: 'approved', responseCode: '00' });
      await waitForLines(display.display, ['      APPROVED      ', '     12.34 EUR      ']);
      // The simulator's routes do not exist on this terminal.
      expect(await call('POST', '/v1/simulator/present', { card: 'visa-ok' })).toMatchObject({ error: { code: 'ECR_NOT_FOUND' } });
      expect(await pos.child.stop(15_000)).toBe(0);

      const loaded = pos.loaded();
      // The hook saw the project: the terminal, its kinds and their drivers.
      expect(loaded).toEqual(expect.arrayContaining(['src/app/terminal.js', 'drivers/msr-serial/kind.js', 'drivers/vfd-display/vfd-display.js', 'src/host/channels/persistent-host-channel.js']));
      expect(loaded.filter((m) => SIMULATION_ONLY.some((prefix) => m.startsWith(prefix)))).toEqual([]);
      await reader.close();
      await display.close();
    } finally {
      for (const pty of ptys) await pty.close();
      await host.stop();
    }
  }, 60_000);

  it('positive control: with host.type simulator, the same watch sees the simulation and hw-mocks/ load', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-sim-'));
    made.push(root);
    const pty = await createPtyPair();
    try {
      const configFile = join(root, 'config.json');
      const config = {
        ecr: { port: 0 },
        devices: { reader: { type: 'msr-serial', path: pty.hostPath } },
        host: { type: 'simulator' },
        journal: { dir: join(root, 'state') },
      };
      writeFileSync(configFile, JSON.stringify(config));
      const pos = startPos(root, 'simulated', configFile, cleanEnv({}));
      await waitForLine(pos.child, READY, 20_000);
      expect(await pos.child.stop(15_000)).toBe(0);
      const loaded = pos.loaded();
      expect(loaded).toEqual(expect.arrayContaining(['src/app/simulation/index.js', 'src/app/simulation/in-process-host.js', 'hw-mocks/host/bank-host-simulator.js', 'hw-mocks/keys/simulation-keys.js']));
    } finally {
      await pty.close();
    }
  }, 60_000);
});
