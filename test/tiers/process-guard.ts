/**
 * What a tier may not do, made to throw where it happens: a tier's setup file
 * calls these before each of its test files (vitest.config.ts), so a test
 * that opens a socket in the unit tier, or runs the built `pos` outside the
 * system tier, fails naming the tier it belongs to.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { basename } from 'node:path';

const STARTERS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork'] as const;
type Starter = (typeof STARTERS)[number];

/** A process about to start, as the guard sees it. */
export interface ProcessStart {
  /** How it is started (`fork` runs a Node.js module). */
  readonly starter: Starter;
  /** The program's file name (`node`, `socat`, `bash`), for a shell command its first word. */
  readonly program: string;
  /** The program's arguments, for `fork` the module and its arguments; a shell command's whole text for `exec`. */
  readonly args: readonly string[];
}

function refusal(tier: string, what: string, moveTo: string): Error {
  return new Error(`a ${tier} test ${what}: move the file to the ${moveTo} in test/tiers/tiers.ts`);
}

/** Listening on or connecting a socket (TCP, TLS, HTTP, IPC) throws. */
export function refuseSockets(tier: string, moveTo: string): void {
  net.Server.prototype.listen = function listen(): never {
    throw refusal(tier, 'listened on a socket', moveTo);
  };
  net.Socket.prototype.connect = function connect(): never {
    throw refusal(tier, 'connected a socket', moveTo);
  };
}

function describeStart(starter: Starter, args: readonly unknown[]): ProcessStart {
  const first = typeof args[0] === 'string' ? args[0] : '';
  const rest = Array.isArray(args[1]) ? args[1].filter((a): a is string => typeof a === 'string') : [];
  if (starter === 'fork') return { starter, program: basename(process.execPath), args: [first, ...rest] };
  if (starter === 'exec' || starter === 'execSync') return { starter, program: basename(first.trim().split(/\s+/)[0] ?? ''), args: [first] };
  return { starter, program: basename(first), args: rest };
}

/** Starting a process that `allowed` rejects throws, naming it (`refusedAs`). */
export function refuseProcesses(tier: string, moveTo: string, allowed: (start: ProcessStart) => boolean, refusedAs: string): void {
  for (const starter of STARTERS) {
    const original = childProcess[starter] as (...args: unknown[]) => unknown;
    const guarded = (...args: unknown[]): unknown => {
      const start = describeStart(starter, args);
      if (allowed(start)) return original(...args);
      throw refusal(tier, `${refusedAs} (${start.program || starter})`, moveTo);
    };
    Object.defineProperty(childProcess, starter, { value: guarded, configurable: true, writable: true });
  }
  // `import { spawn } from 'node:child_process'` binds the ESM export: bring it in step.
  syncBuiltinESMExports();
}

/** Whether a process runs the built project: Node.js with a module under `dist/`. */
export function runsDist(start: ProcessStart): boolean {
  const node = start.program === basename(process.execPath) || start.program === 'node';
  return (node || start.starter === 'exec' || start.starter === 'execSync') && start.args.some((a) => /(^|[\s/])dist\//.test(a));
}
