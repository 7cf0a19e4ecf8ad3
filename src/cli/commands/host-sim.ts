/**
 * `pos host-sim`: the command line of the bank-host simulator as a process, for a terminal on
 * another machine, a manual session or a test outside the terminal.
 *
 *   pos host-sim --port N [--host H] [--tls] [--header binary2|ascii4] [--dialect D]
 *                [--cards FILE] [--admin-port M] [--https-port P] [--fault RULE]… [--no-io-thread]
 *
 * Prints on stdout one line per listener with its bound address (port 0 picks
 * a free one; the line says which), e.g.
 *
 *   iso8583 tcp://127.0.0.1:40123
 *   https https://127.0.0.1:40125
 *   admin http://127.0.0.1:40124
 *   pki /tmp/pos-sim-pki-XXXX (ca.crt client.crt client.key)
 *   ready (8 cards)
 *
 * logs (masked) requests on stderr, and stops on SIGINT or SIGTERM (exit 0),
 * removing the throwaway PKI. The ISO 8583 sockets run on a thread of their
 * own beside the issuer (`threaded-listener.ts`); `--no-io-thread` keeps
 * everything on one thread. The simulator (`../actions/host-sim.ts`) is
 * loaded only when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { LengthHeader } from '../../host/channels/length-prefix-framer.js';
import { DIALECT_NAMES, isDialectName } from '../../iso8583/dialects/index.js';
import type { HostSimOptions } from '../actions/host-sim.js';
import { parsePort } from '../options.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const DEFAULT_HOST_SIM_PORT = 5800;
const HEADERS: readonly LengthHeader[] = ['binary2', 'ascii4'];

function parseHeader(value: string): LengthHeader {
  const header = HEADERS.find((h) => h === value);
  if (header === undefined) throw new InvalidArgumentError(`one of ${HEADERS.join(', ')}`);
  return header;
}

function parseDialect(value: string): string {
  if (!isDialectName(value)) throw new InvalidArgumentError(`one of ${DIALECT_NAMES.join(', ')}`);
  return value;
}

/** Fault rules are parsed when the command runs (`../actions/host-sim.ts`): their grammar is the simulator's, which no other command loads. */
function collectFault(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const registerHostSim: RegisterCommand = (program: Command) => {
  program
    .command('host-sim')
    .description('run the bank-host simulator (ISO 8583 over TCP or TLS, optional HTTPS JSON gateway and admin port) until SIGINT/SIGTERM')
    .option('--port <n>', 'ISO 8583 port; 0 picks a free one', parsePort, DEFAULT_HOST_SIM_PORT)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--tls', 'mutual TLS on the ISO 8583 port, with throwaway PKI printed')
    .option('--header <kind>', 'length header: binary2 or ascii4', parseHeader, 'binary2')
    .option('--dialect <name>', `ISO 8583 dialect (${DIALECT_NAMES.join(', ')})`, parseDialect, 'iso87ascii')
    .option('--cards <file>', 'card deck JSON (default: hw-mocks/cards/deck.json)')
    .option('--admin-port <n>', 'admin HTTP port (GET /v1/ledger, /v1/health); 0 picks a free one', parsePort)
    .option('--https-port <n>', 'HTTPS JSON gateway port; 0 picks a free one', parsePort)
    .option('--no-io-thread', 'serve the ISO 8583 sockets on the issuer\'s thread instead of their own')
    .option('--fault <rule>', 'fault rule, repeatable (delay:MS, no-answer, late-answer[:MS], close-mid-message, half-message, garbage, oversized-header, wrong-mac, wrong-stan; ,mti=… ,pan=… ,times=…)', collectFault, [])
    .action(lazyAction('pos host-sim', () => import('../actions/host-sim.js'), (m, opts: HostSimOptions) => m.runHostSim(opts)));
};
