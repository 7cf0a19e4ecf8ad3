/**
 * `pos <command> …` run in this process through commander, as `main.ts` does,
 * with only the commands `register` adds: quicker than spawning the built CLI,
 * for tests that check a command's output and exit code. stdout and stderr are
 * captured, not printed.
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

/**
 * Runs `pos …args`. The exit code is `process.exitCode` afterwards, which the
 * caller resets between tests (a command sets it only on failure).
 */
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
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
}
