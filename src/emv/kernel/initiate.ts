/**
 * Initiate application processing, EMV 4.4 Book 3 §10.1 (with the GET
 * PROCESSING OPTIONS command of §6.5.8): the selected application's FCI
 * becomes card data, the terminal answers the card's PDOL (9F38) from its
 * data store (§5.4) and sends GPO; the card answers with the Application
 * Interchange Profile (82) and the Application File Locator (94):
 *
 *   format 1:  80 L [AIP: 2][AFL: 4 × n]
 *   format 2:  77 L [82 02 AIP][94 L AFL][other primitives…]
 *
 * 6985 (conditions of use not satisfied) takes the application off the
 * candidate list and the caller selects again; any other status word, or an
 * answer in neither format, terminates the transaction.
 *
 * The helpers at the end turn a card's TLV bytes into typed errors and into
 * 'card' data; read application data and selection use them too.
 */
import { PosError, isPosError } from '../../util/errors.js';
import { wipe } from '../../util/bytes.js';
import { decode, encodeOne, type TlvNode } from '../ber-tlv.js';
import { lookupTag } from '../tag-dictionary.js';
import { CLA_EMV, INS, SW, exchange, swHex } from './apdu.js';
import type { KernelContext } from './context.js';
import { buildKernelDol } from './terminal-data.js';
import type { TransactionData } from './transaction-data.js';

/** The command template that carries the PDOL data (Book 3 §6.5.8.3). */
const COMMAND_TEMPLATE = '83';
const FORMAT_1 = '80';
const FORMAT_2 = '77';
const AIP_BYTES = 2;
const AFL_ENTRY_BYTES = 4;
/** A short command's data field: 83, its length field and the PDOL data must fit in 255 bytes. */
const MAX_COMMAND_DATA = 255;

/** Tags the GPO answer gave, per transaction: read application data refuses a record that repeats one (Book 3 §10.2). */
const gpoTags = new WeakMap<TransactionData, ReadonlySet<string>>();
/**
 * The PDOL related data exactly as GET PROCESSING OPTIONS carried it, per
 * transaction: CDA's transaction data hash opens with these bytes (Book 2
 * §6.6.2), and a later step may change the data they were built from. They
 * are terminal data (the PDOL is answered before any record is read).
 */
const pdolDataSent = new WeakMap<TransactionData, Buffer>();

export async function initiateApplicationProcessing(ctx: KernelContext, fci: Buffer): Promise<'ok' | 'retry-selection'> {
  storeCardPrimitives(ctx.data, primitivesOf(decodeCardData(fci, 'final-select')), { step: 'final-select', refuseDuplicates: false });
  // Application Identifier (AID) – terminal (Book 1 §12.4): the entry that matched the card's application.
  ctx.data.set('9F06', ctx.aid.aid, 'terminal');

  const pdol = ctx.data.get('9F38');
  const pdolData = pdol === undefined ? Buffer.alloc(0) : pdolDataFor(ctx, pdol);
  const commandData = encodeOne({ tag: COMMAND_TEMPLATE, value: pdolData });
  if (commandData.length > MAX_COMMAND_DATA) {
    throw new PosError('EMV_CARD_DATA_INVALID', 'The PDOL asks for more data than GET PROCESSING OPTIONS can carry', { step: 'initiate', tag: '9F38', length: pdolData.length });
  }
  pdolDataSent.set(ctx.data, Buffer.from(pdolData));
  const response = await exchange(ctx.env.transmit, { cla: CLA_EMV, ins: INS.GET_PROCESSING_OPTIONS, p1: 0x00, p2: 0x00, data: commandData, le: 0 });
  if (response.sw === SW.CONDITIONS_NOT_SATISFIED) return 'retry-selection';
  if (response.sw !== SW.OK) {
    throw new PosError('EMV_CARD_STATUS', `GET PROCESSING OPTIONS answered ${swHex(response.sw)}`, { command: 'GET PROCESSING OPTIONS', sw: swHex(response.sw) });
  }
  try {
    const primitives = gpoPrimitives(response.data);
    storeCardPrimitives(ctx.data, primitives, { step: 'initiate', refuseDuplicates: true });
    gpoTags.set(ctx.data, new Set(primitives.map((p) => p.tag)));
  } finally {
    wipe(response.data);
  }
  return 'ok';
}

/** The tags the GPO answer stored for this transaction (82 and 94 when it is not known). */
export function tagsFromGpo(data: TransactionData): ReadonlySet<string> {
  return gpoTags.get(data) ?? new Set(['82', '94'].filter((tag) => data.sourceOf(tag) === 'card'));
}

/** The PDOL related data the GPO of this transaction sent (empty without a PDOL); undefined when no GPO was sent. */
export function sentPdolData(data: TransactionData): Buffer | undefined {
  return pdolDataSent.get(data);
}

function pdolDataFor(ctx: KernelContext, pdol: Buffer): Buffer {
  try {
    return buildKernelDol(ctx, pdol);
  } catch (error) {
    throw cardDataError(error, 'initiate', '9F38');
  }
}

