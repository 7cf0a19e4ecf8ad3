/**
 * A decoded BER-TLV tree (EMV 4.4 Book 3 Annex B) described for people and
 * for JSON: names from the dictionary, the value as hex, the interpreted
 * meaning, and sensitive values masked in place. A constructed object's own
 * value hex is masked too, wherever a sensitive child sits inside it, so card
 * data cannot leak through a template.
 */
import { maskPan } from '../util/sensitive.js';
import { toHex } from '../util/hex.js';
import type { TlvNode } from './ber-tlv.js';
import { interpret, type Decoded, type InterpretContext } from './interpret/index.js';
import { parseNumericCode } from './interpret/values.js';
import { isSensitiveTag, lookupTag } from './tag-dictionary.js';
import { find } from './tlv-query.js';

export interface DescribedNode {
  readonly tag: string;
  readonly name: string;
  readonly constructed: boolean;
  readonly length: number;
  /** Uppercase hex of the raw value; masked (same length) for sensitive data unless `unmasked`. */
  readonly value: string;
  readonly children?: readonly DescribedNode[];
  readonly decoded?: Decoded;
  /** One line for the tree view; not part of the JSON form. */
  readonly summary?: string;
}

export interface DescribeOptions {
  readonly unmasked?: boolean;
}

export const UNKNOWN_TAG_NAME = 'Unknown tag';
const MASK = '*';
const TRACK2_SEPARATOR = 'D';

export function describe(nodes: readonly TlvNode[], options: DescribeOptions = {}): DescribedNode[] {
  const currency = find(nodes, '5F2A');
  const currencyCode = currency === undefined ? undefined : parseNumericCode(currency.value);
  const context: InterpretContext = { unmasked: options.unmasked === true, ...(currencyCode === undefined ? {} : { currencyCode }) };
  return nodes.map((n) => describeNode(n, context));
}

function describeNode(node: TlvNode, context: InterpretContext): DescribedNode {
  const unmasked = context.unmasked === true;
  const base = {
    tag: node.tag,
    name: lookupTag(node.tag)?.name ?? UNKNOWN_TAG_NAME,
    constructed: node.constructed,
    length: node.value.length,
    value: unmasked ? toHex(node.value) : maskedHex(node),
  };
  if (node.children !== undefined) return { ...base, children: node.children.map((c) => describeNode(c, context)) };
  const meaning = interpret(node.tag, node.value, context);
  return meaning === undefined ? base : { ...base, decoded: meaning.decoded, summary: meaning.summary };
}

/** The value's hex with every sensitive primitive inside it masked, length kept. */
export function maskedHex(node: TlvNode): string {
  if (node.children === undefined) return isSensitiveTag(node.tag) ? maskSensitive(node.tag, toHex(node.value)) : toHex(node.value);
  let hex = toHex(node.value);
  for (const child of node.children) {
    if (!containsSensitive(child)) continue;
    const at = (child.value.byteOffset - node.value.byteOffset) * 2;
    const masked = maskedHex(child);
    hex = hex.slice(0, at) + masked + hex.slice(at + masked.length);
  }
  return hex;
}

function containsSensitive(node: TlvNode): boolean {
  if (node.children === undefined) return isSensitiveTag(node.tag);
  return node.children.some(containsSensitive);
}

/** PAN-bearing values keep first six and last four digits (PCI DSS 3.4); everything else is masked whole. */
function maskSensitive(tag: string, hex: string): string {
  if (tag === '5A') {
    const digits = hex.replace(/F+$/, '');
    return /^\d+$/.test(digits) ? maskPan(digits) + hex.slice(digits.length) : MASK.repeat(hex.length);
  }
  if (tag === '57' || tag === '9F6B') {
    const sep = hex.indexOf(TRACK2_SEPARATOR);
    const pan = hex.slice(0, sep);
    if (sep > 0 && /^\d+$/.test(pan)) return maskPan(pan) + TRACK2_SEPARATOR + MASK.repeat(hex.length - sep - 1);
  }
  return MASK.repeat(hex.length);
}
