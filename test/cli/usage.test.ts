/**
 * A wrong command line ends as one `CLI_USAGE: …` line (plus one hint line
 * where the help is the fix) and exit 2: never commander's text followed by
 * the whole help, never `INTERNAL`, never the value typed. (The built CLI as a
 * process: test/cli/spawned.test.ts.)
 */
import { CommanderError, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerRun } from '../../src/cli/commands/run.js';
import { parsePort } from '../../src/cli/options.js';
import { usageError } from '../../src/cli/program.js';
import { runCli } from './in-process.js';

describe('a bad option value', () => {
  it.each([['abc'], ['70000'], ['-1'], [''], ['0x50'], ['8e1'], [' 80']])('pos run --ecr-port %j: one CLI_USAGE line naming the option, exit 2', async (value) => {
    const run = await runCli(['run', '--ecr-port', value], [registerRun]);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("CLI_USAGE: option '--ecr-port <port>' has a bad value: a port is a number from 0 to 65535 (0 picks a free one)\n");
  });

  it('parsePort takes exactly the decimal ports 0 to 65535', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: -10, max: 70_000 }).map(String)), (text) => {
        const valid = /^\d{1,5}$/.test(text) && Number(text) <= 65535;
        if (valid) expect(parsePort(text)).toBe(Number(text));
        else expect(() => parsePort(text)).toThrow(InvalidArgumentError);
      }),
    );
  });

  it('never repeats the value typed, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const option = new CommanderError(1, 'commander.invalidArgument', `error: option '--key <hex>' argument '${value}' is invalid. not 32 hex digits`);
        expect(usageError(option, 'pos crypto kcv').message).toBe("option '--key <hex>' has a bad value: not 32 hex digits");
        const argument = new CommanderError(1, 'commander.invalidArgument', `error: command-argument value '${value}' is invalid for argument 'hex'. not hex`);
        expect(usageError(argument, 'pos tlv decode').message).toBe("argument 'hex' has a bad value: not hex");
      }),
    );
  });
});

describe('an unknown option or command', () => {
  it.each<[string[], string]>([
    [['run', '--bogus'], "CLI_USAGE: unknown option '--bogus'\nsee 'pos run --help'\n"],
    [['run', '--ecr-prt', '1'], "CLI_USAGE: unknown option '--ecr-prt' (Did you mean --ecr-port?)\nsee 'pos run --help'\n"],
    [['--bogus'], "CLI_USAGE: unknown option '--bogus'\nsee 'pos --help'\n"],
    [['bogus'], "CLI_USAGE: unknown command 'bogus'\nsee 'pos --help'\n"],
    [['rnu'], "CLI_USAGE: unknown command 'rnu' (Did you mean run?)\nsee 'pos --help'\n"],
    [['run', 'now'], "CLI_USAGE: too many arguments for 'run'. Expected 0 arguments but got 1.\nsee 'pos run --help'\n"],
  ])('pos %j: one CLI_USAGE line and one hint, exit 2', async (args, stderr) => {
    const run = await runCli(args);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(stderr);
  });

  it('a subcommand of a subcommand names its own help', async () => {
    const run = await runCli(['journal', 'ls', '--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("CLI_USAGE: unknown option '--bogus'\nsee 'pos journal ls --help'\n");
  });

  it('--help still prints the help on stdout and exits 0', async () => {
    const run = await runCli(['run', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^Usage: pos run \[options\]/);
    expect(run.stderr).toBe('');
  });
});
