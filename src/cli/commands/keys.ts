/** `pos keys init [--json]`: its command line. Provisioning (`../actions/keys.ts`) is loaded only when the command runs. */
import type { Command } from 'commander';
import type { KeysInitOptions } from '../actions/keys.js';
import { configPathOf } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerKeys: RegisterCommand = (program: Command) => {
  const keys = program.command('keys').description('the device key folder');
  keys
    .command('init')
    .description('make every device key and the ECR token this config needs (never overwrites; acquirer keys are reported missing)')
    .option('--json', 'print what was made, kept and is missing as JSON')
    .action(lazyAction('pos keys init', () => import('../actions/keys.js'), (m, opts: KeysInitOptions) => m.runKeysInit(opts, configPathOf(program))));
};
