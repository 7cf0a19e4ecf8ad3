/**
 * Makes sure pcscd runs, for the tests and simulations that plug virtual
 * cards into it through vpcd: if its socket answers (a running daemon, or
 * systemd's socket activation on a desktop), nothing is done; otherwise
 * pcscd is started in the foreground as a child of this process (a
 * container or CI job has no systemd) and stopped again by `stop()`.
 * pcscd creates its own /run/pcscd, so starting it needs root (CI runs as
 * root); a developer's machine normally has it from systemd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** pcsc-lite's client socket; `PCSCLITE_CSOCK_NAME` moves it (for pcscd and its clients alike). */
export function pcscdSocketPath(): string {
  return process.env['PCSCLITE_CSOCK_NAME'] ?? '/run/pcscd/pcscd.comm';
}

export type PcscdAvailability =
  | { readonly status: 'running'; readonly started: false }
  | { readonly status: 'running'; readonly started: true; readonly pid: number; readonly logFile: string; stop(): Promise<void> }
  | { readonly status: 'unavailable'; readonly reason: string };

export interface EnsurePcscdOptions {
  /** Where a pcscd started here writes its log. Default: pos-terminal-pcscd.log in the temp folder. */
  readonly logFile?: string;
  /** How long a started pcscd has to open its socket. Default 5000 ms. */
  readonly readyTimeoutMs?: number;
}

const SBIN_FOLDERS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

export async function ensurePcscd(options: EnsurePcscdOptions = {}): Promise<PcscdAvailability> {
  const socket = pcscdSocketPath();
  if (await socketAnswers(socket)) return { status: 'running', started: false };
  const binary = findPcscd();
  if (binary === undefined) return { status: 'unavailable', reason: 'pcscd is not installed (scripts/install-system-deps.sh installs pcscd and vsmartcard-vpcd)' };

  const logFile = options.logFile ?? join(tmpdir(), 'pos-terminal-pcscd.log');
  const log = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['--foreground'], { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', () => undefined); // a spawn failure shows as the exit below
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  while (Date.now() < deadline && gone === undefined) {
    if (await socketAnswers(socket)) {
      const pid = child.pid ?? -1;
      return { status: 'running', started: true, pid, logFile, stop: () => stop(child, exited) };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = gone === undefined ? 'did not open its socket in time' : `exited with ${String(gone)}`;
  if (gone === undefined) await stop(child, exited);
  const tail = readTail(logFile);
  const hint = process.getuid?.() === 0 ? '' : ' (starting pcscd needs root: or start the system one, e.g. systemctl start pcscd.socket)';
  return { status: 'unavailable', reason: `pcscd ${why}${hint}${tail === '' ? ` (its log: ${logFile})` : `: ${tail}`}` };
}

/** Whether something accepts connections on pcscd's unix socket. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function findPcscd(): string | undefined {
  const folders = [...(process.env['PATH'] ?? '').split(delimiter).filter((f) => f !== ''), ...SBIN_FOLDERS];
  for (const folder of folders) {
    const candidate = join(folder, 'pcscd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** The last lines of a log, on one line. */
function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
