/** `pos batch close [--json]`: its command line. Settlement (`../actions/batch.ts`) is loaded only when the command runs. */
import type { Command } from 'commander';
import type { BatchCloseOptions } from '../actions/batch.js';
import { configPathOf } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerBatch: RegisterCommand = (program: Command) => {
  program
    .command('batch')
    .description('settlement')
    .command('close')
    .description("send the journal's totals to the host (0500) and close the batch when the host agrees")
    .option('--json', 'print the result as JSON')
    .action(lazyAction('pos batch close', () => import('../actions/batch.js'), (m, opts: BatchCloseOptions) => m.runBatchClose(opts, configPathOf(program))));
};
