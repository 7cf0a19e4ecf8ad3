/**
 * The virtual NEO 2's contactless tables read from its flash (the
 * configuration store), for the AID of the card tapped: the limits of the
 * AID's group (04-03, §8.3.2 p152–153; Table 84 p502, Table 85 p504) over
 * group 0, and the contactless kernel's CA keys (D0-03, §8.7 p247–250) — so
 * a tap obeys what the terminal loaded, as the reader's kernel does.
 *
 *   transaction limit  DF8124 (a Mastercard group's own) else DFEE34   n12
 *   CVM required limit DF8126 else DFEE36                              n12
 *   floor limit        DF8123 else 9F1B (b4, minor units)              n12 / b4
 *
 * An AID the reader does not hold gives `undefined`: the reader does not
 * run it.
 */
import type { Capk } from '../../src/emv/kernel/config.js';
import type { ConfigurationStore, StoredTlv } from './configuration-store.js';
import { capksOf } from './stored-reader-kernel.js';

export interface ContactlessKernelSetup {
  /** Minor units (EMV Book B §3.1.1). */
  readonly limits: { readonly transaction: number; readonly cvm: number; readonly floor: number };
  readonly capks: readonly Capk[];
}

const LIMIT_TAGS = {
  transaction: ['DF8124', 'DFEE34'],
  cvm: ['DF8126', 'DFEE36'],
  floor: ['DF8123', '9F1B'],
} as const;

export function storedContactlessKernel(store: ConfigurationStore, aid: Uint8Array): ContactlessKernelSetup | undefined {
  const held = store.contactlessAids.get(Buffer.from(aid).toString('hex').toUpperCase());
  if (held === undefined) return undefined;
  const group = [...(store.groups.get(held.group) ?? []), ...(store.groups.get(0) ?? [])];
  const limit = (tags: readonly string[]): number => {
    for (const tag of tags) {
      const value = group.find((t) => t.tag.toUpperCase() === tag)?.value;
      if (value !== undefined) return amountOf(tag, value);
    }
    return 0;
  };
  return {
    limits: { transaction: limit(LIMIT_TAGS.transaction), cvm: limit(LIMIT_TAGS.cvm), floor: limit(LIMIT_TAGS.floor) },
    capks: capksOf(store.contactlessCapks.values()),
  };
}

/** 9F1B is b4; the others n12 (BCD). A value neither reads as is taken as 0. */
function amountOf(tag: StoredTlv['tag'], value: Buffer): number {
  if (tag === '9F1B') return value.length === 4 ? value.readUInt32BE(0) : 0;
  const digits = Number(value.toString('hex'));
  return Number.isSafeInteger(digits) ? digits : 0;
}
