/**
 * Issuer-to-card script processing, EMV 4.4 Book 3 §10.10: the issuer's
 * Issuer Script Templates in the authorisation response, 71 sent before the
 * final GENERATE AC and 72 after it, each holding an optional Issuer Script
 * Identifier (9F18) and one or more Issuer Script Commands (86, each a whole
 * command APDU the terminal sends as it is); the results as Issuer Script
 * Results (9F5B, Book 4 Annex A5).
 *
 *   template:  [71|72][L] [9F18 04 identifier]? {[86][L][C-APDU]}…
 *   result:    [b8–b5 result, b4–b1 sequence number][identifier, 4 bytes, zeros when absent]
 *              result 0 not performed, 1 failed, 2 successful;
 *              sequence 1–E the command's place in its script, F 15 or later, 0 not specified
 *
 * One result is written for each command sent (the failed one is the last of
 * its script: a command whose SW1 is not 90, 62 or 63 ends that script and
 * processing goes on with the next one). A template that is not well formed
 * (BER-TLV, a data object other than 9F18 and 86, an identifier that is not 4
 * bytes, no command, a command that is not a short command APDU) is not sent
 * at all and gets one "failed" result with sequence 0.
 *
 * The terminal processes issuer scripts up to ISSUER_SCRIPT_CAPACITY_BYTES
 * per authorisation response: templates 71 and 72 together, tags and lengths
 * included, counted in the order they arrive (Book 4 §6.3.9 asks every
 * terminal for at least 128 bytes, the length issuers plan for; this one
 * declares that). A script that would take the total past it is one the
 * terminal received and cannot process: it is not sent (a script is never
 * cut short), its result says "not performed" (sequence 0, its identifier),
 * and it counts as script processing that failed for its template, as a
 * malformed one does, so that the TVR the issuer sees next says so (Book 3
 * §10.10, Annex C5 byte 5 b6/b5). The scripts before it are processed; any
 * after it are past the total too. The caller sets the TVR and TSI bits from
 * `failed` and `performed`.
 */
import { decode, type TlvNode } from '../ber-tlv.js';
import { parseResponse } from './apdu.js';
import type { KernelContext } from './context.js';

export type ScriptTemplateTag = '71' | '72';

export interface ScriptProcessing {
  /** 9F5B entries, 5 bytes each, in the order the scripts and commands were processed. */
  readonly results: Buffer;
  /** A script of this template tag failed, was malformed or was past the capacity (TVR "Script processing failed before / after final GENERATE AC"). */
  readonly failed: boolean;
  /** A script of this template tag was processed, sent or not (TSI "Script processing was performed"). */
  readonly performed: boolean;
}

/**
 * The issuer script length this terminal processes in one authorisation
 * response: templates 71 and 72 together, tag and length included (Book 4
 * §6.3.9: at least 128 bytes).
 */
export const ISSUER_SCRIPT_CAPACITY_BYTES = 128;
export const SCRIPT_RESULT_BYTES = 5;
const RESULT = { notPerformed: 0x0, failed: 0x1, successful: 0x2 } as const;
const SEQUENCE_NOT_SPECIFIED = 0x0;
const SEQUENCE_15_OR_ABOVE = 0xf;
const SCRIPT_ID_TAG = '9F18';
const SCRIPT_ID_BYTES = 4;
const SCRIPT_COMMAND_TAG = '86';
/** SW1 values after which the next command of the script is sent (Book 3 §10.10). */
const SW1_CONTINUE: ReadonlySet<number> = new Set([0x90, 0x62, 0x63]);
const APDU_HEADER_BYTES = 4; // CLA INS P1 P2

/** Sends the scripts of one template tag found in the issuer's data (DE 55) and reports each command. */
export async function processIssuerScripts(ctx: KernelContext, templateTag: ScriptTemplateTag, issuerTlv: Buffer): Promise<ScriptProcessing> {
  const results: Buffer[] = [];
  let failed = false;
  let performed = false;
  const { objects, brokenTag } = issuerDataObjects(issuerTlv);
  let totalScriptBytes = 0;
  for (const object of objects) {
    if (object.tag !== '71' && object.tag !== '72') continue;
    totalScriptBytes += object.totalBytes;
    if (object.tag !== templateTag) continue;
    const script = parseScript(object.value);
    performed = true;
    if (totalScriptBytes > ISSUER_SCRIPT_CAPACITY_BYTES) {
      failed = true;
      results.push(resultEntry(RESULT.notPerformed, SEQUENCE_NOT_SPECIFIED, script.identifier));
      continue;
    }
    if (script.commands === undefined) {
      failed = true;
      results.push(resultEntry(RESULT.failed, SEQUENCE_NOT_SPECIFIED, script.identifier));
      continue;
    }
    for (const [index, command] of script.commands.entries()) {
      const ok = await sendScriptCommand(ctx, command);
      results.push(resultEntry(ok ? RESULT.successful : RESULT.failed, sequenceNumber(index), script.identifier));
      if (!ok) {
        failed = true;
        break;
      }
    }
  }
  if (brokenTag === templateTag) {
    // The response breaks off inside a template of this tag: a script the terminal cannot read.
    performed = true;
    failed = true;
    results.push(resultEntry(RESULT.failed, SEQUENCE_NOT_SPECIFIED, undefined));
  }
  return { results: Buffer.concat(results), failed, performed };
}

