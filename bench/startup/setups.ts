/**
 * What the startup bench starts `pos run` on, prepared before any clock runs:
 *
 * - a real-device terminal: a serial MSR, a VeriFone PIN pad and a CD5220
 *   display on socat ptys (the ports a Pi's USB-serial adapters would be),
 *   an ISO 8583 host on loopback TCP (`pos host-sim`, a process of its own),
 *   the key folder such a host needs (`kbpk.key`, `tak.tr31`, `ecr.token`)
 *   and `NODE_ENV=production`, started as the systemd unit starts it (its
 *   node flags and script, `service-start.ts`) or from the compiled tree;
 * - the simulated default: no config file at all, state in a temporary
 *   `POS_STATE_DIR` (the terminal makes its token and simulation keys on its
 *   first start, which the bench's warm-up absorbs).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHostSim } from '../crash/host-sim.js';
import { writeTerminalKeyFolder } from '../../hw-mocks/keys/terminal-key-folder.js';
import { createPtyPair, type PtyPair } from '../../hw-mocks/pty.js';
import { projectRoot } from '../../src/util/project-root.js';
import { serviceStart } from './service-start.js';
import type { Launch } from './timing.js';

/** `pos` as users run it: the package's `bin` (the bundle). */
export const POS_CLI = join(projectRoot(), posBin());
/** The compiled tree the bundle is made from, which the tests run. */
export const POS_COMPILED = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
/** Where `pos run` looks for a config when given none; the simulated default applies only when it is absent. */
const SYSTEM_CONFIG = '/etc/pos-terminal/config.json';

export interface TerminalSetup {
  readonly launch: Launch;
  /** The same terminal started from the compiled tree, without the unit's node flags. */
  readonly compiledLaunch: Launch;
  /** The ECR API's bearer token (read when asked: a simulated terminal writes it on its first start). */
  readonly token: () => string;
  close(): Promise<void>;
}

/** The environment every measured process gets: this one's, without anything that picks a config or a log format. */
export function quietEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, POS_LOG_PRETTY: '0', ...extra };
  delete env['POS_CONFIG'];
  delete env['POS_LOG_LEVEL'];
  delete env['NODE_OPTIONS'];
  if (extra['NODE_ENV'] === undefined) delete env['NODE_ENV'];
  return env;
}

export async function realDeviceTerminal(): Promise<TerminalSetup> {
  const root = mkdtempSync(join(tmpdir(), 'pos-bench-startup-'));
  const ptys: PtyPair[] = [];
  const host = await startHostSim({ cli: POS_CLI, logDir: root, env: quietEnv(), faults: [] });
  const close = async (): Promise<void> => {
    await host.child.stop(5_000);
    for (const pty of ptys) await pty.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) ptys.push(await createPtyPair());
    const [reader, pinpad, display] = ptys.map((p) => p.hostPath);
    const stateDir = join(root, 'state');
    const keysDir = join(root, 'keys');
    mkdirSync(stateDir, { mode: 0o700 });
    const token = writeTerminalKeyFolder(keysDir);
    const configFile = join(root, 'config.json');
    const config = {
      ecr: { port: 0 },
      devices: {
        reader: { type: 'msr-serial', path: reader, baudRate: 9600 },
        pinpad: { type: 'verifone-serial', path: pinpad },
        display: { type: 'vfd-serial', path: display },
      },
      host: { type: 'iso8583-tcp', address: '127.0.0.1', port: host.isoPort },
      journal: { dir: stateDir },
      keys: { dir: keysDir },
    };
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const service = serviceStart();
    const env = quietEnv({ NODE_ENV: 'production' });
    return {
      launch: { args: [...service.nodeFlags, service.script, '--config', configFile, ...service.args], env },
      compiledLaunch: { args: [POS_COMPILED, '--config', configFile, 'run'], env },
      token: () => token,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function simulatedDefaultTerminal(): TerminalSetup {
  if (existsSync(SYSTEM_CONFIG)) throw new Error(`${SYSTEM_CONFIG} exists: pos run would use it, not the simulated default`);
  const stateDir = mkdtempSync(join(tmpdir(), 'pos-bench-startup-sim-'));
  const launch = { args: [POS_CLI, 'run', '--ecr-port', '0'], env: quietEnv({ POS_STATE_DIR: stateDir }) };
  return {
    launch,
    compiledLaunch: { ...launch, args: [POS_COMPILED, ...launch.args.slice(1)] },
    token: () => readFileSync(join(stateDir, 'ecr.token'), 'latin1').trim(),
    close: () => {
      rmSync(stateDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

function posBin(): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { bin?: { pos?: string } };
  const bin = manifest.bin?.pos;
  if (bin === undefined) throw new Error('package.json names no bin.pos');
  return bin;
}
