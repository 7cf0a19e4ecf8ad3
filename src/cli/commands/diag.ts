/**
 * `pos diag`: the command lines of a technician's diagnostics on site — the
 * one summary screen (`pos diag`), the host's echo (`pos diag host`) and the
 * devices (`pos diag devices`). Each check (`../actions/diag-*.ts`) is loaded
 * only when it runs. `--json` may land on `diag` (which has its own) or on the
 * subcommand: either means JSON.
 */
import type { Command } from 'commander';
import type { DiagOptions } from '../actions/diag-summary.js';
import { configPathOf } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerDiag: RegisterCommand = (program: Command) => {
  const diag = program.command('diag').description('diagnostics for a technician on site');
  const json = (own: { json?: boolean }): boolean => own.json === true || diag.opts<{ json?: boolean }>().json === true;
  diag
    .command('host')
    .description('send one echo test (0800/301) to the configured host and print the round-trip time')
    .option('--json', 'print { ok, rttMs } or { ok: false, error }')
    .action(lazyAction('pos diag host', () => import('../actions/diag-host.js'), (m, own: { json?: boolean }) => m.runDiagHost({ json: json(own) }, configPathOf(program))));
  diag
    .command('devices')
    .description('list serial ports, HID devices (known IDs marked) and PC/SC readers, and check each configured device')
    .option('--json', 'print the report as JSON')
    .action(lazyAction('pos diag devices', () => import('../actions/diag-devices.js'), (m, own: { json?: boolean }) => m.runDiagDevices({ json: json(own) }, configPathOf(program))));
  diag
    .option('--json', 'print the summary as JSON')
    .action(lazyAction('pos diag', () => import('../actions/diag-summary.js'), (m, opts: DiagOptions) => m.runDiagSummary(opts, configPathOf(program))));
};
