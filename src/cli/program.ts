/**
 * The `pos` program: the root command with its global options and every
 * subcommand, set up so that a wrong command line ends as one `CLI_USAGE`
 * line plus one hint (`see 'pos run --help'`) and exit 2 — not commander's
 * own message followed by the whole help text.
 */
import { Command, CommanderError } from 'commander';
import { PosError } from '../util/errors.js';
import { COMMANDS, type RegisterCommand } from './commands/index.js';
import { reportError } from './errors.js';

/** Commander's codes for "the help or the version was shown as asked": not errors. */
const SHOWN_AS_ASKED: ReadonlySet<string> = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

export function createProgram(commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('pos')
    .description('Payment terminal for a Raspberry Pi: card reader, PIN pad, display, bank host.')
    .option('-c, --config <file>', 'configuration file (default: $POS_CONFIG, then /etc/pos-terminal/config.json, then the simulated default)')
    .showHelpAfterError(false)
    // The message is printed once, by reportError, as a CLI_USAGE line.
    .configureOutput({ outputError: () => undefined });
  for (const register of commands) register(program);
  overrideExits(program, 'pos');
  return program;
}

/** Parses `argv` (as `process.argv`: node, script, arguments…) and runs the command; every failure is reported, none thrown. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    reportError(err, 'pos');
  }
}

/** Every command, at any depth, throws its usage errors as `CLI_USAGE` with a hint naming its own help. */
function overrideExits(command: Command, path: string): void {
  command.exitOverride((err) => {
    throw SHOWN_AS_ASKED.has(err.code) ? err : usageError(err, path);
  });
  for (const sub of command.commands) overrideExits(sub, `${path} ${sub.name()}`);
}

/**
 * One line from commander's message: without its `error: ` prefix, a
 * "did you mean" suggestion on the same line, and never the value typed for
 * an option or argument (it may be a key or a PAN typed in the wrong place).
 */
export function usageError(err: CommanderError, commandPath: string): PosError {
  const text = err.message
    .replace(/^error: /, '')
    // Greedy: everything up to the last "' is invalid." is the value typed.
    .replace(/^option '([^']*)' (?:argument|value) '[\s\S]*' (?:from env '[^']*' )?is invalid\.\s*/, "option '$1' has a bad value: ")
    .replace(/^command-argument value '[\s\S]*' is invalid for argument '([^']*)'\.\s*/, "argument '$1' has a bad value: ")
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  const reason = err.code.replace(/^commander\./, '');
  // A bad value: the line names the option and what it takes, which is all the help there is to give.
  const hint = reason === 'invalidArgument' ? {} : { hint: `see '${commandPath} --help'` };
  return new PosError('CLI_USAGE', text, { command: commandPath, reason, ...hint });
}
