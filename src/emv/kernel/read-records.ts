/**
 * Read application data, EMV 4.4 Book 3 §10.2 (READ RECORD, §6.5.11), and
 * the static data to be authenticated that §10.3 builds from the records.
 *
 * The AFL (94) is a list of 4-byte entries:
 *
 *   [SFI << 3][first record][last record][records for offline authentication]
 *
 * An entry with SFI 0 or 31, low bits set in byte 1, a first record of 0, a
 * last record before the first, or more authentication records than it
 * reads is a bad AFL: the transaction terminates. So does a READ RECORD
 * answered with anything but 9000.
 *
 * Records of SFI 1–10 are one '70' template (anything else terminates); for
 * offline data authentication their template's value counts. Records of SFI
 * 11–30 are outside EMV unless they are '70' templates; for authentication
 * the whole record counts (tag and length included), and one that is not a
 * '70' template makes authentication fail (`odaRecordFormatError`), not the
 * transaction. After the records come the values of the tags listed in the
 * Static Data Authentication Tag List (9F4A), which may name only the AIP
 * (82); any other list also makes authentication fail.
 *
 * Every primitive data object from the card is stored as 'card' data
 * (terminal- and issuer-sourced tags are ignored). A primitive that appears
 * twice — in the records, or in a record and the GPO answer — terminates.
 * Then the mandatory objects (§7.2): Application Expiration Date (5F24),
 * PAN (5A), CDOL1 (8C), CDOL2 (8D); one missing terminates, one malformed
 * (a date that is no date, a PAN that is not cn, a CDOL that is no DOL) too.
 * A CVM List (8E) missing when the AIP says cardholder verification is
 * supported is not a termination: cardholder verification (§10.5,
 * `cvm.ts`) sets "ICC data missing" for it. This step sets no TVR or TSI bit.
 */
import { PosError } from '../../util/errors.js';
import { wipe } from '../../util/bytes.js';
import type { TlvNode } from '../ber-tlv.js';
import { parseDol } from '../dol.js';
import { parseDate } from '../interpret/values.js';
import { CLA_INTERINDUSTRY, INS, SW, exchange, swHex, type ResponseApdu, type Transmit } from './apdu.js';
import type { KernelContext } from './context.js';
import { decodeCardData, primitivesOf, storeCardPrimitives, tagsFromGpo } from './initiate.js';

export interface AflEntry {
  readonly sfi: number;
  readonly firstRecord: number;
  readonly lastRecord: number;
  /** Records from the first that take part in offline data authentication. */
  readonly odaRecords: number;
}

const AFL_ENTRY_BYTES = 4;
const MIN_SFI = 1;
const MAX_SFI = 30;
/** SFIs 1–10 hold EMV records as '70' templates (Book 3 §5.3.2.2). */
const MAX_EMV_SFI = 10;
const RECORD_TEMPLATE = '70';
/** READ RECORD P2: SFI in b8–b4, b3–b1 = 100 "P1 is a record number" (Book 3 §6.5.11.2). */
const P2_RECORD_NUMBER = 0x04;
const MANDATORY_TAGS = ['5F24', '5A', '8C', '8D'] as const;
const PAN_MAX_BYTES = 10;

/** Splits and checks an AFL; a bad entry terminates the transaction. */
export function parseAfl(afl: Uint8Array): AflEntry[] {
  if (afl.length === 0 || afl.length % AFL_ENTRY_BYTES !== 0) {
    throw new PosError('EMV_CARD_DATA_INVALID', 'The AFL is not one or more 4-byte entries', { step: 'read-records', tag: '94', length: afl.length });
  }
  const entries: AflEntry[] = [];
  for (let offset = 0; offset < afl.length; offset += AFL_ENTRY_BYTES) {
    const first = afl[offset] as number;
    const entry: AflEntry = { sfi: first >> 3, firstRecord: afl[offset + 1] as number, lastRecord: afl[offset + 2] as number, odaRecords: afl[offset + 3] as number };
    const valid =
      (first & 0x07) === 0 &&
      entry.sfi >= MIN_SFI &&
      entry.sfi <= MAX_SFI &&
      entry.firstRecord >= 1 &&
      entry.lastRecord >= entry.firstRecord &&
      entry.odaRecords <= entry.lastRecord - entry.firstRecord + 1;
    if (!valid) throw new PosError('EMV_CARD_DATA_INVALID', 'The AFL has an invalid entry', { step: 'read-records', tag: '94', entry: offset / AFL_ENTRY_BYTES });
    entries.push(entry);
  }
  return entries;
}

/** READ RECORD of one record of a short EF (Book 3 §6.5.11). */
export async function readRecord(transmit: Transmit, sfi: number, record: number): Promise<ResponseApdu> {
  return exchange(transmit, { cla: CLA_INTERINDUSTRY, ins: INS.READ_RECORD, p1: record, p2: (sfi << 3) | P2_RECORD_NUMBER, le: 0 });
}