/** True when the card accepted the command (SW1 90, 62 or 63); an answer with no status word is a failure. */
async function sendScriptCommand(ctx: KernelContext, command: Buffer): Promise<boolean> {
  const answer = await ctx.env.transmit(Buffer.from(command));
  try {
    return SW1_CONTINUE.has(parseResponse(answer).sw >> 8);
  } catch {
    return false;
  }
}

interface ParsedScript {
  readonly identifier?: Buffer;
  /** Absent when the template is not well formed. */
  readonly commands?: readonly Buffer[];
}

function parseScript(value: Buffer): ParsedScript {
  let nodes: TlvNode[];
  try {
    nodes = decode(value);
  } catch {
    return {};
  }
  let identifier: Buffer | undefined;
  const commands: Buffer[] = [];
  let wellFormed = true;
  for (const node of nodes) {
    if (node.tag === SCRIPT_ID_TAG && identifier === undefined && commands.length === 0 && node.value.length === SCRIPT_ID_BYTES) {
      identifier = Buffer.from(node.value);
    } else if (node.tag === SCRIPT_COMMAND_TAG && isShortCommandApdu(node.value)) {
      commands.push(Buffer.from(node.value));
    } else {
      wellFormed = false;
    }
  }
  if (commands.length === 0) wellFormed = false;
  return { ...(identifier === undefined ? {} : { identifier }), ...(wellFormed ? { commands } : {}) };
}

/** ISO 7816-4 short command APDU: header, then nothing, Le, Lc ‖ data, or Lc ‖ data ‖ Le. */
function isShortCommandApdu(apdu: Uint8Array): boolean {
  if (apdu.length < APDU_HEADER_BYTES) return false;
  if (apdu.length <= APDU_HEADER_BYTES + 1) return true;
  const lc = apdu[APDU_HEADER_BYTES] as number;
  if (lc === 0) return false; // extended length, which EMV does not use
  const withoutLe = APDU_HEADER_BYTES + 1 + lc;
  return apdu.length === withoutLe || apdu.length === withoutLe + 1;
}

function sequenceNumber(index: number): number {
  return Math.min(index + 1, SEQUENCE_15_OR_ABOVE);
}

function resultEntry(result: number, sequence: number, identifier: Buffer | undefined): Buffer {
  const entry = Buffer.alloc(SCRIPT_RESULT_BYTES);
  entry[0] = (result << 4) | sequence;
  if (identifier !== undefined) identifier.copy(entry, 1);
  return entry;
}

export interface IssuerDataObject {
  readonly tag: string;
  readonly value: Buffer;
  /** Tag, length and value. */
  readonly totalBytes: number;
}

/**
 * The top-level data objects of the issuer's data without looking inside
 * them (Book 3 Annex B), so one malformed script cannot hide the others. It
 * stops at the first object it cannot read and names its tag when it got
 * that far.
 */
export function issuerDataObjects(bytes: Buffer): { objects: IssuerDataObject[]; brokenTag?: string } {
  const objects: IssuerDataObject[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes[pos] === 0x00) {
      pos++; // padding between data objects (Annex B1)
      continue;
    }
    const start = pos;
    const first = bytes[pos++] as number;
    let tag = hexByte(first);
    if ((first & 0x1f) === 0x1f) {
      let next: number;
      do {
        if (pos >= bytes.length || pos - start >= 4) return { objects };
        next = bytes[pos++] as number;
        tag += hexByte(next);
      } while ((next & 0x80) !== 0);
    }
    if (pos >= bytes.length) return { objects, brokenTag: tag };
    const lengthByte = bytes[pos++] as number;
    let length = lengthByte;
    if ((lengthByte & 0x80) !== 0) {
      const count = lengthByte & 0x7f;
      if (count === 0 || count > 4 || pos + count > bytes.length) return { objects, brokenTag: tag };
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos + i] as number);
      pos += count;
    }
    if (length > bytes.length - pos) return { objects, brokenTag: tag };
    objects.push({ tag, value: bytes.subarray(pos, pos + length), totalBytes: pos + length - start });
    pos += length;
  }
  return { objects };
}

function hexByte(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
