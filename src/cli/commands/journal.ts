/**
 * `pos journal`: the command lines that read the transaction journal (never
 * write it). The reading (`../actions/journal.ts`) is loaded only when one runs.
 *
 *   pos journal ls [--since ISO] [--status S] [--json] [--dir D]
 *   pos journal show <id> [--json] [--dir D]
 *   pos journal export --csv [--dir D]
 */
import type { Command } from 'commander';
import type { DirFlag, LsFlags } from '../actions/journal.js';
import { configPathOf } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerJournal: RegisterCommand = (program: Command) => {
  const journal = program.command('journal').description('Read the transaction journal (masked card data only).');
  const dirOption = ['--dir <dir>', 'the journal folder (default: journal.dir from the config)'] as const;
  journal
    .command('ls')
    .description('List journal entries, oldest first.')
    .option('--since <iso>', 'only entries created at or after this ISO 8601 date or date-time')
    .option('--status <state>', 'only entries in this state (created, completed, reversal-pending, advice-pending, …)')
    .option('--json', 'print a JSON array')
    .option(...dirOption)
    .action(lazyAction('journal ls', () => import('../actions/journal.js'), (m, flags: LsFlags & DirFlag) => m.runJournalLs(flags, configPathOf(program))));
  journal
    .command('show')
    .description('Show one entry and its committed steps.')
    .argument('<id>', 'the transaction id')
    .option('--json', 'print JSON')
    .option(...dirOption)
    .action(lazyAction('journal show', () => import('../actions/journal.js'), (m, id: string, flags: { json?: boolean } & DirFlag) => m.runJournalShow(id, flags, configPathOf(program))));
  journal
    .command('export')
    .description('Export entries to standard output.')
    .option('--csv', 'as CSV (RFC 4180, with a header row)')
    .option('--since <iso>', 'only entries created at or after this date')
    .option('--status <state>', 'only entries in this state')
    .option(...dirOption)
    .action(lazyAction('journal export', () => import('../actions/journal.js'), (m, flags: LsFlags & { csv?: boolean } & DirFlag) => m.runJournalExport(flags, configPathOf(program))));
};
