/**
 * Every `pos` subcommand registers itself here. A new command is a new file in
 * this folder and one line below.
 */
import type { Command } from 'commander';
import { registerBatch } from './batch.js';
import { registerCrypto } from './crypto.js';
import { registerDemo } from './demo.js';
import { registerDiagDevices } from './diag-devices.js';
import { registerDiagHost } from './diag-host.js';
import { registerDiagSummary } from './diag-summary.js';
import { registerHostSim } from './host-sim.js';
import { registerJournal } from './journal.js';
import { registerKeys } from './keys.js';
import { registerIso8583 } from './iso8583.js';
import { registerRun } from './run.js';
import { registerTlv } from './tlv.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerRun,
  registerDemo,
  registerCrypto,
  registerHostSim,
  registerDiagHost,
  registerDiagDevices,
  registerDiagSummary,
  registerJournal,
  registerKeys,
  registerBatch,
  registerTlv,
  registerIso8583,
];
