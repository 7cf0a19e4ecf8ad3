/**
 * `pos diag`: the command lines of a technician's diagnostics on site — the
 * one summary screen (`pos diag`), the host's echo (`pos diag host`), the
 * devices (`pos diag devices`) and the chip card in the reader (`pos diag
 * card`). Each check (`../actions/diag-*.ts`) is loaded
 * only when it runs. `--json` may land on `diag` (which has its own) or on the
 * subcommand: either means JSON.
 */
import { InvalidArgumentError, type Command } from 'commander';
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
    .command('card')
    .description('read the chip card in a PC/SC reader without a transaction: ATR, applications, AIP and AFL, CVM list, ODA, masked PAN and expiry')
    .option('--json', 'print the report as JSON')
    .option('--reader <regex>', "the PC/SC reader, a pattern over pcscd's reader names (default: the configured pcsc reader, else the first reader)", parseReaderPattern)
    .option('--wait <seconds>', `how long to wait for a card, 1 to ${MAX_WAIT_SECONDS}`, parseWaitSeconds, DEFAULT_WAIT_SECONDS)
    .option('--aid <hex>', 'read this application (its AID) instead of the highest priority one', parseAid)
    .action(
      lazyAction('pos diag card', () => import('../actions/diag-card.js'), (m, own: { json?: boolean; reader?: string; wait: number; aid?: string }) =>
        m.runDiagCard({ json: json(own), waitSeconds: own.wait, ...(own.reader === undefined ? {} : { reader: own.reader }), ...(own.aid === undefined ? {} : { aid: own.aid }) }, configPathOf(program)),
      ),
    );
  diag
    .option('--json', 'print the summary as JSON')
    .action(lazyAction('pos diag', () => import('../actions/diag-summary.js'), (m, opts: DiagOptions) => m.runDiagSummary(opts, configPathOf(program))));
};

const DEFAULT_WAIT_SECONDS = 10;
const MAX_WAIT_SECONDS = 600;

function parseReaderPattern(text: string): string {
  try {
    new RegExp(text, 'u');
  } catch {
    throw new InvalidArgumentError('not a regular expression');
  }
  return text;
}

/** Whole seconds, digits only; at least one, so the slot gets its first look at pcscd. */
function parseWaitSeconds(text: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > MAX_WAIT_SECONDS) throw new InvalidArgumentError(`whole seconds from 1 to ${MAX_WAIT_SECONDS}`);
  return Number(text);
}

/** An AID: 5 to 16 bytes in hex (RID and PIX, Book 1 §12.2.1). */
function parseAid(text: string): string {
  if (!/^(?:[0-9A-Fa-f]{2}){5,16}$/.test(text)) throw new InvalidArgumentError('an AID is 5 to 16 bytes in hex');
  return text.toUpperCase();
}
