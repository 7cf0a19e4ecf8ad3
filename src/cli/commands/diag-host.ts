/**
 * `pos diag host [--json]`: one echo test (0800, DE 70 = 301) against the
 * configured ISO 8583 host, over the same channel the terminal uses (TCP or
 * mutual TLS, its length header), and the round-trip time.
 *
 *   ok:      host tls://10.0.0.5:5800 answered the echo in 12.4 ms   | { "ok": true, "rttMs": 12.4 }
 *   failure: HOST_TIMEOUT: …  (exit 1)                                | { "ok": false, "error": "HOST_TIMEOUT" } (exit 1)
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { iso8583ChannelFromConfig } from '../../host/channels/from-config.js';
import { matchKey } from '../../host/channels/match-key.js';
import { assertHostTransportAllowed } from '../../host/channels/production-guard.js';
import { iso8583NetworkExchange, NetworkManager, NETWORK_CODE_ECHO, type NetworkCodeUsed } from '../../host/network-management.js';
import { DIALECTS } from '../../iso8583/dialects/index.js';
import type { Iso8583Message } from '../../iso8583/message.js';
import { encodeMessage } from '../../iso8583/message-codec.js';
import { asPosError, PosError } from '../../util/errors.js';
import { action, EXIT_FAILURE, printJson } from '../errors.js';
import type { RegisterCommand } from './index.js';

/** DE 70 and DE 39 of the 0800/0810 (until the message set's builders are wired here). */
const NETWORK_CODE_FIELD = 70;
const APPROVED = '00';

export const registerDiagHost: RegisterCommand = (program: Command) => {
  const diag = program.commands.find((c) => c.name() === 'diag') ?? program.command('diag').description('diagnostics');
  diag
    .command('host')
    .description('send one echo test (0800/301) to the configured host and print the round-trip time')
    .option('--json', 'print { ok, rttMs } or { ok: false, error }')
    .action(
      action('pos diag host', async (opts: { json?: boolean }) => {
        const { config } = loadConfig({ path: program.opts<{ config?: string }>().config });
        const host = config.host;
        try {
          if (host.type !== 'iso8583-tcp') {
            throw new PosError('CONFIG_INVALID', `pos diag host needs an iso8583-tcp host; the configuration has ${host.type}`, { field: 'host.type', value: host.type });
          }
          assertHostTransportAllowed(host);
          const dialect = DIALECTS[host.dialect];
          const channel = iso8583ChannelFromConfig(host, { dialect });
          const tid = config.terminal.id;
          const manager = new NetworkManager({
            exchange: iso8583NetworkExchange({
              channel,
              timeoutMs: host.timeoutMs,
              encode: (code: NetworkCodeUsed, stan: string) => ({
                bytes: encodeMessage(dialect, { mti: '0800', fields: { 7: transmission(new Date()), 11: stan, 41: tid, [NETWORK_CODE_FIELD]: code } }),
                key: matchKey('0800', stan, tid),
              }),
              check: (_code, reply: Iso8583Message) => {
                const rc = reply.get(39);
                if (rc !== APPROVED) throw new PosError('HOST_BAD_RESPONSE', `The host answered the echo with ${String(rc)}`, { field: 39, reason: 'declined' });
              },
            }),
            nextStan: () => String(1 + Math.floor(Math.random() * 999_999)).padStart(6, '0'),
            echoIntervalMs: 0,
            lastTrafficAt: () => channel.lastTrafficAt,
          });
          try {
            const { rttMs } = await manager.echo();
            const rounded = Math.round(rttMs * 10) / 10;
            if (opts.json === true) printJson({ ok: true, rttMs: rounded });
            else process.stdout.write(`host ${channel.description} answered the echo (${NETWORK_CODE_ECHO}) in ${rounded} ms\n`);
          } finally {
            await channel.close();
          }
        } catch (err) {
          if (opts.json !== true) throw err;
          printJson({ ok: false, error: asPosError(err, 'pos diag host').code });
          process.exitCode = EXIT_FAILURE;
        }
      }),
    );
};

function transmission(at: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
}
