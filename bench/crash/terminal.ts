/**
 * The terminal under test as its own process (`pos run`), pointed at the
 * external simulator, with its state (journal) and keys in the run's folder.
 * Every start appends a numbered pair of log files, so each life of the
 * terminal — including its last bytes before a `kill -9` — is kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTerminalKeyFolder } from '../../hw-mocks/keys/terminal-key-folder.js';
import { spawnLogged, waitForLine, type Child } from './child.js';

export interface TerminalLayout {
  readonly configFile: string;
  readonly stateDir: string;
  readonly keysDir: string;
  /** The bearer token the terminal's ECR API requires (`<keysDir>/ecr.token`). */
  readonly ecrToken: string;
}

/**
 * Writes the config and the key folder a non-simulator host needs: the
 * journal's PAN-hash key, the ECR API's bearer token, and the simulation terminal MAC key as its TR-31
 * block with the simulation KBPK beside it, so requests are MAC'd as in the
 * field (the key folder is not part of what the hygiene scan reads).
 */
export function prepareTerminal(root: string, hostPort: number): TerminalLayout {
  const stateDir = join(root, 'state');
  const keysDir = join(root, 'keys');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const ecrToken = writeTerminalKeyFolder(keysDir);
  const configFile = join(root, 'config.json');
  const config = {
    ecr: { port: 0 },
    devices: { reader: { type: 'virtual' } },
    // A short timeout keeps an unanswered request (a fault rule) from stretching the run; no echo noise.
    host: { type: 'iso8583-tcp', address: '127.0.0.1', port: hostPort, timeoutMs: 2000, echoIntervalMs: 0 },
    journal: { dir: stateDir },
    // Tips and incremental authorizations, for the register's tip adjustments and increments; refunds always name their purchase.
    transactions: { unreferencedRefunds: false, tips: true, cashbackLimit: 0, incrementalAuthorization: true },
    keys: { dir: keysDir },
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  return { configFile, stateDir, keysDir, ecrToken };
}

export interface TerminalProcess {
  readonly child: Child;
  readonly ecrUrl: string;
}

export interface StartTerminalOptions {
  readonly cli: string;
  readonly layout: TerminalLayout;
  readonly logDir: string;
  /** 1, 2, …: names the log files of this life. */
  readonly life: number;
  readonly env: NodeJS.ProcessEnv;
}

export async function startTerminal(options: StartTerminalOptions): Promise<TerminalProcess> {
  const tag = String(options.life).padStart(3, '0');
  const child = spawnLogged({
    name: `terminal #${options.life}`,
    args: [options.cli, '--config', options.layout.configFile, 'run'],
    env: { ...options.env, POS_STATE_DIR: options.layout.stateDir },
    stdoutFile: join(options.logDir, `terminal-${tag}.stdout`),
    stderrFile: join(options.logDir, `terminal-${tag}.stderr`),
  });
  const match = await waitForLine(child, /^pos-terminal ready: ECR API on (http:\/\/\S+)$/m, 20_000);
  const ecrUrl = match[1];
  if (ecrUrl === undefined) throw new Error('no ECR address');
  return { child, ecrUrl };
}
