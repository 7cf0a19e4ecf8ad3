/** `pos demo`: its command line. The demo (`../actions/demo.ts`) is loaded only when the command runs. */
import type { Command } from 'commander';
import type { DemoOptions } from '../actions/demo.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerDemo: RegisterCommand = (program: Command) => {
  program
    .command('demo')
    .description('run scripted purchases through the whole stack on virtual devices and the host simulator')
    .option('--json', 'print the results as a JSON array')
    .option('--show-display', 'print what the customer display shows, on stderr')
    .action(lazyAction('pos demo', () => import('../actions/demo.js'), (m, opts: DemoOptions) => m.runDemo(opts)));
};
