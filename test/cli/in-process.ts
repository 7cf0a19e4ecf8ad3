/**
 * `pos <command> …` run in this process through commander, as `main.ts` does,
 * with only the commands `register` adds: quicker than spawning the built CLI,
 * for tests that check a command's output and exit code. stdout and stderr are
 * captured, not printed.
 */
import { Command } from 'commander';
import { vi } from 'vitest';

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
    const program = new Command('pos').exitOverride();
    register(program);
    await program.parseAsync(['node', 'pos', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
}
