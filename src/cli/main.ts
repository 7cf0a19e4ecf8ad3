#!/usr/bin/env node
/**
 * `pos`: the terminal's command line. Each subcommand lives in `commands/`.
 */
import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { reportError } from './errors.js';

const program = new Command('pos')
  .description('Payment terminal for a Raspberry Pi: card reader, PIN pad, display, bank host.')
  .option('-c, --config <file>', 'configuration file (default: $POS_CONFIG, then /etc/pos-terminal/config.json, then the simulated default)')
  .showHelpAfterError()
  .exitOverride();

for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportError(err, 'pos');
}
