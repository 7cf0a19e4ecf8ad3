/**
 * The TR-31 / ANSI X9.143 key block header (X9.143-2021, 6.2 and 6.3):
 *
 *   [V][LLLL][UU][A][M][NN][E][OO][RR]  then OO optional blocks [ID][LL][data]
 *    │   │    │   │  │  │   │  │   └ reserved "00"
 *    │   │    │   │  │  │   │  └ number of optional blocks
 *    │   │    │   │  │  │   └ exportability
 *    │   │    │   │  │  └ key version number
 *    │   │    │   │  └ mode of use
 *    │   │    │   └ algorithm of the wrapped key
 *    │   │    └ key usage
 *    │   └ total key block length in characters
 *    └ version ID (B: TDES key derivation binding, D: AES key derivation binding)
 *
 * An optional block's length is 2 hex digits counting ID and length; "00"
 * introduces the extended form: 2 hex digits giving how many hex digits of
 * length follow.
 */
import { PosError } from '../../util/errors.js';

export interface Tr31OptionalBlock {
  readonly id: string;
  readonly data: string;
}

export interface Tr31Header {
  readonly versionId: string;
  readonly keyUsage: string;
  readonly algorithm: string;
  readonly modeOfUse: string;
  readonly keyVersionNumber: string;
  readonly exportability: string;
  readonly optionalBlocks: readonly Tr31OptionalBlock[];
}

export const TR31_HEADER_CHARS = 16;

function invalid(reason: string, offset: number): PosError {
  return new PosError('TR31_HEADER_INVALID', `TR-31 header: ${reason}`, { reason, offset });
}

/** Parses the header and optional blocks; returns them with the header's character length. */
export function parseTr31Header(block: string): { header: Tr31Header; lengthChars: number; declaredLength: number } {
  if (block.length < TR31_HEADER_CHARS) throw invalid('shorter than 16 characters', block.length);
  if (!/^[\x20-\x7e]+$/.test(block)) throw invalid('not printable ASCII', block.search(/[^\x20-\x7e]/));
  const lengthText = block.slice(1, 5);
  if (!/^[0-9]{4}$/.test(lengthText)) throw invalid('length is not 4 digits', 1);
  const countText = block.slice(12, 14);
  if (!/^[0-9]{2}$/.test(countText)) throw invalid('number of optional blocks is not 2 digits', 12);
  const blocks: Tr31OptionalBlock[] = [];
  let at = TR31_HEADER_CHARS;
  for (let i = 0; i < Number(countText); i++) {
    const id = block.slice(at, at + 2);
    if (!/^[0-9A-Z]{2}$/.test(id)) throw invalid('optional block ID is not 2 alphanumeric characters', at);
    let lengthField = block.slice(at + 2, at + 4);
    if (!/^[0-9A-F]{2}$/.test(lengthField)) throw invalid('optional block length is not 2 hex digits', at + 2);
    let dataStart = at + 4;
    let total = parseInt(lengthField, 16);
    if (total === 0) {
      const lengthOfLength = parseInt(block.slice(at + 4, at + 6), 16);
      lengthField = block.slice(at + 6, at + 6 + lengthOfLength);
      if (!(lengthOfLength > 0) || !new RegExp(`^[0-9A-F]{${lengthOfLength}}$`).test(lengthField)) {
        throw invalid('optional block extended length is malformed', at + 4);
      }
      total = parseInt(lengthField, 16);
      dataStart = at + 6 + lengthOfLength;
    }
    const end = at + total;
    if (end < dataStart || end > block.length) throw invalid('optional block length is out of range', at + 2);
    blocks.push({ id, data: block.slice(dataStart, end) });
    at = end;
  }
  return {
    header: {
      versionId: block.slice(0, 1),
      keyUsage: block.slice(5, 7),
      algorithm: block.slice(7, 8),
      modeOfUse: block.slice(8, 9),
      keyVersionNumber: block.slice(9, 11),
      exportability: block.slice(11, 12),
      optionalBlocks: blocks,
    },
    lengthChars: at,
    declaredLength: Number(lengthText),
  };
}

/**
 * The header text for a total block length. Optional blocks are written in
 * the short form, and a "PB" pad block is appended when needed so that the
 * header is a whole number of cipher blocks (`alignChars`).
 */
export function formatTr31Header(header: Tr31Header, totalLength: (headerChars: number) => number, alignChars: number): string {
  const fields: [string, string, RegExp][] = [
    ['versionId', header.versionId, /^[A-Z]$/],
    ['keyUsage', header.keyUsage, /^[0-9A-Z]{2}$/],
    ['algorithm', header.algorithm, /^[0-9A-Z]$/],
    ['modeOfUse', header.modeOfUse, /^[0-9A-Z]$/],
    ['keyVersionNumber', header.keyVersionNumber, /^[0-9A-Za-z]{2}$/],
    ['exportability', header.exportability, /^[0-9A-Z]$/],
  ];
  for (const [name, value, re] of fields) {
    if (!re.test(value)) throw invalid(`${name} is malformed`, 0);
  }
  const blocks = [...header.optionalBlocks];
  let optional = blocks.map(formatOptional).join('');
  const misaligned = (TR31_HEADER_CHARS + optional.length) % alignChars;
  if (misaligned !== 0) {
    const padChars = alignChars - misaligned;
    // A pad block needs at least 4 characters (ID + length); go a whole block further if short.
    const dataChars = padChars >= 4 ? padChars - 4 : padChars + alignChars - 4;
    blocks.push({ id: 'PB', data: '0'.repeat(dataChars) });
    optional = blocks.map(formatOptional).join('');
  }
  if (blocks.length > 99) throw invalid('more than 99 optional blocks', TR31_HEADER_CHARS);
  const headerChars = TR31_HEADER_CHARS + optional.length;
  const total = totalLength(headerChars);
  if (total > 9999) throw invalid('key block longer than 9999 characters', 1);
  return (
    header.versionId +
    String(total).padStart(4, '0') +
    header.keyUsage +
    header.algorithm +
    header.modeOfUse +
    header.keyVersionNumber +
    header.exportability +
    String(blocks.length).padStart(2, '0') +
    '00' +
    optional
  );
}

function formatOptional(block: Tr31OptionalBlock): string {
  if (!/^[0-9A-Z]{2}$/.test(block.id) || !/^[\x20-\x7e]*$/.test(block.data)) throw invalid('optional block is malformed', TR31_HEADER_CHARS);
  const total = block.data.length + 4;
  if (total > 0xff) throw invalid('optional block longer than the short length form', TR31_HEADER_CHARS);
  return `${block.id}${total.toString(16).toUpperCase().padStart(2, '0')}${block.data}`;
}
