/**
 * Every `pos` subcommand registers itself here. A new command is a new file in
 * this folder and one line below.
 */
import type { Command } from 'commander';
import { registerCrypto } from './crypto.js';
import { registerHostSim } from './host-sim.js';
import { registerTlv } from './tlv.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [
  registerCrypto,
  registerHostSim,
  registerTlv,
];
