/** `pos run`: its command line. The terminal (`../actions/run.ts`) is loaded only when the command runs. */
import type { Command } from 'commander';
import type { RunOptions } from '../actions/run.js';
import { configPathOf, parsePort } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerRun: RegisterCommand = (program: Command) => {
  program
    .command('run')
    .description('run the terminal: card reader, display, host channel and the local ECR API')
    .option('--ecr-port <port>', 'listen on this port instead of the configured one', parsePort)
    .action(lazyAction('pos run', () => import('../actions/run.js'), (m, opts: RunOptions) => m.runTerminal(opts, configPathOf(program))));
};
