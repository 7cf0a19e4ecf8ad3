/**
 * Lookups over a decoded BER-TLV tree (EMV 4.4 Book 3 Annex B): depth-first,
 * in the order the objects appear, as a terminal reads a card's templates.
 */
import type { TlvNode } from './ber-tlv.js';

/** The first object with this tag, depth-first (a parent before its children), or undefined. */
export function find(nodes: readonly TlvNode[], tag: string): TlvNode | undefined {
  const wanted = tag.toUpperCase();
  for (const node of nodes) {
    if (node.tag === wanted) return node;
    if (node.children !== undefined) {
      const hit = find(node.children, wanted);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/** Every object with this tag, depth-first, in input order. */
export function findAll(nodes: readonly TlvNode[], tag: string): TlvNode[] {
  const out: TlvNode[] = [];
  collect(nodes, tag.toUpperCase(), out);
  return out;
}

function collect(nodes: readonly TlvNode[], tag: string, out: TlvNode[]): void {
  for (const node of nodes) {
    if (node.tag === tag) out.push(node);
    if (node.children !== undefined) collect(node.children, tag, out);
  }
}

/**
 * The primitives of a tree as tag → value, for a transaction's data store.
 * Templates are walked, not stored. When a tag repeats, the first occurrence
 * wins, as `find` would answer.
 */
export function flatten(nodes: readonly TlvNode[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  addPrimitives(nodes, out);
  return out;
}

function addPrimitives(nodes: readonly TlvNode[], out: Map<string, Uint8Array>): void {
  for (const node of nodes) {
    if (node.children !== undefined) addPrimitives(node.children, out);
    else if (!out.has(node.tag)) out.set(node.tag, node.value);
  }
}
