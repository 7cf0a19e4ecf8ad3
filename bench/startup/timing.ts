/**
 * One start of a command, timed from the spawn: either to its exit (a
 * command that prints and ends, `pos --help`) or to "ready" — a line on its
 * stdout naming its ECR API, then that API's `GET /v1/health` answering 200
 * (`pos run`). Memory is read from `/proc` (`process-memory.ts`): sampled
 * every few milliseconds for a command that exits (its high-water mark just
 * before it goes), at ready and again after an idle spell for one that stays.
 * The main thread's CPU time (`process-cpu.ts`) is read at the same moments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMainThreadCpuMs } from './process-cpu.js';
import { readProcessMemory, type MemorySample } from './process-memory.js';

export interface Launch {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface ExitRun {
  readonly wallMs: number;
  /** The last high-water mark read before the process went: a lower bound of its peak. */
  readonly peakBytes: number;
  /** The main thread's CPU time, last read before the process went; NaN where the kernel does not say. */
  readonly cpuMs: number;
}

export interface ReadyRun {
  readonly readyMs: number;
  /** The main thread's CPU time at ready; NaN where the kernel does not say. */
  readonly cpuMs: number;
  readonly atReady: MemorySample;
  readonly afterIdle: MemorySample;
}

/** How often a short-lived process's memory is sampled. */
const SAMPLE_EVERY_MS = 2;
/** A start slower than this is a hang, not a measurement. */
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/** Runs `node …args` to its end, which must be exit code 0. */
export async function timeToExit(launch: Launch): Promise<ExitRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...launch.args], { env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  let peakBytes = 0;
  let cpuMs = Number.NaN;
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    const sample = readProcessMemory(child.pid);
    if (sample !== undefined) peakBytes = Math.max(peakBytes, sample.peakBytes);
    cpuMs = readMainThreadCpuMs(child.pid) ?? cpuMs;
  }, SAMPLE_EVERY_MS);
  try {
    const code = await exitOf(child, START_TIMEOUT_MS);
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`node ${launch.args.join(' ')} exited ${code}: ${output.stderr()}`);
    return { wallMs, peakBytes, cpuMs };
  } finally {
    clearInterval(sampler);
  }
}

export interface ReadyProbe {
  /** The stdout line saying the process serves; group 1 is the ECR API's base URL. */
  readonly readyLine: RegExp;
  /** The bearer token, read once the process is ready (a simulated terminal makes its own on first start). */
  readonly token: () => string;
  /** How long the process is left alone before its idle memory is read. */
  readonly idleMs: number;
}

/** Starts `node …args`, times it to ready, reads its memory at ready and after `idleMs`, then stops it with SIGTERM. */
export async function timeToReady(launch: Launch, probe: ReadyProbe): Promise<ReadyRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...launch.args], { env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  try {
    const url = await Promise.race([
      output.line(probe.readyLine),
      exitOf(child, START_TIMEOUT_MS).then((code) => {
        throw new Error(`node ${launch.args.join(' ')} exited ${code} before ready: ${output.stderr()}`);
      }),
    ]);
    const status = await getHealth(url, probe.token());
    const readyMs = performance.now() - started;
    const cpuMs = (child.pid === undefined ? undefined : readMainThreadCpuMs(child.pid)) ?? Number.NaN;
    if (status !== 200) throw new Error(`GET /v1/health answered ${status}`);
    const atReady = memoryOf(child);
    await sleep(probe.idleMs);
    const afterIdle = memoryOf(child);
    return { readyMs, cpuMs, atReady, afterIdle };
  } finally {
    await stop(child);
  }
}

function memoryOf(child: ChildProcess): MemorySample {
  const sample = child.pid === undefined ? undefined : readProcessMemory(child.pid);
  if (sample === undefined) throw new Error('the process went while being measured');
  return sample;
}

function getHealth(baseUrl: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/v1/health`, { headers: { authorization: `Bearer ${token}` }, timeout: START_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('GET /v1/health timed out')));
    req.once('error', reject);
    req.end();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = exitOf(child, STOP_GRACE_MS).catch(() => {
    child.kill('SIGKILL');
    return exitOf(child, STOP_GRACE_MS);
  });
  child.kill('SIGTERM');
  await exited;
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface Output {
  stderr(): string;
  /** Resolves with group 1 of the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
}

/** Keeps the child's pipes drained (a full pipe would stall it) and watches stdout for a line. */
function collect(child: ChildProcess): Output {
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (value: string) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const found = w.pattern.exec(out)?.[1];
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Only the tail matters, for an error message.
    err = (err + chunk).slice(-4096);
  });
  return {
    stderr: () => err,
    line: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      }),
  };
}
