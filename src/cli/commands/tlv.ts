/**
 * `pos tlv`: a technician's EMV BER-TLV decoder.
 *
 *   pos tlv decode <hex|->  [--json] [--unmasked] [--strict]
 *   pos tlv dol <dol-hex> --data <tlv-hex>
 *
 * Hex may contain spaces and newlines; `-` reads it from standard input.
 * Sensitive values are masked (length kept) unless `--unmasked`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildDolData, decode, describe, flatten, type DescribedNode } from '../../emv/index.js';
import { fromLooseHex, toHex } from '../../util/hex.js';
import { action } from '../errors.js';
import type { RegisterCommand } from './index.js';

export interface DecodeFlags {
  readonly json?: boolean;
  readonly unmasked?: boolean;
  readonly strict?: boolean;
}

/** The JSON nodes exactly as `--json` prints them (no `summary`). */
export function toJsonNodes(nodes: readonly DescribedNode[]): unknown[] {
  return nodes.map((n) => ({
    tag: n.tag,
    name: n.name,
    constructed: n.constructed,
    length: n.length,
    value: n.value,
    ...(n.children === undefined ? {} : { children: toJsonNodes(n.children) }),
    ...(n.decoded === undefined ? {} : { decoded: n.decoded }),
  }));
}

/** The indented tree: `tag name (length) value`, then the meaning on its own line. */
export function renderTree(nodes: readonly DescribedNode[], indent = ''): string {
  let out = '';
  for (const n of nodes) {
    const head = `${indent}${n.tag} ${n.name} (${n.length})`;
    out += n.constructed ? `${head}\n` : `${head}: ${n.value}\n`;
    if (n.summary !== undefined) out += `${indent}  = ${n.summary}\n`;
    if (n.children !== undefined) out += renderTree(n.children, indent + '  ');
  }
  return out;
}

/** `tlv decode`: returns what goes to stdout; throws a `PosError` on bad input. */
export function decodeCommand(hexText: string, flags: DecodeFlags = {}): string {
  const bytes = fromLooseHex(hexText, 'TLV hex');
  const described = describe(decode(bytes, { strict: flags.strict === true }), { unmasked: flags.unmasked === true });
  return flags.json === true ? JSON.stringify(toJsonNodes(described), null, 2) + '\n' : renderTree(described);
}

/** `tlv dol`: the DOL-related data built from a TLV data store, as hex. */
export function dolCommand(dolHex: string, dataHex: string): string {
  const store = flatten(decode(fromLooseHex(dataHex, '--data')));
  return toHex(buildDolData(fromLooseHex(dolHex, 'DOL hex'), store)) + '\n';
}

function readInput(arg: string): string {
  return arg === '-' ? readFileSync(0, 'latin1') : arg;
}

export const registerTlv: RegisterCommand = (program: Command) => {
  const tlv = program.command('tlv').description('Decode EMV BER-TLV data and build DOL data.');
  tlv
    .command('decode')
    .description('Decode BER-TLV hex (or - for standard input) into a tree with tag names and meanings.')
    .argument('<hex>', 'the TLV data as hex; spaces and newlines are ignored; - reads standard input')
    .option('--json', 'print an array of nodes as JSON')
    .option('--unmasked', 'show PAN, track data and other sensitive values in clear')
    .option('--strict', 'reject length fields that are not in minimal form')
    .action(
      action('tlv decode', (hex: string, flags: DecodeFlags) => {
        process.stdout.write(decodeCommand(readInput(hex), flags));
      }),
    );
  tlv
    .command('dol')
    .description('Build the data a DOL (PDOL, CDOL1, …) asks for from a TLV data store, and print it as hex.')
    .argument('<dol-hex>', 'the DOL as hex')
    .requiredOption('--data <tlv-hex>', 'the data store as BER-TLV hex')
    .action(
      action('tlv dol', (dolHex: string, flags: { data: string }) => {
        process.stdout.write(dolCommand(readInput(dolHex), flags.data));
      }),
    );
};
