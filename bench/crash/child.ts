/**
 * Child processes of the crash test: each `pos` process runs in its own
 * process group (so `kill -9` also takes the socat it started, as a power cut
 * would, instead of orphaning it), writes stdout and stderr straight into
 * files (so every byte survives a SIGKILL, for the hygiene scan), and is
 * remembered until it has exited, so a failing run still cleans up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly stdoutFile: string;
  readonly stderrFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process has gone. */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  stdout(): string;
  /** SIGKILL to the whole group: the process and everything it started. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL to the group after `graceMs`. Resolves with the exit code. */
  stop(graceMs: number): Promise<number | null>;
}

const live = new Set<Child>();

export interface SpawnOptions {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

export function spawnLogged(options: SpawnOptions): Child {
  // Appending: a restarted terminal adds to the files of the ones before it only if the caller reuses a name.
  const out = openSync(options.stdoutFile, 'a');
  const err = openSync(options.stderrFile, 'a');
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, [...options.args], { env: options.env, stdio: ['ignore', out, err], detached: true });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`${options.name}: spawn failed`);
  let gone = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      gone = true;
      resolve(code);
    });
    proc.once('error', () => {
      gone = true;
      resolve(null);
    });
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const child: Child = {
    name: options.name,
    pid,
    stdoutFile: options.stdoutFile,
    stderrFile: options.stderrFile,
    exited,
    hasExited: () => gone,
    stdout: () => readFileSync(options.stdoutFile, 'utf8'),
    kill9: async () => {
      signalGroup('SIGKILL');
      await exited;
      // The group may outlive its leader for a moment (socat): make sure it is gone too.
      signalGroup('SIGKILL');
    },
    stop: async (graceMs) => {
      if (!gone) proc.kill('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // Anything the process started and did not end itself (it should have) goes with it.
      signalGroup('SIGKILL');
      return code;
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** Kills every child still running (the cleanup of a failed run). */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill9()));
}

/** Polls the child's stdout file until `pattern` matches; rejects when the child exits first or `timeoutMs` passes. */
export async function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.stdout());
    if (match) return match;
    if (child.hasExited()) throw new Error(`${child.name} exited before printing ${pattern} (see ${child.stderrFile})`);
    if (Date.now() > deadline) throw new Error(`${child.name} did not print ${pattern} within ${timeoutMs} ms (see ${child.stderrFile})`);
    await sleep(15);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
