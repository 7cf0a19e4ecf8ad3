/**
 * `pos <command> …` run in this process through commander, as `main.ts` does,
 * with only the commands `register` adds: quicker than spawning the built CLI,
 * for tests that check a command's output and exit code. stdout and stderr are
 * captured, not printed; the exit code is `process.exitCode` after the run
 * (a command sets it only on failure), cleared before and after each run so
 * that no run, nor the test process, inherits another's.
 */
import { Command } from 'commander';
import { vi } from 'vitest';
import type { RegisterCommand } from '../../src/cli/commands/index.js';
import { createProgram, runProgram } from '../../src/cli/program.js';

export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs `pos …args`. */
export async function runPos(register: (program: Command) => void, args: readonly string[]): Promise<CliRun> {
  return captured(async () => {
    const program = new Command('pos').exitOverride();
    register(program);
    await program.parseAsync(['node', 'pos', ...args]);
  });
}

/**
 * Runs `pos …args` as `main.ts` does: the real program (global options,
 * usage errors as one `CLI_USAGE` line), with every command or only `commands`.
 */
export async function runCli(args: readonly string[], commands?: readonly RegisterCommand[]): Promise<CliRun> {
  return captured(() => runProgram(createProgram(commands), ['node', 'pos', ...args]));
}

async function captured(run: () => Promise<void>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await run();
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
