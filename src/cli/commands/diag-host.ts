/**
 * `pos diag host [--json]`: one echo test (0800, DE 70 = 301) against the
 * configured host, MAC'd like every other message, with the round-trip time.
 * `--json` prints `{ "ok": true, "rttMs": 1.2 }`, or `{ "ok": false,
 * "error": "HOST_…" }` with exit 1.
 */
import type { Command } from 'commander';
import { echoHost } from '../../app/host-echo.js';
import { loadConfig } from '../../config/load.js';
import { asPosError } from '../../util/errors.js';
import { action, EXIT_FAILURE, printJson } from '../errors.js';
import type { RegisterCommand } from './index.js';

export function diagCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'diag') ?? program.command('diag').description('diagnostics for a technician on site');
}

export const registerDiagHost: RegisterCommand = (program: Command) => {
  const diag = diagCommand(program);
  diag
    .command('host')
    .description('send one echo test (0800/301) to the configured host and print the round-trip time')
    .option('--json', 'print { ok, rttMs } or { ok: false, error }')
    .action(
      action('pos diag host', async (own: { json?: boolean }) => {
        // `--json` may land on `diag` (which has its own) or on `host`: either means JSON.
        const opts = { json: own.json === true || diag.opts<{ json?: boolean }>().json === true };
        const { config } = loadConfig({ path: program.opts<{ config?: string }>().config });
        try {
          const { host, rttMs } = await echoHost(config);
          if (opts.json === true) printJson({ ok: true, rttMs });
          else process.stdout.write(`host ${host} answered the echo in ${rttMs} ms\n`);
        } catch (err) {
          if (opts.json !== true) throw err;
          printJson({ ok: false, error: asPosError(err, 'pos diag host').code });
          process.exitCode = EXIT_FAILURE;
        }
      }),
    );
};
