/**
 * A pair of pseudo-terminals joined by socat, so a driver and a virtual device
 * talk over a real tty with the kernel's line discipline in between:
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/host pty,raw,echo=0,link=<dir>/device
 *
 * The driver opens `hostPath` as if it were `/dev/ttyUSB0`; the virtual device
 * opens `devicePath` (see `pty-end.ts`). `close()` ends socat, which the
 * driver sees as the device going away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosError } from '../src/util/errors.js';

export interface PtyPair {
  /** Where the driver (host) opens its port. */
  readonly hostPath: string;
  /** Where the virtual device opens its end. */
  readonly devicePath: string;
  /** socat's process id, for diagnostics. */
  readonly pid: number;
  /** Ends socat and removes the links; idempotent. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Default `socat` from PATH. */
  readonly socatPath?: string;
  /** How long socat may take to make both ptys; default 5000 ms. */
  readonly readyTimeoutMs?: number;
}

const READY_LINE = 'starting data transfer loop';
const POLL_MS = 10;
const KILL_GRACE_MS = 2000;
/** Bytes of socat's diagnostics kept for an error's cause (socat -d -d never logs the data). */
const STDERR_KEEP = 4096;

/** socats still running, ended if this process exits without closing them. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts socat and resolves once both links exist and socat is relaying.
 * Rejects with `DEVICE_PTY_UNAVAILABLE` when socat is not installed and
 * `DEVICE_PTY_FAILED` when it exits or stalls.
 */
export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const socat = options.socatPath ?? 'socat';
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  const dir = await mkdtemp(join(tmpdir(), 'pos-pty-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  const child = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  trackLive(child);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
      await rm(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const fail = (error: PosError): void => {
        if (timer !== undefined) clearTimeout(timer);
        reject(error);
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          fail(new PosError('DEVICE_PTY_UNAVAILABLE', `${socat} not found: install it with \`apt-get install socat\``, { command: socat }, { cause: err }));
        } else {
          fail(new PosError('DEVICE_PTY_FAILED', `Cannot start ${socat}`, { command: socat }, { cause: err }));
        }
      });
      child.once('exit', (code, signal) => {
        fail(new PosError('DEVICE_PTY_FAILED', `${socat} exited before the ptys were ready`, { command: socat, exitCode: code, signal }, { cause: new Error(stderr) }));
      });
      const poll = (): void => {
        if (existsSync(hostPath) && existsSync(devicePath) && stderr.includes(READY_LINE)) {
          resolve();
        } else if (Date.now() - started > readyTimeoutMs) {
          fail(new PosError('DEVICE_PTY_FAILED', `${socat} made no pty pair within ${readyTimeoutMs} ms`, { command: socat, timeoutMs: readyTimeoutMs }, { cause: new Error(stderr) }));
        } else {
          timer = setTimeout(poll, POLL_MS);
        }
      };
      poll();
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { hostPath, devicePath, pid: child.pid ?? -1, close };
}

function trackLive(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}
