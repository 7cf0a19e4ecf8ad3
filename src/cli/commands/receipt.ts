/**
 * `pos receipt`: one receipt copy to standard output, rendered from the
 * journal as the printer would print it (`../actions/receipt.ts`, loaded
 * only when it runs). Reads the journal, never writes it.
 *
 *   pos receipt <id> [--copy customer|merchant] [--width 32|42|48] [--dir D]
 */
import { Command, Option } from 'commander';
import type { ReceiptFlags } from '../actions/receipt.js';
import { configPathOf } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerReceipt: RegisterCommand = (program: Command) => {
  program
    .command('receipt')
    .description('Print a transaction\'s receipt from the journal to standard output (masked card data only).')
    .argument('<id>', 'the transaction id')
    .addOption(new Option('--copy <copy>', 'which copy').choices(['customer', 'merchant']).default('customer'))
    .addOption(new Option('--width <columns>', 'paper width in columns (default: the configured printer\'s, else 32)').choices(['32', '42', '48']))
    .option('--dir <dir>', 'the journal folder (default: journal.dir from the config)')
    .action(lazyAction('receipt', () => import('../actions/receipt.js'), (m, id: string, flags: ReceiptFlags) => m.runReceipt(id, flags, configPathOf(program))));
};
