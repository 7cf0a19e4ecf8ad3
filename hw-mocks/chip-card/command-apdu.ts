import type { DolEntry } from '../../src/emv/dol.js';
/**
 * A command APDU as the card receives it (ISO/IEC 7816-3 §12.1 and 7816-4
 * §5.1, short lengths only, as EMV 4.4 Book 1 §9 uses them):
 *
 *   case 1  CLA INS P1 P2
 *   case 2  CLA INS P1 P2 Le
 *   case 3  CLA INS P1 P2 Lc data
 *   case 4  CLA INS P1 P2 Lc data Le
 *
 * Lc 00 (the start of an extended length) and any length that fits no case
 * are 67 00 (wrong length): the card answers every byte string with a
 * status word and never throws.
 */
export interface CardCommand {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** Empty for case 1 and 2. */
  readonly data: Buffer;
  /** 1–256; undefined for case 1 and 3. */
  readonly le: number | undefined;
}

export type ParsedCommand = { readonly ok: true; readonly command: CardCommand } | { readonly ok: false; readonly sw: number };

export const SW_WRONG_LENGTH = 0x6700;
const HEADER_BYTES = 4;

export function parseCommand(bytes: Uint8Array): ParsedCommand {
  if (bytes.length < HEADER_BYTES) return { ok: false, sw: SW_WRONG_LENGTH };
  const buffer = Buffer.from(bytes);
  const [cla, ins, p1, p2] = [buffer[0] as number, buffer[1] as number, buffer[2] as number, buffer[3] as number];
  const command = (data: Buffer, le: number | undefined): ParsedCommand => ({ ok: true, command: { cla, ins, p1, p2, data, le } });
  if (buffer.length === HEADER_BYTES) return command(Buffer.alloc(0), undefined);
  const p3 = buffer[HEADER_BYTES] as number;
  if (buffer.length === HEADER_BYTES + 1) return command(Buffer.alloc(0), p3 === 0 ? 256 : p3);
  if (p3 === 0) return { ok: false, sw: SW_WRONG_LENGTH };
  const dataEnd = HEADER_BYTES + 1 + p3;
  if (buffer.length === dataEnd) return command(buffer.subarray(HEADER_BYTES + 1, dataEnd), undefined);
  if (buffer.length === dataEnd + 1) {
    const le = buffer[dataEnd] as number;
    return command(buffer.subarray(HEADER_BYTES + 1, dataEnd), le === 0 ? 256 : le);
  }
  return { ok: false, sw: SW_WRONG_LENGTH };
}

/** ISO/IEC 7816-4's "no precise diagnosis": what a card answers when it fails on a command. */
const SW_NO_PRECISE_DIAGNOSIS = 0x6f00;

/**
 * A command APDU → the card's answer: a malformed command gets its status
 * word; a defect in the card (`dispatch` throws), 6F 00, never a crash.
 */
export function answerCommand(bytes: Uint8Array, dispatch: (command: CardCommand) => Buffer): Buffer {
  const parsed = parseCommand(bytes);
  const status = (word: number): Buffer => Buffer.from([word >> 8, word & 0xff]);
  if (!parsed.ok) return status(parsed.sw);
  try {
    return dispatch(parsed.command);
  } catch {
    return status(SW_NO_PRECISE_DIAGNOSIS);
  }
}

/** The value of a command template 83 (Book 3 §6.5.8.3); undefined unless the data is exactly one 83. */
export function commandTemplateValue(data: Buffer): Buffer | undefined {
  if (data.length < 2 || data[0] !== 0x83) return undefined;
  const first = data[1] as number;
  const [length, header] = first < 0x80 ? [first, 2] : first === 0x81 && data.length >= 3 ? [data[2] as number, 3] : [-1, 0];
  return length >= 0 && data.length === header + length ? data.subarray(header) : undefined;
}

/** How many bytes a DOL's data takes. */
export function dolLength(dol: readonly DolEntry[]): number {
  return dol.reduce((sum, e) => sum + e.length, 0);
}

/** The values a DOL's data carries, by tag (Book 3 §5.4). */
export function dolValues(dol: readonly DolEntry[], data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  for (const e of dol) {
    out.set(e.tag, Buffer.from(data.subarray(pos, pos + e.length)));
    pos += e.length;
  }
  return out;
}
