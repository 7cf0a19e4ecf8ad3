/**
 * Every `pos` subcommand registers its command line here: name, description,
 * arguments and options, with parsers that load nothing heavy. What a command
 * does lives in `../actions/` and is loaded by `import()` only when it runs,
 * so `pos --help` and each command start with only what they use. A new
 * command is a new file in this folder (and its action) and one line below.
 */
import type { Command } from 'commander';
import { registerBatch } from './batch.js';
import { registerCrypto } from './crypto.js';
import { registerDemo } from './demo.js';
import { registerDiag } from './diag.js';
import { registerHostSim } from './host-sim.js';
import { registerJournal } from './journal.js';
import { registerKeys } from './keys.js';
import { registerReceipt } from './receipt.js';
import { registerIso8583 } from './iso8583.js';
import { registerRun } from './run.js';
import { registerTlv } from './tlv.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerRun,
  registerDemo,
  registerCrypto,
  registerHostSim,
  registerDiag,
  registerJournal,
  registerReceipt,
  registerKeys,
  registerBatch,
  registerTlv,
  registerIso8583,
];
