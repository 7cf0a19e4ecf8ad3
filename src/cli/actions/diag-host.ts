/**
 * What `pos diag host [--json]` does: one echo test (0800, DE 70 = 301)
 * against the configured host, MAC'd like every other message, with the
 * round-trip time. `--json` prints `{ "ok": true, "rttMs": 1.2 }`, or
 * `{ "ok": false, "error": "HOST_…" }` with exit 1.
 */
import { echoHost } from '../../app/host-echo.js';
import { loadConfig } from '../../config/load.js';
import { asPosError } from '../../util/errors.js';
import { EXIT_FAILURE, printJson } from '../errors.js';

export interface DiagHostOptions {
  readonly json: boolean;
}

export async function runDiagHost(opts: DiagHostOptions, configPath: string | undefined): Promise<void> {
  const { config } = loadConfig({ path: configPath });
  try {
    const { host, rttMs } = await echoHost(config);
    if (opts.json) printJson({ ok: true, rttMs });
    else process.stdout.write(`host ${host} answered the echo in ${rttMs} ms\n`);
  } catch (err) {
    if (!opts.json) throw err;
    printJson({ ok: false, error: asPosError(err, 'pos diag host').code });
    process.exitCode = EXIT_FAILURE;
  }
}
