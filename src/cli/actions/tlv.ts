/**
 * What `pos tlv` does (its command lines: `../commands/tlv.ts`): a
 * technician's EMV BER-TLV decoder. Hex may contain spaces and newlines; `-`
 * reads it from standard input. Sensitive values are masked (length kept)
 * unless `--unmasked`.
 */
import { readFileSync } from 'node:fs';
import { buildDolData, decode, describe, flatten, type DescribedNode } from '../../emv/index.js';
import { fromLooseHex, toHex } from '../../util/hex.js';

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

export function runTlvDecode(hex: string, flags: DecodeFlags): void {
  process.stdout.write(decodeCommand(readInput(hex), flags));
}

export function runTlvDol(dolHex: string, dataHex: string): void {
  process.stdout.write(dolCommand(readInput(dolHex), dataHex));
}
