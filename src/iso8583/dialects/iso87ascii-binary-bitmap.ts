/**
 * ISO 8583:1987, ASCII with binary bitmaps: the iso87ascii data element
 * directory (`iso87ascii.ts`, ISO 8583:1987 §4.3 Table 1 with its documented
 * choices, DE 53 as `b ..48` among them) in the layout the `iso_8583` npm
 * package writes (jPOS's ISO87APackagerBBitmap is the same family):
 *
 *   [MTI 4 ASCII digits][primary bitmap 8 bytes][secondary bitmap 8 bytes, always][fields…]
 *
 * - numeric and text fields and their LLVAR / LLLVAR prefixes are ASCII, as in iso87ascii;
 * - binary fields (52, 53, 55, 64, 65, 96, 128) travel as raw bytes, their
 *   length prefix (ASCII digits) counting bytes;
 * - the secondary bitmap is always sent, as that package does; a message
 *   without one is read as well.
 */
import type { Dialect } from '../types.js';
import { deriveFields } from './derive.js';
import { iso87ascii } from './iso87ascii.js';

const ascii = { encoding: 'ascii' } as const;

export const iso87asciiBinaryBitmap = {
  name: 'iso87ascii-binary-bitmap',
  mtiEncoding: 'ascii',
  bitmapEncoding: 'binary',
  secondaryBitmap: 'always',
  fields: deriveFields(iso87ascii.fields, {
    n: ascii,
    an: ascii,
    ans: ascii,
    z: ascii,
    xn: ascii,
    b: { encoding: 'binary', prefixEncoding: 'ascii' },
  }),
} as const satisfies Dialect;
