/**
 * Option parsers shared by `pos` subcommands. A bad value throws commander's
 * `InvalidArgumentError`, which the program turns into one `CLI_USAGE` line
 * (exit 2) naming the option, not the value typed.
 */
import { InvalidArgumentError, type Command } from 'commander';

const MAX_PORT = 65535;

/** A TCP port as decimal digits, 0 to 65535 (0 lets the system pick a free one). */
export function parsePort(text: string): number {
  // Digits only: Number() alone would take '', ' 80', '0x50' and '8e1'.
  if (!/^\d{1,5}$/.test(text) || Number(text) > MAX_PORT) throw new InvalidArgumentError(`a port is a number from 0 to ${MAX_PORT} (0 picks a free one)`);
  return Number(text);
}

/** The root's `--config <file>`, as every subcommand that reads the configuration passes it on. */
export function configPathOf(program: Command): string | undefined {
  return program.opts<{ config?: string }>().config;
}
