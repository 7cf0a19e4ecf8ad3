/**
 * What `pos host-sim` does (its command line: `../commands/host-sim.ts`):
 * starts the bank-host simulator, prints one line per listener with its bound
 * address, then `ready`, and stops on SIGINT or SIGTERM, removing the
 * throwaway PKI.
 */
import { loadDeck } from '../../../hw-mocks/cards/deck.js';
import { parseFaultRule, type FaultRule } from '../../../hw-mocks/host/faults.js';
import { startHostSimServer } from '../../../hw-mocks/host/host-sim-server.js';
import type { LengthHeader } from '../../host/channels/length-prefix-framer.js';
import { dialectByName } from '../../iso8583/dialects/index.js';
import { createLogger } from '../../log/logger.js';
import { isPosError, PosError } from '../../util/errors.js';

export interface HostSimOptions {
  port: number;
  host: string;
  tls?: boolean;
  header: LengthHeader;
  dialect: string;
  cards?: string;
  adminPort?: number;
  httpsPort?: number;
  /** `--fault` rules as typed. */
  fault: string[];
  ioThread: boolean;
}

export async function runHostSim(opts: HostSimOptions): Promise<void> {
  const faults = opts.fault.map(faultRule);
  const deck = opts.cards === undefined ? loadDeck() : loadDeck(opts.cards);
  const sim = await startHostSimServer({
    deck,
    host: opts.host,
    port: opts.port,
    tls: opts.tls === true,
    lengthHeader: opts.header,
    dialect: dialectByName(opts.dialect),
    faults,
    ioThread: opts.ioThread,
    logger: createLogger({ name: 'host-sim' }),
    ...(opts.adminPort === undefined ? {} : { adminPort: opts.adminPort }),
    ...(opts.httpsPort === undefined ? {} : { httpsPort: opts.httpsPort }),
  });
  for (const e of sim.endpoints) process.stdout.write(`${e.name} ${e.url}\n`);
  if (sim.pki !== null) process.stdout.write(`pki ${sim.pki.dir} (ca.crt client.crt client.key)\n`);
  process.stdout.write(`ready (${deck.cards.length} cards, ${opts.fault.length} fault rule(s))\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.stop();
  process.stdout.write(`host-sim stopped after ${sim.issuer.ledger.length} request(s)\n`);
}

/** A `--fault` rule; a bad one is a usage error naming the option, as commander's own are. */
function faultRule(text: string): FaultRule {
  try {
    return parseFaultRule(text);
  } catch (err) {
    const why = isPosError(err) ? `${err.code}: ${err.message}` : 'bad fault rule';
    throw new PosError('CLI_USAGE', `option '--fault <rule>' has a bad value: ${why}`, { command: 'pos host-sim', reason: 'invalidArgument' });
  }
}