export async function readApplicationData(ctx: KernelContext): Promise<{ readonly staticDataToAuthenticate: Buffer; readonly odaRecordFormatError: boolean }> {
  const afl = ctx.data.get('94');
  if (afl === undefined || ctx.data.sourceOf('94') !== 'card') throw new PosError('EMV_CARD_DATA_MISSING', 'No Application File Locator to read', { step: 'read-records', tag: '94' });
  const entries = parseAfl(afl);
  const seen = new Set(tagsFromGpo(ctx.data));
  const odaParts: Buffer[] = [];
  let odaRecordFormatError = false;

  for (const entry of entries) {
    for (let record = entry.firstRecord; record <= entry.lastRecord; record++) {
      const response = await readRecord(ctx.env.transmit, entry.sfi, record);
      try {
        if (response.sw !== SW.OK) {
          throw new PosError('EMV_CARD_STATUS', `READ RECORD answered ${swHex(response.sw)}`, { command: 'READ RECORD', sw: swHex(response.sw), sfi: entry.sfi, record });
        }
        const forOda = record < entry.firstRecord + entry.odaRecords;
        const template = recordTemplate(response.data, entry.sfi, record);
        if (template === undefined) {
          // SFI 11–30, not an EMV record: nothing to store; authentication cannot use it.
          if (forOda) odaRecordFormatError = true;
          continue;
        }
        storeCardPrimitives(ctx.data, primitivesOf(template.children), { step: 'read-records', refuseDuplicates: true, seen });
        if (forOda) odaParts.push(Buffer.from(entry.sfi <= MAX_EMV_SFI ? template.value : response.data));
      } finally {
        wipe(response.data);
      }
    }
  }

  checkMandatoryData(ctx);

  const tagList = tagListValues(ctx);
  if (tagList === undefined) odaRecordFormatError = true;
  else odaParts.push(...tagList);
  const staticDataToAuthenticate = Buffer.concat(odaParts);
  wipe(...odaParts);
  return { staticDataToAuthenticate, odaRecordFormatError };
}

interface RecordTemplate {
  readonly value: Uint8Array;
  readonly children: readonly TlvNode[];
}

/**
 * The record's '70' template. For SFI 1–10 a record that is not exactly one
 * '70' template terminates; for SFI 11–30 it is undefined (outside EMV).
 */
function recordTemplate(data: Buffer, sfi: number, record: number): RecordTemplate | undefined {
  const emvFile = sfi <= MAX_EMV_SFI;
  let nodes: TlvNode[];
  try {
    nodes = decodeCardData(data, 'read-records');
  } catch (error) {
    if (emvFile) throw error;
    return undefined;
  }
  const node = nodes[0];
  if (nodes.length === 1 && node !== undefined && node.tag === RECORD_TEMPLATE && node.children !== undefined) return { value: node.value, children: node.children };
  if (!emvFile) return undefined;
  throw new PosError('EMV_CARD_DATA_INVALID', 'A record of SFI 1 to 10 is not one 70 template', { step: 'read-records', sfi, record, ...(node === undefined ? {} : { tag: node.tag }), objects: nodes.length });
}

function checkMandatoryData(ctx: KernelContext): void {
  for (const tag of MANDATORY_TAGS) {
    if (ctx.data.sourceOf(tag) !== 'card') throw new PosError('EMV_CARD_DATA_MISSING', `The card did not give mandatory data object ${tag}`, { step: 'read-records', tag });
  }
  const invalid = (tag: string, why: string): PosError => new PosError('EMV_CARD_DATA_INVALID', `Data object ${tag} is not ${why}`, { step: 'read-records', tag, reason: 'format' });
  for (const tag of ['5F24', '5F25']) {
    const value = ctx.data.get(tag);
    if (value !== undefined && parseDate(value) === undefined) throw invalid(tag, 'a date (YYMMDD)');
  }
  if (!isCompressedNumeric(ctx.data.get('5A'))) throw invalid('5A', 'a PAN (cn, up to 19 digits)');
  for (const tag of ['8C', '8D']) {
    try {
      parseDol(ctx.data.get(tag) ?? Buffer.alloc(0));
    } catch {
      throw invalid(tag, 'a data object list');
    }
  }
}

/** cn: digits, then F padding to the end; at least one digit (Book 3 §4.3). */
function isCompressedNumeric(value: Uint8Array | undefined): boolean {
  if (value === undefined || value.length === 0 || value.length > PAN_MAX_BYTES) return false;
  let padding = false;
  let digits = 0;
  for (const byte of value) {
    for (const nibble of [byte >> 4, byte & 0x0f]) {
      if (nibble === 0x0f) padding = true;
      else if (padding || nibble > 9) return false;
      else digits++;
    }
  }
  return digits > 0;
}

/**
 * The values 9F4A adds to the static data (Book 3 §10.3): none without a
 * list or with an empty one, the AIP's value for a list of exactly '82',
 * and undefined — authentication fails — for any other list.
 */
function tagListValues(ctx: KernelContext): Buffer[] | undefined {
  const list = ctx.data.get('9F4A');
  if (list === undefined || ctx.data.sourceOf('9F4A') !== 'card' || list.length === 0) return [];
  const aip = ctx.data.get('82');
  if (list.length !== 1 || list[0] !== 0x82 || aip === undefined) return undefined;
  return [Buffer.from(aip)];
}