/** The primitives of a GPO answer, format 1 or 2; 82 and 94 checked (Book 3 §6.5.8.4). */
function gpoPrimitives(data: Buffer): Primitive[] {
  const nodes = decodeCardData(data, 'initiate');
  const template = nodes[0];
  if (nodes.length !== 1 || template === undefined) {
    throw new PosError('EMV_CARD_DATA_INVALID', 'The GPO answer is not one response template', { step: 'initiate', objects: nodes.length });
  }
  if (template.tag === FORMAT_1 && !template.constructed) {
    const value = template.value;
    if (value.length < AIP_BYTES || (value.length - AIP_BYTES) % AFL_ENTRY_BYTES !== 0) {
      throw new PosError('EMV_CARD_DATA_INVALID', 'The GPO answer in format 1 is not AIP followed by whole AFL entries', { step: 'initiate', tag: FORMAT_1, length: value.length });
    }
    return [
      { tag: '82', value: value.subarray(0, AIP_BYTES) },
      { tag: '94', value: value.subarray(AIP_BYTES) },
    ];
  }
  if (template.tag === FORMAT_2 && template.constructed) {
    const primitives = primitivesOf(template.children ?? []);
    const aip = primitives.find((p) => p.tag === '82');
    const afl = primitives.find((p) => p.tag === '94');
    if (aip === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'The GPO answer has no Application Interchange Profile', { step: 'initiate', tag: '82' });
    if (afl === undefined) throw new PosError('EMV_CARD_DATA_MISSING', 'The GPO answer has no Application File Locator', { step: 'initiate', tag: '94' });
    if (aip.value.length !== AIP_BYTES) throw new PosError('EMV_CARD_DATA_INVALID', 'The AIP is not 2 bytes', { step: 'initiate', tag: '82', length: aip.value.length });
    if (afl.value.length % AFL_ENTRY_BYTES !== 0) throw new PosError('EMV_CARD_DATA_INVALID', 'The AFL is not whole 4-byte entries', { step: 'initiate', tag: '94', length: afl.value.length });
    return primitives;
  }
  throw new PosError('EMV_CARD_DATA_INVALID', 'The GPO answer is in neither format 1 (80) nor format 2 (77)', { step: 'initiate', tag: template.tag });
}

// ── The card's TLV, as every step reads it ─────────────────────────────────

export interface Primitive {
  readonly tag: string;
  readonly value: Uint8Array;
}

/** BER-TLV from the card; a malformed encoding is the card's fault: `EMV_CARD_DATA_INVALID` with the codec's error as cause. */
export function decodeCardData(bytes: Uint8Array, step: string): TlvNode[] {
  try {
    return decode(bytes);
  } catch (error) {
    throw cardDataError(error, step);
  }
}

function cardDataError(error: unknown, step: string, tag?: string): PosError {
  if (!isPosError(error)) return new PosError('INTERNAL', `Unexpected failure reading card data in ${step}`, { where: `emv/kernel/${step}` }, { cause: error });
  const offset = error.details['offset'];
  const path = error.details['path'];
  return new PosError('EMV_CARD_DATA_INVALID', `The card's data is not valid BER-TLV (${error.code})`, {
    step,
    reason: error.code,
    ...(tag === undefined ? {} : { tag }),
    ...(typeof offset === 'number' ? { offset } : {}),
    ...(Array.isArray(path) ? { path } : {}),
  }, { cause: error });
}

/** Every primitive of a tree, depth-first in card order; templates are walked, not kept. */
export function primitivesOf(nodes: readonly TlvNode[]): Primitive[] {
  const out: Primitive[] = [];
  const walk = (list: readonly TlvNode[]): void => {
    for (const node of list) {
      if (node.children !== undefined) walk(node.children);
      else out.push({ tag: node.tag, value: node.value });
    }
  };
  walk(nodes);
  return out;
}

/**
 * Whether a tag may come from the card. A card that sends a terminal's or
 * an issuer's data object (an amount, the TVR, an ARC…) is not believed:
 * the object is ignored, never stored over the terminal's own. Tags the
 * dictionary does not know are the card's (proprietary data for the host).
 */
export function isCardSourced(tag: string): boolean {
  return (lookupTag(tag)?.source ?? 'card') === 'card';
}

export interface StoreOptions {
  readonly step: string;
  /** A tag twice in `primitives` (or in `seen`) terminates the transaction (Book 3 §10.2); otherwise the first occurrence wins. */
  readonly refuseDuplicates: boolean;
  /** Tags already read in this step, updated as primitives are stored. */
  readonly seen?: Set<string>;
}

/** Stores the card-sourced primitives as 'card' data. */
export function storeCardPrimitives(data: TransactionData, primitives: readonly Primitive[], options: StoreOptions): void {
  const seen = options.seen ?? new Set<string>();
  for (const { tag, value } of primitives) {
    if (!isCardSourced(tag)) continue;
    if (seen.has(tag)) {
      if (options.refuseDuplicates) throw new PosError('EMV_CARD_DATA_INVALID', `The card gave data object ${tag} more than once`, { step: options.step, tag, reason: 'duplicate' });
      continue;
    }
    seen.add(tag);
    data.set(tag, value, 'card');
  }
}
