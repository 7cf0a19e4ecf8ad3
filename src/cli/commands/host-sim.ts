/**
 * `pos host-sim`: the bank-host simulator as a process, for a terminal on
 * another machine or a manual session. Prints the listening address on
 * stdout, logs (masked) requests on stderr, stops on SIGINT or SIGTERM.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { loadDeck } from '../../../hw-mocks/cards/deck.js';
import { BankHostSimulator } from '../../../hw-mocks/host/bank-host-simulator.js';
import { createLogger } from '../../log/logger.js';
import { action } from '../errors.js';
import type { RegisterCommand } from './index.js';

export const DEFAULT_HOST_SIM_PORT = 5800;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is 0–65535 (0 picks a free one)');
  return port;
}

export const registerHostSim: RegisterCommand = (program: Command) => {
  program
    .command('host-sim')
    .description('run the bank-host simulator (ISO 8583 iso87ascii, two-byte length prefix) until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port; 0 picks a free one', parsePort, DEFAULT_HOST_SIM_PORT)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--cards <file>', 'card deck JSON (default: hw-mocks/cards/deck.json)')
    .action(
      action('pos host-sim', async (opts: { port: number; host: string; cards?: string }) => {
        const deck = opts.cards === undefined ? loadDeck() : loadDeck(opts.cards);
        const sim = new BankHostSimulator({ deck, host: opts.host, port: opts.port, logger: createLogger({ name: 'host-sim' }) });
        await sim.start();
        process.stdout.write(`host-sim listening on ${sim.address} (${deck.cards.length} cards)\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await sim.stop();
        process.stdout.write(`host-sim stopped after ${sim.ledger.length} request(s)\n`);
      }),
    );
};
