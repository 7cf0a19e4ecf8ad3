/**
 * `pos tlv`: the command lines of a technician's EMV BER-TLV decoder. The
 * decoder (`../actions/tlv.ts`) is loaded only when one runs.
 *
 *   pos tlv decode <hex|->  [--json] [--unmasked] [--strict]
 *   pos tlv dol <dol-hex> --data <tlv-hex>
 */
import type { Command } from 'commander';
import type { DecodeFlags } from '../actions/tlv.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

export const registerTlv: RegisterCommand = (program: Command) => {
  const tlv = program.command('tlv').description('Decode EMV BER-TLV data and build DOL data.');
  tlv
    .command('decode')
    .description('Decode BER-TLV hex (or - for standard input) into a tree with tag names and meanings.')
    .argument('<hex>', 'the TLV data as hex; spaces and newlines are ignored; - reads standard input')
    .option('--json', 'print an array of nodes as JSON')
    .option('--unmasked', 'show PAN, track data and other sensitive values in clear')
    .option('--strict', 'reject length fields that are not in minimal form')
    .action(lazyAction('tlv decode', () => import('../actions/tlv.js'), (m, hex: string, flags: DecodeFlags) => m.runTlvDecode(hex, flags)));
  tlv
    .command('dol')
    .description('Build the data a DOL (PDOL, CDOL1, …) asks for from a TLV data store, and print it as hex.')
    .argument('<dol-hex>', 'the DOL as hex')
    .requiredOption('--data <tlv-hex>', 'the data store as BER-TLV hex')
    .action(lazyAction('tlv dol', () => import('../actions/tlv.js'), (m, dolHex: string, flags: { data: string }) => m.runTlvDol(dolHex, flags.data)));
};
