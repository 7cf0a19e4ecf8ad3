/**
 * Byte builders for the kernel's scripted-card tests: data objects and
 * templates by tag (Book 3 Annex B), and the command APDUs the kernel sends
 * as Book 1 §11.3 and Book 3 §6.5 code them, so a script reads as the book.
 */
import { encodeOne } from '../../../src/emv/ber-tlv.js';

export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** A primitive data object: tag, minimal length, value (hex or bytes). */
export function prim(tag: string, value: string | Uint8Array): Buffer {
  return encodeOne({ tag, value: typeof value === 'string' ? hex(value) : value });
}

/** A template: its children's encodings concatenated as its value. */
export function tmpl(tag: string, ...children: Uint8Array[]): Buffer {
  return encodeOne({ tag, value: Buffer.concat(children) });
}

export const text = (value: string): Buffer => Buffer.from(value, 'latin1');

/** Response APDU: data ‖ 90 00, as hex for a script. */
export const ok = (data: Uint8Array = Buffer.alloc(0)): string => `${Buffer.from(data).toString('hex')}9000`;

const byte = (n: number): string => n.toString(16).padStart(2, '0');

/** SELECT by DF name (Book 1 §11.3.2): 00 A4 04 P2 Lc name 00; P2 00 first occurrence, 02 next. */
export function selectCommand(name: Uint8Array, occurrence: 'first' | 'next' = 'first'): string {
  return `00A404${occurrence === 'first' ? '00' : '02'}${byte(name.length)}${Buffer.from(name).toString('hex')}00`;
}

/** READ RECORD (Book 3 §6.5.11): 00 B2 record (SFI << 3 | 04) 00. */
export function readRecordCommand(sfi: number, record: number): string {
  return `00B2${byte(record)}${byte((sfi << 3) | 0x04)}00`;
}

/** GET PROCESSING OPTIONS (Book 3 §6.5.8): 80 A8 00 00 Lc 83 L pdolData 00. */
export function gpoCommand(pdolData: Uint8Array = Buffer.alloc(0)): string {
  const template = prim('83', pdolData);
  return `80A80000${byte(template.length)}${template.toString('hex')}00`;
}

/** An FCI as SELECT of an ADF returns it (Book 1 §11.3.4 Table 9): 6F [84 DF name][A5 …]. */
export function adfFci(dfName: Uint8Array, ...proprietary: Uint8Array[]): Buffer {
  return tmpl('6F', prim('84', dfName), tmpl('A5', ...proprietary));
}
